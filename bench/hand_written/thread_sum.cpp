// A memory-bound sum as a user writes it by hand: SIZE int64 (value i at index i) in a
// std::vector, summed by THREADS std::threads over equal blocks, the total checked. Prints the
// median of REPS timed sums in seconds, what `parlab run -k sum -t THREADS` reports as median_s,
// so that scripts/bench_processes.py can hold the engine against it in a process of its own.
// usage: parlab_thread_sum SIZE REPS THREADS
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  const auto size = static_cast<std::size_t>(argc > 1 ? std::atof(argv[1]) : 2e8);
  const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  if (size < 1 || reps < 1 || threads < 1) {
    std::fprintf(stderr, "usage: parlab_thread_sum SIZE REPS THREADS (each at least 1)\n");
    return 2;
  }
  std::vector<std::int64_t> data(size);
  std::iota(data.begin(), data.end(), std::int64_t{0});
  const auto n = static_cast<std::int64_t>(size);
  const std::int64_t expected = n * (n - 1) / 2;
  std::vector<double> runs;
  for (int r = 0; r < reps + 1; ++r) {  // the first is a warm-up
    std::vector<std::int64_t> partial(static_cast<std::size_t>(threads), 0);
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const std::size_t begin = size * static_cast<std::size_t>(t) / threads;
        const std::size_t end = size * static_cast<std::size_t>(t + 1) / threads;
        std::int64_t s = 0;
        for (std::size_t i = begin; i < end; ++i) s += data[i];
        partial[static_cast<std::size_t>(t)] = s;
      });
    for (std::thread& t : pool) t.join();
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (std::accumulate(partial.begin(), partial.end(), std::int64_t{0}) != expected) {
      std::fprintf(stderr, "parlab_thread_sum: wrong total\n");
      return 1;
    }
    if (r > 0) runs.push_back(took);
  }
  std::sort(runs.begin(), runs.end());
  const std::size_t k = runs.size();
  const double median = k % 2 == 1 ? runs[k / 2] : (runs[k / 2 - 1] + runs[k / 2]) / 2;
  std::printf("{\"median_s\": %.9f}\n", median);
  return 0;
}
