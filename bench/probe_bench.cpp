// The read-bandwidth probe as a benchmark of its own, over the same array as the baselines: the
// physical ceiling the memory-bound sum is compared with, measured minutes apart at most.
#include <benchmark/benchmark.h>

#include <exception>

#include "bench/grid.hpp"
#include "bench/suite.hpp"
#include "runners/bandwidth.hpp"

namespace parlab::bench {
namespace {

void run_probe(benchmark::State& state, iota_cache& data, std::size_t n, unsigned threads) {
  try {
    runner::read_stream stream(data.get(n), threads, iota_sum(n));  // persistent, warmed up
    for (auto _ : state) {
      // The stream's own clock excludes nothing Google Benchmark's includes but the loop itself.
      benchmark::DoNotOptimize(stream.pass());
    }
    const auto iterations = static_cast<double>(state.iterations());
    state.SetBytesProcessed(
        static_cast<std::int64_t>(iterations * static_cast<double>(stream.bytes())));
    state.SetItemsProcessed(static_cast<std::int64_t>(iterations * static_cast<double>(n)));
    state.counters["threads"] = threads;
    state.counters["workers_seen"] = stream.workers_seen();
    set_page_counters(state, data.array().pages());
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

}  // namespace

void register_probe(std::size_t n, unsigned round, unsigned threads, iota_cache& data) {
  configure(benchmark::RegisterBenchmark("bandwidth_probe",
                                         [n, threads, &data](benchmark::State& state) {
                                           run_probe(state, data, n, threads);
                                         }),
            {"size", "round", "threads"}, {static_cast<std::int64_t>(n), round, threads});
}

}  // namespace parlab::bench
