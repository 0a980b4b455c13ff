// A soak: whole sweeps through the CLI's entry point, repeated in this one process for a bounded
// time (PARLAB_SOAK_SECONDS, default 60), over every backend and the kernels that split,
// synchronise and wait, writing table, CSV, JSON and plot files. After a warm-up round, none of
// resident memory, open file descriptors and child processes may grow beyond the tolerances
// below; the test prints the three figures.
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "runners/cli.hpp"

namespace {

namespace fs = std::filesystem;

// Resident memory may grow this much over a soak: allocator arenas of threads that come and go
// settle in the first rounds, and a leak of even a few hundred bytes a sweep passes it in a
// minute's thousands of runs only if it is real.
constexpr long rss_tolerance_kib = 8 * 1024;

long resident_kib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  return -1;
}

long open_fds() {
  long n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// Children of this process, zombies included: every one a run started must have been reaped.
long child_processes() {
  const std::string me = std::to_string(getpid());
  long n = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::ifstream stat(e.path() / "stat");
    std::string pid, comm, state, ppid;
    // comm may hold spaces, but not parlab's children's: test binaries, gnuplot.
    if (stat >> pid >> comm >> state >> ppid && ppid == me) ++n;
  }
  return n;
}

int cli(std::vector<std::string> args) {
  args.insert(args.begin(), "parlab");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return parlab::runner::cli_main(static_cast<int>(argv.size()), argv.data());
}

TEST(soak, sweeps_leak_no_memory_descriptors_or_processes) {
  const char* env = std::getenv("PARLAB_SOAK_SECONDS");
  const double seconds = env != nullptr ? std::atof(env) : 60;
  const fs::path dir = fs::temp_directory_path() / ("parlab-soak-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string out = (dir / "out.txt").string(), csv = (dir / "s.csv").string(),
                    json = (dir / "s.json").string(), svg = (dir / "s.svg").string();
  const bool plot = std::system("command -v gnuplot >/dev/null 2>&1") == 0;
  const std::vector<std::vector<std::string>> sweeps = {
      {"sweep", "-k", "sum", "-b", "all", "-t", "1,2,3", "--size", "2e5", "--reps", "2",
       "--no-probe", "--no-progress", "-o", out, "--csv", csv, "--json", json},
      {"sweep", "-k", "io", "-b", "all", "-t", "1,4", "--tasks", "16", "--duration", "200us",
       "--reps", "2", "--no-progress", "--format", "csv", "-o", out},
      {"sweep", "-k", "counter", "-b", "all", "-t", "1,2", "--increments", "20000", "--mode",
       "sharded", "--reps", "2", "--no-progress", "--format", "json", "-o", out},
      {"run", "-k", "pipeline", "-b", "threads,fork", "-t", "3", "--items", "16", "--duration",
       "100us", "--cpu", "100us", "--reps", "2", "--no-progress", "-o", out}};
  std::vector<std::string> plotted = sweeps[0];
  if (plot) plotted.insert(plotted.end(), {"--plot", svg});

  const auto round = [&] {
    for (const auto& s : sweeps) ASSERT_EQ(cli(s), 0) << s[0] << " " << s[2];
    ASSERT_EQ(cli(plotted), 0);
  };
  round();  // warm-up: pools, arenas and caches reach their size
  const long rss0 = resident_kib(), fds0 = open_fds(), kids0 = child_processes();
  const auto start = std::chrono::steady_clock::now();
  unsigned rounds = 0;
  long kids_max = kids0;
  do {
    round();
    ++rounds;
    kids_max = std::max(kids_max, child_processes());
  } while (!HasFatalFailure() &&
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() <
               seconds);
  const long rss = resident_kib(), fds = open_fds();
  std::cout << "soak: " << rounds << " rounds of " << sweeps.size() + 1 << " sweeps in " << seconds
            << " s: resident " << rss0 << " -> " << rss << " KiB (growth " << rss - rss0
            << ", tolerance " << rss_tolerance_kib << "); open fds " << fds0 << " -> " << fds
            << " (tolerance 0); child processes after a round at most " << kids_max
            << ", at the start " << kids0 << " (tolerance 0)\n";
  EXPECT_LE(rss - rss0, rss_tolerance_kib);
  EXPECT_EQ(fds, fds0);
  EXPECT_EQ(kids_max, 0);
  EXPECT_GE(rounds, 1u);
  fs::remove_all(dir);
}

}  // namespace
