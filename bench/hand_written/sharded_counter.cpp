// A sharded counter as a user writes it by hand: THREADS std::threads, each counting its share of
// INCREMENTS in a register of its own, the shares added at the end and checked. The empty asm
// keeps each increment (a compiler folds the bare loop into one addition); it costs no
// instruction. Prints the median of REPS timed runs in seconds, what `parlab run -k counter
// --mode sharded -t THREADS` reports as median_s, so that scripts/bench_processes.py can hold the
// engine against it in a process of its own.
// usage: parlab_sharded_counter INCREMENTS REPS THREADS
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

struct alignas(64) shard {
  std::uint64_t count = 0;
};

std::uint64_t count_alone(std::uint64_t times) {
  std::uint64_t own = 0;
  for (std::uint64_t k = 0; k < times; ++k) {
    ++own;
    asm volatile("" : "+r"(own));
  }
  return own;
}

}  // namespace

int main(int argc, char** argv) {
  const auto increments = static_cast<std::uint64_t>(argc > 1 ? std::atof(argv[1]) : 2e8);
  const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  if (increments < 1 || reps < 1 || threads < 1) {
    std::fprintf(stderr, "usage: parlab_sharded_counter INCREMENTS REPS THREADS (each >= 1)\n");
    return 2;
  }
  std::vector<double> runs;
  for (int r = 0; r < reps + 1; ++r) {  // the first is a warm-up
    std::vector<shard> shards(static_cast<std::size_t>(threads));
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const std::uint64_t share =
            increments / static_cast<std::uint64_t>(threads) +
            (static_cast<std::uint64_t>(t) < increments % static_cast<std::uint64_t>(threads));
        shards[static_cast<std::size_t>(t)].count = count_alone(share);
      });
    for (std::thread& th : pool) th.join();
    std::uint64_t total = 0;
    for (const shard& s : shards) total += s.count;
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (total != increments) {
      std::fprintf(stderr, "parlab_sharded_counter: counted %llu of %llu\n",
                   static_cast<unsigned long long>(total),
                   static_cast<unsigned long long>(increments));
      return 1;
    }
    if (r > 0) runs.push_back(took);
  }
  std::sort(runs.begin(), runs.end());
  const std::size_t n = runs.size();
  const double median = n % 2 == 1 ? runs[n / 2] : (runs[n / 2 - 1] + runs[n / 2]) / 2;
  std::printf("{\"median_s\": %.9f}\n", median);
  return 0;
}
