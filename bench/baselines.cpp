// The int64 sum written by hand, as a user would without parlab: the yardstick for the engine's
// own overhead. Each keeps what a careful user keeps between calls (an arena, a result slot)
// and pays per call what a user pays (thread creation, fork).
#include <benchmark/benchmark.h>
#include <omp.h>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <exception>
#include <functional>
#include <optional>
#include <span>
#include <thread>
#include <type_traits>
#include <vector>

#include "bench/grid.hpp"
#include "bench/suite.hpp"
#include "parlab/error.hpp"
#include "parlab/hot_loop.hpp"

namespace parlab::bench {
namespace {

using data_span = std::span<const std::int64_t>;

struct outcome {
  std::uint64_t sum = 0;
  unsigned workers = 0;
};

// One partial per cache line: neighbouring workers must not share a line.
struct alignas(64) slot {
  std::uint64_t sum = 0;
  std::uint64_t ran = 0;
};

// The plain loop, vectorized at -O3 and multiversioned like the engine's own hot loop
// (PARLAB_HOT_LOOP: an AVX2 clone chosen at load time), so that a ratio to a baseline measures
// the engine's overhead, not a difference in code generation.
PARLAB_HOT_LOOP std::uint64_t sum_block(const std::int64_t* a, std::size_t n) {
  std::uint64_t s = 0;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<std::uint64_t>(a[i]);
  return s;
}

data_span block(data_span a, unsigned workers, unsigned w) {
  const std::size_t q = a.size() / workers, r = a.size() % workers;
  return a.subspan(w * q + std::min<std::size_t>(w, r), q + (w < r ? 1 : 0));
}

class plain {
 public:
  plain(data_span a, unsigned) : a_(a) {}
  outcome operator()() const { return {sum_block(a_.data(), a_.size()), 1}; }

 private:
  data_span a_;
};

// The canonical OpenMP reduction. GCC clones the outlined region with its enclosing function.
PARLAB_HOT_LOOP std::uint64_t omp_sum(const std::int64_t* a, std::size_t n, unsigned threads,
                                      int& team) {
  std::uint64_t s = 0;
#pragma omp parallel num_threads(threads) reduction(+ : s)
  {
    if (omp_get_thread_num() == 0) team = omp_get_num_threads();
#pragma omp for schedule(static) nowait
    for (std::size_t i = 0; i < n; ++i) s += static_cast<std::uint64_t>(a[i]);
  }
  return s;
}

class omp_reduction {
 public:
  omp_reduction(data_span a, unsigned threads) : a_(a), threads_(threads) {}
  outcome operator()() const {
    int team = 0;
    const std::uint64_t s = omp_sum(a_.data(), a_.size(), threads_, team);
    return {s, static_cast<unsigned>(team)};
  }

 private:
  data_span a_;
  unsigned threads_;
};

// static_partitioner: one range per arena slot, the engine's default static schedule too.
class tbb_reduce {
 public:
  tbb_reduce(data_span a, unsigned threads)
      : a_(a), arena_(static_cast<int>(threads)), ran_(threads) {}
  outcome operator()() {
    const std::uint64_t s = arena_.execute([this] {
      return tbb::parallel_reduce(
          tbb::blocked_range<std::size_t>(0, a_.size()), std::uint64_t{0},
          [this](const tbb::blocked_range<std::size_t>& r, std::uint64_t acc) {
            ran_[static_cast<std::size_t>(tbb::this_task_arena::current_thread_index())].ran = 1;
            return acc + sum_block(a_.data() + r.begin(), r.size());
          },
          std::plus<>{}, tbb::static_partitioner{});
    });
    return {s, count_and_reset()};
  }

 private:
  unsigned count_and_reset() {
    unsigned seen = 0;
    for (slot& r : ran_) seen += static_cast<unsigned>(std::exchange(r.ran, 0));
    return seen;
  }
  data_span a_;
  tbb::task_arena arena_;
  std::vector<slot> ran_;
};

// Threads created per call over contiguous blocks; the caller sums block 0.
class raw_threads {
 public:
  raw_threads(data_span a, unsigned threads) : a_(a), partials_(threads) {}
  outcome operator()() {
    const auto t = static_cast<unsigned>(partials_.size());
    {
      std::vector<std::jthread> pool;
      pool.reserve(t - 1);
      for (unsigned w = 1; w < t; ++w) pool.emplace_back([this, t, w] { run(t, w); });
      run(t, 0);
    }
    std::uint64_t s = 0;
    for (const slot& p : partials_) s += p.sum;
    return {s, t};
  }

 private:
  void run(unsigned t, unsigned w) {
    const data_span b = block(a_, t, w);
    partials_[w].sum = sum_block(b.data(), b.size());
  }
  data_span a_;
  std::vector<slot> partials_;
};

// Waits for every child; throws if any did not exit with 0.
void reap_all(const std::vector<pid_t>& pids) {
  bool ok = true;
  for (pid_t pid : pids) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  if (!ok) throw run_error("a forked child failed");
}

// Children forked per call read the parent's private huge-page data and write their partial to a
// MAP_SHARED slot, then _exit(): nothing else is safe in the child of a threaded parent.
class raw_fork {
 public:
  raw_fork(data_span a, unsigned threads)
      : a_(a), threads_(threads), bytes_(threads * sizeof(slot)) {
    void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw run_error(std::string("mmap: ") + std::strerror(errno));
    slots_ = static_cast<slot*>(p);
  }
  ~raw_fork() { munmap(slots_, bytes_); }
  raw_fork(const raw_fork&) = delete;
  raw_fork& operator=(const raw_fork&) = delete;

  outcome operator()() {
    pids_.clear();
    for (unsigned w = 0; w < threads_; ++w) {
      const pid_t pid = fork();
      if (pid < 0) throw run_error(std::string("fork: ") + std::strerror(errno));
      if (pid == 0) {
        const data_span b = block(a_, threads_, w);
        slots_[w].sum = sum_block(b.data(), b.size());
        _exit(0);
      }
      pids_.push_back(pid);
    }
    return collect();
  }

 private:
  outcome collect() {
    reap_all(pids_);
    std::uint64_t s = 0;
    for (unsigned w = 0; w < threads_; ++w) s += slots_[w].sum;
    return {s, threads_};
  }
  data_span a_;
  unsigned threads_;
  std::size_t bytes_;
  slot* slots_ = nullptr;
  std::vector<pid_t> pids_;
};

template <class Impl>
void run_baseline(benchmark::State& state, iota_cache& data, std::size_t n, unsigned threads) {
  try {
    Impl impl(data.get(n), threads);
    std::optional<iota_cache::children_see_data> children_see;  // see iota_cache
    if constexpr (std::is_same_v<Impl, raw_fork>) children_see.emplace(data);
    outcome last = impl();  // untimed warm-up, as for the engine
    for (auto _ : state) {
      last = impl();
      benchmark::DoNotOptimize(last);
    }
    if (last.sum != iota_sum(n)) {
      state.SkipWithError(("wrong sum " + std::to_string(last.sum)).c_str());
      return;
    }
    const auto items = static_cast<std::int64_t>(n) * state.iterations();
    state.SetBytesProcessed(items * static_cast<std::int64_t>(sizeof(std::int64_t)));
    state.SetItemsProcessed(items);
    state.counters["threads"] = threads;
    state.counters["workers_seen"] = last.workers;
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

template <class Impl>
void add(const char* impl, std::size_t n, unsigned round, unsigned threads, iota_cache& data) {
  const std::string name = std::string("baseline_sum/") + impl;
  configure(benchmark::RegisterBenchmark(name.c_str(),
                                         [n, threads, &data](benchmark::State& state) {
                                           run_baseline<Impl>(state, data, n, threads);
                                         }),
            {"size", "round", "threads"}, {static_cast<std::int64_t>(n), round, threads});
}

// io's per-run fork written by hand: `workers` children forked per call, each sleeping to a
// deadline `wait` after its own start, then _exit(). No engine at all: what it reaches is the
// floor fork() itself sets on this machine for the engine's fork backend.
void run_fork_waits(benchmark::State& state, unsigned workers, std::int64_t wait_ns) {
  auto once = [&] {
    std::vector<pid_t> pids;
    pids.reserve(workers);
    for (unsigned w = 0; w < workers; ++w) {
      const pid_t pid = fork();
      if (pid < 0) throw run_error(std::string("fork: ") + std::strerror(errno));
      if (pid == 0) {
        timespec deadline{};
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        const std::int64_t ns = deadline.tv_nsec + wait_ns;
        deadline.tv_sec += static_cast<time_t>(ns / 1'000'000'000);
        deadline.tv_nsec = static_cast<long>(ns % 1'000'000'000);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr) == EINTR) {
        }
        _exit(0);
      }
      pids.push_back(pid);
    }
    reap_all(pids);
  };
  try {
    once();  // untimed warm-up, as for the engine
    for (auto _ : state) once();
    state.SetItemsProcessed(static_cast<std::int64_t>(workers) * state.iterations());
    state.counters["threads"] = workers;
    state.counters["workers_seen"] = workers;
    state.counters["ideal_s"] = static_cast<double>(wait_ns) * 1e-9;
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

}  // namespace

std::span<const std::string_view> baseline_names() {
  static constexpr std::string_view names[] = {"plain", "omp", "tbb", "threads", "fork"};
  return names;
}

std::string_view own_baseline(const backend& b) {
  const std::string_view own = b.traits().baseline;
  for (std::string_view name : baseline_names())
    if (name == own) return name;
  return {};
}

bool register_baseline(std::string_view impl, std::size_t n, unsigned round, unsigned threads,
                       iota_cache& data) {
  if (impl == "plain" && threads == 1)
    add<plain>("plain", n, round, threads, data);
  else if (impl == "omp")
    add<omp_reduction>("omp", n, round, threads, data);
  else if (impl == "tbb")
    add<tbb_reduce>("tbb", n, round, threads, data);
  else if (impl == "threads")
    add<raw_threads>("threads", n, round, threads, data);
  else if (impl == "fork")
    add<raw_fork>("fork", n, round, threads, data);
  else
    return false;
  return true;
}

void register_io_baseline(unsigned workers, int duration_ms, unsigned round) {
  configure(benchmark::RegisterBenchmark("baseline_io/fork",
                                         [workers, duration_ms](benchmark::State& state) {
                                           run_fork_waits(state, workers,
                                                          std::int64_t{duration_ms} * 1'000'000);
                                         }),
            {"tasks", "duration_ms", "round", "threads"}, {workers, duration_ms, round, workers});
}

}  // namespace parlab::bench
