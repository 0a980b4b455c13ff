// The async backend's yardstick: what a user writes by hand with Asio's own coroutines, one
// co_spawn per wait, each with its own steady_timer, on one thread. The event loop is built before
// the timed span, which runs from the first coroutine spawned to the last wait finished, as the
// engine's async run is timed.
#include <benchmark/benchmark.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "bench/grid.hpp"
#include "bench/suite.hpp"
#include "runners/memory_use.hpp"

namespace parlab::bench {
namespace {

asio::awaitable<void> one_wait(std::chrono::nanoseconds wait, std::size_t& done) {
  asio::steady_timer timer(co_await asio::this_coro::executor, wait);
  co_await timer.async_wait(asio::use_awaitable);
  ++done;
}

void run_asio_waits(benchmark::State& state, std::size_t tasks, std::chrono::nanoseconds wait) {
  try {
    asio::io_context loop;
    std::size_t done = 0;
    auto once = [&] {
      done = 0;
      for (std::size_t i = 0; i < tasks; ++i)
        asio::co_spawn(loop, one_wait(wait, done), asio::detached);
      loop.run();
      loop.restart();
    };
    once();  // untimed warm-up, as for the engine
    for (auto _ : state) once();
    if (done != tasks) {
      state.SkipWithError(("waits finished: " + std::to_string(done)).c_str());
      return;
    }
    runner::memory_watch watch;  // one more run, untimed, for its memory
    once();
    set_memory_counters(state, watch.stop(), static_cast<double>(tasks));
    state.SetItemsProcessed(static_cast<std::int64_t>(tasks) * state.iterations());
    state.counters["threads"] = 1;
    state.counters["workers_seen"] = 1;
    state.counters["ideal_s"] = std::chrono::duration<double>(wait).count();
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

}  // namespace

void register_async_baseline(std::size_t tasks, int duration_ms, unsigned round) {
  configure(benchmark::RegisterBenchmark("baseline_async/asio",
                                         [tasks, duration_ms](benchmark::State& state) {
                                           run_asio_waits(state, tasks,
                                                          std::chrono::milliseconds(duration_ms));
                                         }),
            {"tasks", "duration_ms", "round", "threads"},
            {static_cast<std::int64_t>(tasks), duration_ms, round, 1});
}

}  // namespace parlab::bench
