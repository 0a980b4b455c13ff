#include "runners/child_job.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "parlab/error.hpp"
#include "runners/signals.hpp"

extern char** environ;

namespace parlab::runner {
namespace {

void redirect(posix_spawn_file_actions_t& io, int fd, const std::string& path) {
  if (!path.empty())
    posix_spawn_file_actions_addopen(&io, fd, path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
}

int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

job_outcome run_child_job(const std::vector<std::string>& args, const std::string& result_path,
                          const child_output& output) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t io;
  posix_spawn_file_actions_init(&io);
  redirect(io, STDOUT_FILENO, output.out_path);
  redirect(io, STDERR_FILENO, output.err_path);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  unblock_stop_signals_in(attr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, argv[0], &io, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&io);
  job_outcome out;
  if (spawned != 0) {
    out.exit_code = 127;
    out.problem = fmt::format("{} could not start: {}", args[0], std::strerror(spawned));
    return out;
  }
  out.exit_code = wait_for(pid);
  std::error_code ec;
  // Empty: the child opened the file but ended before writing the document.
  if (!std::filesystem::exists(result_path, ec) ||
      std::filesystem::file_size(result_path, ec) == 0) {
    out.problem = fmt::format("{} exited with {} and wrote no results", args[0], out.exit_code);
    return out;
  }
  try {
    out.doc = read_result_file(result_path);
  } catch (const usage_error& e) {
    out.problem =
        fmt::format("{} exited with {}; its results: {}", args[0], out.exit_code, e.what());
  }
  return out;
}

}  // namespace parlab::runner
