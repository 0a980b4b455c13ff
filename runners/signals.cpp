#include "runners/signals.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include "runners/abandon.hpp"

namespace parlab::runner {
namespace {

constexpr int taken[] = {SIGINT, SIGTERM, SIGHUP};

bool ignored(int signal) {
  struct sigaction now {};
  return sigaction(signal, nullptr, &now) == 0 && now.sa_handler == SIG_IGN;
}

// write(2), not stdio: the thread abandoning the command may hold stderr's lock for good.
void say(const std::string& line) {
  const std::string text = "parlab: " + line + "\n";
  [[maybe_unused]] const ssize_t n = write(STDERR_FILENO, text.data(), text.size());
}

}  // namespace

std::string signal_name(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

stop_signals::stop_signals() {
  sigemptyset(&blocked_);
  bool any = false;
  for (int s : taken)
    if (!ignored(s)) {
      sigaddset(&blocked_, s);
      any = true;
    }
  pthread_sigmask(SIG_BLOCK, &blocked_, &previous_);
  if (!any) return;
  signal_fd_ = signalfd(-1, &blocked_, SFD_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC);
  if (signal_fd_ < 0 || wake_fd_ < 0) {
    // Without a listener the signals must not stay blocked: they would be lost.
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    say(std::string("warning: signals end parlab without writing what finished: ") +
        std::strerror(errno));
    return;
  }
  listener_ = std::thread([this] { listen(); });
}

stop_signals::~stop_signals() {
  if (listener_.joinable()) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = write(wake_fd_, &one, sizeof one);
    listener_.join();
  }
  if (signal_fd_ >= 0) close(signal_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

void stop_signals::handle_with(std::function<void(int)> handler) {
  {
    const std::lock_guard lock(handler_mutex_);
    handler_ = std::move(handler);
    if (handler_) return;
  }
  // The listener claims before it reads the handler: a claim not seen here took the empty one.
  if (abandon_claimed()) wait_for_abandon();
}

void stop_signals::listen() {
  pollfd fds[] = {{signal_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    // Claimed while the signal is still pending, so that stop_signal_pending() or
    // abandon_claimed() is true at every moment from its arrival on.
    const bool first = claim_abandon();
    signalfd_siginfo info{};
    // Blocking, and readable: it returns the signal (no other thread reads it, none can be
    // interrupted here). Should it fail anyway, the claim made must still end the process.
    if (read(signal_fd_, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) {
      say(std::string("reading a signal failed: ") + std::strerror(errno) + "; ended at once");
      end_at_once(1);
    }
    const int signal = static_cast<int>(info.ssi_signo);
    if (!first) {
      say(signal_name(signal) + " while stopping: ended at once, nothing more written");
      end_at_once(128 + signal);
    }
    take(signal);
  }
}

void stop_signals::take(int signal) {
  std::function<void(int)> handler;
  {
    const std::lock_guard lock(handler_mutex_);
    handler = handler_;
  }
  if (!handler) {
    say(signal_name(signal) + ": stopped outside a run (before the first or after the report)");
    end_at_once(128 + signal);
  }
  try {
    std::thread([handler, signal] {
      handler(signal);
      end_at_once(128 + signal);  // a handler ends the process; should it return, this does
    }).detach();
  } catch (const std::system_error&) {
    handler(signal);  // no thread to spare: a second signal cannot cut this one short
    end_at_once(128 + signal);
  }
}

bool stop_signal_pending() {
  sigset_t pending;
  if (sigpending(&pending) != 0) return false;
  for (int s : taken)
    if (sigismember(&pending, s) == 1) return true;
  return false;
}

void unblock_stop_signals_in(posix_spawnattr_t& attributes) {
  sigset_t mask;
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  for (int s : taken) sigdelset(&mask, s);
  posix_spawnattr_setsigmask(&attributes, &mask);
  short flags = 0;
  posix_spawnattr_getflags(&attributes, &flags);
  posix_spawnattr_setflags(&attributes, static_cast<short>(flags | POSIX_SPAWN_SETSIGMASK));
}

}  // namespace parlab::runner
