// The price of a process as a user pays it by hand: N workers fork()ed per run, each _exit(0)s at
// once, the parent waitpid()s them all. Prints the median run's time per worker in microseconds,
// what `parlab run -k spawn -b fork -t N` reports as spawn_us_per_worker, so that
// scripts/bench_processes.py can hold the engine against it, each in a process of its own.
// usage: parlab_fork_workers WORKERS REPS
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  const int workers = argc > 1 ? std::atoi(argv[1]) : 2;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 20;
  if (workers < 1 || reps < 1) {
    std::fprintf(stderr, "usage: parlab_fork_workers WORKERS REPS (both at least 1)\n");
    return 2;
  }
  std::vector<double> runs;
  std::vector<pid_t> pids(static_cast<std::size_t>(workers));
  for (int r = 0; r < reps; ++r) {
    const auto start = std::chrono::steady_clock::now();
    for (pid_t& pid : pids) {
      pid = fork();
      if (pid < 0) return 1;
      if (pid == 0) _exit(0);
    }
    for (const pid_t pid : pids) {
      int status = 0;
      if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return 1;
    }
    runs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(runs.begin(), runs.end());
  const std::size_t n = runs.size();
  const double median = n % 2 == 1 ? runs[n / 2] : (runs[n / 2 - 1] + runs[n / 2]) / 2;
  std::printf("{\"us_per_worker\": %.3f}\n", median * 1e6 / workers);
  return 0;
}
