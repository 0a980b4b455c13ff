// runners/signals: what a process started while the stop signals are blocked inherits. A mask
// survives fork and exec, so without the unblocking a worker or mpirun would never see SIGTERM.
#include <gtest/gtest.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "backends/processes.hpp"
#include "runners/signals.hpp"

extern char** environ;

namespace {

using parlab::runner::unblock_stop_signals_in;

// Blocks SIGTERM in this thread for the test's duration, as stop_signals does.
class sigterm_blocked : public ::testing::Test {
 protected:
  void SetUp() override {
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, &previous_);
  }
  void TearDown() override {
    // A SIGTERM a failing child left pending here would end the test binary once unblocked.
    sigset_t pending;
    sigpending(&pending);
    ASSERT_EQ(sigismember(&pending, SIGTERM), 0);
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  sigset_t previous_{};
};

// A shell that sends itself SIGTERM: it dies of it only if SIGTERM is not blocked in it.
int status_of_shell_sending_itself_sigterm(posix_spawnattr_t* attributes) {
  char sh[] = "/bin/sh", c[] = "-c", script[] = "kill -TERM $$; exit 0";
  char* argv[] = {sh, c, script, nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, sh, nullptr, attributes, argv, environ) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST_F(sigterm_blocked, a_program_spawned_plainly_inherits_the_blocked_mask) {
  const int status = status_of_shell_sending_itself_sigterm(nullptr);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(sigterm_blocked, a_program_spawned_with_the_stop_signals_unblocked_takes_them) {
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);  // flags set before are kept
  posix_spawnattr_setpgroup(&attributes, 0);
  unblock_stop_signals_in(attributes);
  const int status = status_of_shell_sending_itself_sigterm(&attributes);
  posix_spawnattr_destroy(&attributes);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
}

TEST_F(sigterm_blocked, a_fork_worker_takes_every_signal) {
  const pid_t parent = getpid();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (!parlab::detail::bind_child_to_parent(parent)) _exit(1);
    raise(SIGTERM);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
}

TEST(signal_name, is_the_conventional_abbreviation) {
  EXPECT_EQ(parlab::runner::signal_name(SIGINT), "SIGINT");
  EXPECT_EQ(parlab::runner::signal_name(SIGHUP), "SIGHUP");
}

}  // namespace
