// The engine's side of the suite: any kernel on any backend, through the public API only.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "bench/grid.hpp"
#include "bench/suite.hpp"
#include "parlab/kernel.hpp"
#include "parlab/staged_run.hpp"
#include "runners/gil.hpp"
#include "runners/measure.hpp"
#include "runners/memory_use.hpp"

namespace parlab::bench {
namespace {

void set_counters(benchmark::State& state, const kernel& k, const backend& b, unsigned threads,
                  unsigned seen) {
  const work_amount w = k.work();
  const auto iterations = static_cast<double>(state.iterations());
  if (w.bytes > 0) state.SetBytesProcessed(static_cast<std::int64_t>(w.bytes * iterations));
  const double items = w.elements > 0 ? w.elements : w.tasks;
  if (items > 0) state.SetItemsProcessed(static_cast<std::int64_t>(items * iterations));
  state.counters["threads"] = threads;
  state.counters["workers_seen"] = seen;
  // The io kernel knows its best possible wall time over the waits in flight, as the runner
  // bounds it: the summary divides it by the measured one.
  const std::size_t in_flight =
      waits_in_flight(b.traits(), threads, static_cast<std::size_t>(w.tasks));
  if (const double ideal = runner::ideal_seconds(k, in_flight); ideal > 0)
    state.counters["ideal_s"] = ideal;
  set_page_counters(state, k.pages());
}

// Every run writes over a poisoned buffer, as in the runner: a backend that failed to write its
// result would otherwise leave the previous run's, which verifies.
// A staged run, when given, runs both its stages instead of b alone.
unsigned run_once(const backend& b, const reduce_task& task, const run_options& options,
                  const staged_run* staged, std::span<std::byte> result) {
  runner::poison(result);
  return (staged ? staged->run(result.data()) : b.run(task, options, result.data())).workers_seen;
}

// The kernel's own record fields (spawn_us_per_worker, lost_updates ...) as counters, the
// numbers among them: the mechanism the runner's reporters use, so a kernel added later needs
// nothing here. The loop's mean stands in for the runner's median.
void set_kernel_counters(benchmark::State& state, const kernel& k, const void* result,
                         const run_summary& runs) {
  for (const record_field& f : k.record_fields(result, runs)) {
    if (const auto* d = std::get_if<double>(&f.value)) state.counters[f.name] = *d;
    if (const auto* i = std::get_if<std::int64_t>(&f.value))
      state.counters[f.name] = static_cast<double>(*i);
  }
}

// As the runner's record says it (runners/measure.cpp), per timed run: gil_held 1 when chunks
// ran under this process's lock, 0 when none did (processes, each with a copy of the lock).
void set_gil_counters(benchmark::State& state, const runner::emulated_gil& gil) {
  const runner::emulated_gil::stats s = gil.totals();
  const auto runs = static_cast<double>(state.iterations());
  state.counters["gil_held"] = s.chunks > 0 ? 1 : 0;
  state.counters["gil_switches"] = static_cast<double>(s.switches) / runs;
  state.counters["gil_wait_s"] = s.waited_s / runs;
}

// `name` is the benchmark's, without the timer suffix: the settle step reports it.
void run_engine(benchmark::State& state, const engine_case& c, const backend& b, unsigned threads,
                prepared& store, const std::string& name) {
  try {
    if (!c.beside_baselines) store.data.release();
    const auto [k, plain_task] = store.kernels.get(*c.kernel, c.values);
    std::optional<runner::emulated_gil> gil;
    if (c.gil_interval.count() > 0) gil.emplace(c.gil_interval);
    const reduce_task task = gil ? gil->holding(plain_task) : plain_task;
    store.settle_if_freed(name);
    // Partials are trivially copyable bytes; max_align_t keeps any of them aligned.
    std::vector<std::max_align_t> buffer(task.partial_size / sizeof(std::max_align_t) + 1);
    const std::span<std::byte> result = std::as_writable_bytes(std::span(buffer));
    // As the runner does: a kernel whose workers should start together (the race) or must run
    // at once (the pipeline's roles) asks for it.
    const run_options options{.threads = threads,
                              .start_together = k.traits().start_together,
                              .all_at_once = k.traits().needs_concurrency};
    // One untimed run first, as `parlab run --warmup 1` does: Google Benchmark 1.7.1 has no
    // warm-up, and a first run pays page faults, lazy runtime start-up and pool creation.
    std::optional<staged_run> staged;
    if (c.cpu_on)
      staged.emplace(task, stage{&b, options}, stage{c.cpu_on, {.threads = c.cpu_workers}});
    const staged_run* both = staged ? &*staged : nullptr;
    // Its process stage dies with the stage's thread: end it first, reaped, on any exit.
    const std::unique_ptr<const staged_run, void (*)(const staged_run*)> release_at_exit(
        both, [](const staged_run* s) {
          if (s) s->release();
        });
    unsigned seen = run_once(b, task, options, both, result);
    if (gil) gil->reset_totals();
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
      seen = run_once(b, task, options, both, result);
      benchmark::ClobberMemory();
    }
    const std::chrono::duration<double> loop = std::chrono::steady_clock::now() - start;
    // Checked after the loop, not in it: verification of a large sum costs as much as a run.
    if (const verdict v = k.verify(result.data()); !v.ok) {
      state.SkipWithError(("wrong result: " + v.detail).c_str());
      return;
    }
    if (c.measure_memory) {
      runner::memory_watch watch;
      seen = run_once(b, task, options, both, result);
      set_memory_counters(state, watch.stop(), k.work().tasks);
    }
    set_counters(state, k, b, threads, seen);
    set_kernel_counters(state, k, result.data(),
                        {loop.count() / static_cast<double>(state.iterations()), seen});
    if (gil) set_gil_counters(state, *gil);
    store.add_settle_counters(name, state);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

}  // namespace

void register_engine(const engine_case& c, const backend& b, unsigned threads, prepared& store) {
  std::vector<std::string> names = c.arg_names;
  std::vector<std::int64_t> values = c.arg_values;
  names.emplace_back("threads");
  values.push_back(threads);
  const std::string name = c.family + '/' + std::string(b.name());
  std::string full_name = name;  // as Google Benchmark will print it
  for (std::size_t i = 0; i < names.size(); ++i)
    full_name += '/' + names[i] + ':' + std::to_string(values[i]);
  configure(
      benchmark::RegisterBenchmark(name.c_str(),
                                   [c, &b, threads, &store, full_name](benchmark::State& state) {
                                     run_engine(state, c, b, threads, store, full_name);
                                   }),
      names, values);
}

}  // namespace parlab::bench
