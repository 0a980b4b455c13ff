// The int64 sum written by hand, as a user would without parlab: the yardstick for the engine's
// own overhead. Each keeps what a careful user keeps between calls (an arena, a result slot, a
// pool of processes) and pays per call what a user pays (thread creation, fork, wake-ups).
#include "bench/baselines.hpp"

#include <benchmark/benchmark.h>
#include <omp.h>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <exception>
#include <functional>
#include <new>
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

void poison_slots(std::span<slot> slots) { runner::poison(std::as_writable_bytes(slots)); }

std::uint64_t total(std::span<const slot> slots) {
  std::uint64_t s = 0;
  for (const slot& x : slots) s += x.sum;
  return s;
}

// Quadratic and allocation-free: there are as many slots as workers.
unsigned distinct_ids(std::span<const slot> slots) {
  unsigned seen = 0;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const std::uint64_t id = slots[i].id;
    if (id == unwritten) continue;
    bool first = true;
    for (std::size_t j = 0; j < i && first; ++j) first = slots[j].id != id;
    seen += first ? 1 : 0;
  }
  return seen;
}

std::uint64_t this_thread_id() {
  thread_local const auto id = static_cast<std::uint64_t>(gettid());
  return id;
}

namespace {

using data_span = std::span<const std::int64_t>;

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

// Memory parent and children both write: MAP_SHARED, zero-filled, page-aligned.
class shared_block {
 public:
  explicit shared_block(std::size_t bytes) : bytes_(bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw run_error(std::string("mmap: ") + std::strerror(errno));
    data_ = static_cast<std::byte*>(p);
  }
  ~shared_block() { munmap(data_, bytes_); }
  shared_block(const shared_block&) = delete;
  shared_block& operator=(const shared_block&) = delete;
  [[nodiscard]] std::byte* data() const { return data_; }
  [[nodiscard]] std::span<slot> slots(unsigned n) const {
    return {reinterpret_cast<slot*>(data_), n};
  }

 private:
  std::size_t bytes_;
  std::byte* data_ = nullptr;
};

// Forks a child that runs `body` then _exit(0)s. The child first binds itself to die with the
// parent, as the engine's children do (docs/ENGINE.md); it runs plain loops only.
template <class Body>
pid_t fork_child(Body&& body) {
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw run_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    body();
    _exit(0);
  }
  return pid;
}

// Waits for every child; false if any did not exit with 0.
bool reap_all(const std::vector<pid_t>& pids) noexcept {
  bool ok = true;
  for (pid_t pid : pids) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  return ok;
}

void must_reap_all(const std::vector<pid_t>& pids) {
  if (!reap_all(pids)) throw run_error("a forked child failed");
}

// Each baseline is constructed over the data, called once per iteration over poisoned slots
// (call() below), and returns the sum; its slots then say who ran.
class plain {
 public:
  plain(data_span a, unsigned) : a_(a) {}
  std::uint64_t operator()() {
    slot_[0] = {sum_block(a_.data(), a_.size()), this_thread_id()};
    return slot_[0].sum;
  }
  std::span<slot> slots() { return slot_; }

 private:
  data_span a_;
  slot slot_[1];
};

// The canonical OpenMP reduction. GCC clones the outlined region with its enclosing function.
PARLAB_HOT_LOOP std::uint64_t omp_sum(const std::int64_t* a, std::size_t n, unsigned threads,
                                      slot* ran) {
  std::uint64_t s = 0;
#pragma omp parallel num_threads(threads) reduction(+ : s)
  {
    ran[omp_get_thread_num()].id = this_thread_id();
#pragma omp for schedule(static) nowait
    for (std::size_t i = 0; i < n; ++i) s += static_cast<std::uint64_t>(a[i]);
  }
  return s;
}

class omp_reduction {
 public:
  omp_reduction(data_span a, unsigned threads) : a_(a), ran_(threads) {}
  std::uint64_t operator()() {
    return omp_sum(a_.data(), a_.size(), static_cast<unsigned>(ran_.size()), ran_.data());
  }
  std::span<slot> slots() { return ran_; }

 private:
  data_span a_;
  std::vector<slot> ran_;
};

// static_partitioner: one range per arena slot, the engine's default static schedule too. Each
// body marks its arena slot with its thread's id; distinct ids, not slots, are counted.
class tbb_reduce {
 public:
  tbb_reduce(data_span a, unsigned threads)
      : a_(a), arena_(static_cast<int>(threads)), ran_(threads) {}
  std::uint64_t operator()() {
    return arena_.execute([this] {
      return tbb::parallel_reduce(
          tbb::blocked_range<std::size_t>(0, a_.size()), std::uint64_t{0},
          [this](const tbb::blocked_range<std::size_t>& r, std::uint64_t acc) {
            const auto at = static_cast<std::size_t>(tbb::this_task_arena::current_thread_index());
            ran_[at].id = this_thread_id();
            return acc + sum_block(a_.data() + r.begin(), r.size());
          },
          std::plus<>{}, tbb::static_partitioner{});
    });
  }
  std::span<slot> slots() { return ran_; }

 private:
  data_span a_;
  tbb::task_arena arena_;
  std::vector<slot> ran_;
};

// Threads created per call over contiguous blocks; the caller sums block 0.
class raw_threads {
 public:
  raw_threads(data_span a, unsigned threads) : a_(a), partials_(threads) {}
  std::uint64_t operator()() {
    const auto t = static_cast<unsigned>(partials_.size());
    {
      std::vector<std::jthread> pool;
      pool.reserve(t - 1);
      for (unsigned w = 1; w < t; ++w) pool.emplace_back([this, t, w] { run(t, w); });
      run(t, 0);
    }
    return total(partials_);
  }
  std::span<slot> slots() { return partials_; }

 private:
  void run(unsigned t, unsigned w) {
    const data_span b = block(a_, t, w);
    partials_[w] = {sum_block(b.data(), b.size()), this_thread_id()};
  }
  data_span a_;
  std::vector<slot> partials_;
};

// Children forked per call read the parent's private huge-page data and write their partial and
// pid to a MAP_SHARED slot, then _exit(): nothing else is safe in the child of a threaded parent.
class raw_fork {
 public:
  raw_fork(data_span a, unsigned threads)
      : a_(a), threads_(threads), shared_(threads * sizeof(slot)) {}
  std::uint64_t operator()() {
    std::vector<pid_t> pids;
    pids.reserve(threads_);
    const std::span<slot> out = slots();
    for (unsigned w = 0; w < threads_; ++w) {
      pids.push_back(fork_child([&, w] {
        const data_span b = block(a_, threads_, w);
        out[w] = {sum_block(b.data(), b.size()), static_cast<std::uint64_t>(getpid())};
      }));
    }
    must_reap_all(pids);
    return total(out);
  }
  std::span<slot> slots() { return shared_.slots(threads_); }

 private:
  data_span a_;
  unsigned threads_;
  shared_block shared_;
};

// The persistent pool of processes a user writes by hand, forkpool's yardstick: N children
// forked once, after the data exists (they read it in place), each waiting on its own
// process-shared semaphore, summing its static block into its slot and posting `done`. A call
// costs the posts and the wake-ups, no fork. close() ends them.
class proc_pool {
 public:
  proc_pool(data_span a, unsigned threads)
      : a_(a),
        threads_(threads),
        shared_(threads * sizeof(slot) + sizeof(control) + threads * sizeof(sem_t)),
        ctl_(new (shared_.data() + threads * sizeof(slot)) control),
        start_(reinterpret_cast<sem_t*>(ctl_ + 1)) {
    try {
      if (sem_init(&ctl_->done, 1, 0) != 0) throw run_error("procpool: sem_init failed");
      for (unsigned w = 0; w < threads_; ++w) {
        if (sem_init(&start_[w], 1, 0) != 0) throw run_error("procpool: sem_init failed");
        pids_.push_back(fork_child([this, w] { serve(w); }));
      }
    } catch (...) {
      stop();  // the children forked so far
      throw;
    }
  }
  ~proc_pool() { stop(); }
  proc_pool(const proc_pool&) = delete;
  proc_pool& operator=(const proc_pool&) = delete;

  std::uint64_t operator()() {
    for (unsigned w = 0; w < threads_; ++w) sem_post(&start_[w]);
    for (unsigned w = 0; w < threads_; ++w) wait_done();
    return total(slots());
  }
  std::span<slot> slots() { return shared_.slots(threads_); }
  void close() {
    if (!stop()) throw run_error("procpool: a child failed");
  }

 private:
  // In the shared block after the slots, followed by one start semaphore per worker.
  struct control {
    sem_t done;
    bool leave = false;
  };

  void serve(unsigned w) {
    const data_span b = block(a_, threads_, w);
    for (;;) {
      while (sem_wait(&start_[w]) != 0) {
      }
      if (ctl_->leave) return;
      slots()[w] = {sum_block(b.data(), b.size()), static_cast<std::uint64_t>(getpid())};
      sem_post(&ctl_->done);
    }
  }
  // Waits in slices of 20 ms, as forkpool does, so that a dead child is an error, not a hang.
  void wait_done() {
    for (;;) {
      timespec deadline{};
      clock_gettime(CLOCK_REALTIME, &deadline);
      deadline.tv_nsec += 20'000'000;
      deadline.tv_sec += deadline.tv_nsec / 1'000'000'000;
      deadline.tv_nsec %= 1'000'000'000;
      if (sem_timedwait(&ctl_->done, &deadline) == 0) return;
      int status = 0;
      if (errno == ETIMEDOUT)
        for (pid_t pid : pids_)
          if (waitpid(pid, &status, WNOHANG) != 0) throw run_error("procpool: a child died");
    }
  }
  // Asks every child to leave and reaps them; false if one had failed. Idempotent.
  bool stop() noexcept {
    ctl_->leave = true;
    for (std::size_t w = 0; w < pids_.size(); ++w) sem_post(&start_[w]);
    const bool ok = reap_all(pids_);
    pids_.clear();
    return ok;
  }

  data_span a_;
  unsigned threads_;
  shared_block shared_;
  control* ctl_;
  sem_t* start_;
  std::vector<pid_t> pids_;
};

template <class Impl>
constexpr bool forks_children = std::is_same_v<Impl, raw_fork> || std::is_same_v<Impl, proc_pool>;

// One call over poisoned slots: a worker that wrote nothing leaves a sum that fails the check.
template <class Impl>
auto call(Impl& impl) {
  poison_slots(impl.slots());
  return impl();
}

template <class Impl>
void run_baseline(benchmark::State& state, prepared& store, std::size_t n, unsigned threads) {
  try {
    const data_span a = store.data.get(n);
    std::optional<baselines_fork_scope> one_array;  // before a pool forks: see caches.hpp
    if constexpr (forks_children<Impl>) one_array.emplace(store);
    Impl impl(a, threads);
    std::uint64_t last = call(impl);  // untimed warm-up, as for the engine
    for (auto _ : state) {
      last = call(impl);
      benchmark::DoNotOptimize(last);
    }
    const unsigned seen = distinct_ids(impl.slots());
    if constexpr (requires { impl.close(); }) impl.close();
    if (last != iota_sum(n)) {
      state.SkipWithError(("wrong sum " + std::to_string(last)).c_str());
      return;
    }
    const auto items = static_cast<std::int64_t>(n) * state.iterations();
    state.SetBytesProcessed(items * static_cast<std::int64_t>(sizeof(std::int64_t)));
    state.SetItemsProcessed(items);
    state.counters["threads"] = threads;
    state.counters["workers_seen"] = seen;
    set_page_counters(state, store.data.array().pages());
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

template <class Impl>
void add(const char* impl, std::size_t n, unsigned round, unsigned threads, prepared& store) {
  const std::string name = std::string("baseline_sum/") + impl;
  configure(benchmark::RegisterBenchmark(name.c_str(),
                                         [n, threads, &store](benchmark::State& state) {
                                           run_baseline<Impl>(state, store, n, threads);
                                         }),
            {"size", "round", "threads"}, {static_cast<std::int64_t>(n), round, threads});
}

// Sleeps to a deadline `wait_ns` after now, whatever signals interrupt it.
void sleep_for_ns(std::int64_t wait_ns) {
  timespec deadline{};
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  const std::int64_t ns = deadline.tv_nsec + wait_ns;
  deadline.tv_sec += static_cast<time_t>(ns / 1'000'000'000);
  deadline.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr) == EINTR) {
  }
}

// io's per-run fork written by hand: `workers` children forked per call, each sleeping to a
// deadline `wait` after its own start, marking its slot with one wait done and its pid, then
// _exit(). No engine at all: what it reaches is the floor fork() itself sets on this machine for
// the engine's fork backend.
void run_fork_waits(benchmark::State& state, unsigned workers, std::int64_t wait_ns) {
  try {
    const shared_block shared(workers * sizeof(slot));
    const std::span<slot> done = shared.slots(workers);
    auto once = [&] {
      poison_slots(done);
      std::vector<pid_t> pids;
      pids.reserve(workers);
      for (unsigned w = 0; w < workers; ++w)
        pids.push_back(fork_child([&, w] {
          sleep_for_ns(wait_ns);
          done[w] = {1, static_cast<std::uint64_t>(getpid())};
        }));
      must_reap_all(pids);
    };
    once();  // untimed warm-up, as for the engine
    for (auto _ : state) once();
    if (total(done) != workers) {
      state.SkipWithError(("waits reported " + std::to_string(total(done))).c_str());
      return;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(workers) * state.iterations());
    state.counters["threads"] = workers;
    state.counters["workers_seen"] = distinct_ids(done);
    state.counters["ideal_s"] = static_cast<double>(wait_ns) * 1e-9;
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

// spawn's yardstick, the price of a worker by hand: N workers started and finished per call
// with nothing to do but write their id. Threads: N - 1 std::jthreads plus the caller as worker
// 0, the engine's threads backend's count; fork: N children, each _exit()ing once its id is
// written. Nothing else is kept or paid, so that per worker compares the engine's spawn with
// the bare system calls.
class spawn_threads {
 public:
  explicit spawn_threads(unsigned workers) : ran_(workers) {}
  void operator()() {
    std::vector<std::jthread> pool;
    pool.reserve(ran_.size() - 1);
    for (std::size_t w = 1; w < ran_.size(); ++w)
      pool.emplace_back([this, w] { ran_[w] = {1, this_thread_id()}; });
    ran_[0] = {1, this_thread_id()};
  }  // joins every thread
  std::span<slot> slots() { return ran_; }

 private:
  std::vector<slot> ran_;
};

class spawn_fork {
 public:
  explicit spawn_fork(unsigned workers) : workers_(workers), shared_(workers * sizeof(slot)) {}
  void operator()() {
    std::vector<pid_t> pids;
    pids.reserve(workers_);
    const std::span<slot> ran = slots();
    for (unsigned w = 0; w < workers_; ++w)
      pids.push_back(fork_child([&, w] { ran[w] = {1, static_cast<std::uint64_t>(getpid())}; }));
    must_reap_all(pids);
  }
  std::span<slot> slots() { return shared_.slots(workers_); }

 private:
  unsigned workers_;
  shared_block shared_;
};

// The engine's spawn benchmark frees the baselines' array first (a fork copies the page tables
// of all the parent holds): so does this one, so that both fork from the same parent.
template <class Impl>
void run_spawn(benchmark::State& state, prepared& store, unsigned workers) {
  try {
    store.data.release();
    Impl impl(workers);
    call(impl);  // untimed warm-up, as for the engine
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) call(impl);
    const std::chrono::duration<double> loop = std::chrono::steady_clock::now() - start;
    const unsigned seen = distinct_ids(impl.slots());
    if (seen != workers || total(impl.slots()) != workers) {
      state.SkipWithError(
          ("only " + std::to_string(seen) + " of " + std::to_string(workers) + " workers ran")
              .c_str());
      return;
    }
    state.counters["threads"] = workers;
    state.counters["workers_seen"] = seen;
    state.counters["spawn_us_per_worker"] =
        loop.count() * 1e6 / static_cast<double>(state.iterations()) / seen;
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

template <class Impl>
void add_spawn(const char* impl, unsigned workers, unsigned round, prepared& store) {
  const std::string name = std::string("baseline_spawn/") + impl;
  configure(benchmark::RegisterBenchmark(name.c_str(),
                                         [workers, &store](benchmark::State& state) {
                                           run_spawn<Impl>(state, store, workers);
                                         }),
            {"round", "threads"}, {round, workers});
}

}  // namespace

std::span<const std::string_view> baseline_names() {
  static constexpr std::string_view names[] = {"plain",   "omp",  "tbb",
                                               "threads", "fork", "procpool"};
  return names;
}

std::string_view own_baseline(const backend& b) {
  const std::string_view own = b.traits().baseline;
  for (std::string_view name : baseline_names())
    if (name == own) return name;
  return {};
}

bool register_baseline(std::string_view impl, std::size_t n, unsigned round, unsigned threads,
                       prepared& store) {
  if (impl == "plain" && threads == 1)
    add<plain>("plain", n, round, threads, store);
  else if (impl == "omp")
    add<omp_reduction>("omp", n, round, threads, store);
  else if (impl == "tbb")
    add<tbb_reduce>("tbb", n, round, threads, store);
  else if (impl == "threads")
    add<raw_threads>("threads", n, round, threads, store);
  else if (impl == "fork")
    add<raw_fork>("fork", n, round, threads, store);
  else if (impl == "procpool")
    add<proc_pool>("procpool", n, round, threads, store);
  else
    return false;
  return true;
}

bool register_spawn_baseline(std::string_view impl, unsigned workers, unsigned round,
                             prepared& store) {
  if (impl == "threads")
    add_spawn<spawn_threads>("threads", workers, round, store);
  else if (impl == "fork")
    add_spawn<spawn_fork>("fork", workers, round, store);
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
