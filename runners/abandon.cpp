#include "runners/abandon.hpp"

#include <dirent.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "runners/output_file.hpp"

namespace parlab::runner {
namespace {

std::atomic<bool> claimed{false};

struct child {
  pid_t pid = -1;
  bool leads_group = false;  // started in a process group of its own (an MPI job)
};

// The parent pid and process group in /proc/PID/stat: the fields after the state, itself after
// the ")" that closes the command name (which may contain spaces and parentheses).
bool parent_and_group(const std::string& proc_entry, pid_t& parent, pid_t& group) {
  std::ifstream in(proc_entry + "/stat");
  std::string stat;
  std::getline(in, stat);
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 4 >= stat.size()) return false;
  char* end = nullptr;
  parent = static_cast<pid_t>(std::strtol(stat.c_str() + close + 4, &end, 10));
  group = static_cast<pid_t>(std::strtol(end, nullptr, 10));
  return true;
}

// readdir rather than std::filesystem: this runs on the thread that abandons the command, where
// an exception (a process vanishing mid-scan) would end parlab with abort().
std::vector<child> children_of_this_process() {
  const pid_t self = getpid();
  std::vector<child> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return found;
  while (const dirent* entry = readdir(proc)) {
    const std::string name = entry->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t parent = 0, group = 0;
    if (!parent_and_group("/proc/" + name, parent, group) || parent != self) continue;
    const auto pid = static_cast<pid_t>(std::strtol(name.c_str(), nullptr, 10));
    found.push_back({pid, group == pid});
  }
  closedir(proc);
  return found;
}

// Reaps pid, waiting at most until the deadline; false if it is still running then. A child
// another thread waits for is reaped there (ECHILD here).
bool reaped_by(pid_t pid, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const pid_t r = waitpid(pid, nullptr, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// One pass over the children found now; returns how many.
unsigned kill_children_once(double grace_s) {
  const std::vector<child> found = children_of_this_process();
  const auto grace = std::chrono::steady_clock::now() +
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(grace_s));
  for (const child& c : found)
    if (c.leads_group) kill(-c.pid, SIGTERM);  // mpirun stops its ranks and cleans up
  for (const child& c : found)
    if (!c.leads_group || !reaped_by(c.pid, grace)) kill(c.leads_group ? -c.pid : c.pid, SIGKILL);
  // SIGKILL ends a process within milliseconds unless it is stuck in the kernel: bounded.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (const child& c : found) reaped_by(c.pid, deadline);
  return static_cast<unsigned>(found.size());
}

}  // namespace

bool claim_abandon() { return !claimed.exchange(true); }

bool abandon_claimed() { return claimed.load(); }

void adopt_orphans() { prctl(PR_SET_CHILD_SUBREAPER, 1); }

// Again while there are children: the ranks of a killed mpirun (each in a process group of its
// own) become this process's children once it adopts orphans.
unsigned kill_child_processes(double grace_s) {
  unsigned killed = 0;
  for (int pass = 0; pass < 4; ++pass) {
    const unsigned n = kill_children_once(grace_s);
    if (n == 0) break;
    killed += n;
  }
  return killed;
}

void abandon_command(int exit_code, const std::function<void()>& write_what_finished) {
  write_what_finished();
  kill_child_processes();
  remove_unfinished_outputs();
  std::fflush(nullptr);
  _exit(exit_code);
}

void end_at_once(int exit_code) {
  kill_child_processes(0);
  remove_unfinished_outputs();
  _exit(exit_code);
}

void wait_for_abandon() {
  for (;;) pause();
}

}  // namespace parlab::runner
