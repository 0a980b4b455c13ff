// The async backend: a kernel's items as coroutines on an Asio io_context. Every item starts at
// once and runs to its first wait, which suspends it; -t threads drive the loop, which resumes
// each at its deadline. Asio lives in this file alone; kernels see only parlab/waiting.hpp.
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backends/chunking.hpp"
#include "backends/first_error.hpp"
#include "backends/partial_slots.hpp"
#include "backends/pinning.hpp"
#include "parlab/error.hpp"
#include "parlab/waiting.hpp"

namespace parlab {
namespace {

std::int64_t to_ns(const timespec& t) { return std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec; }

using handles = std::vector<std::coroutine_handle<>>;

// Which loop thread this is (0 on the caller), and which threads ran any part of an item: what
// workers_seen counts, since an item may start on one thread and end on another.
thread_local unsigned loop_worker = 0;
class threads_seen {
 public:
  explicit threads_seen(unsigned n) : ran_(new std::atomic<bool>[n]()), n_(n) {}
  void mark() const { ran_[loop_worker].store(true, std::memory_order_relaxed); }
  [[nodiscard]] unsigned count() const {
    unsigned seen = 0;
    for (unsigned w = 0; w < n_; ++w) seen += ran_[w].load() ? 1 : 0;
    return seen;
  }

 private:
  std::unique_ptr<std::atomic<bool>[]> ran_;
  unsigned n_;
};

// The run's suspended waits by deadline, behind one timer armed for the earliest. Waits due at
// the same moment share one entry, so a wait costs a handle in a vector rather than a timer and
// a heap node of its own: what a coroutine per wait with its own steady_timer spends most of its
// time and memory on (docs/PERFORMANCE.md).
class wait_queue final : public wait_hooks {
 public:
  wait_queue(asio::io_context& loop, unsigned threads, const threads_seen& seen)
      : loop_(loop), timer_(loop), threads_(threads), seen_(seen) {}
  wait_queue(const wait_queue&) = delete;
  wait_queue& operator=(const wait_queue&) = delete;
  ~wait_queue() override {  // a run abandoned midway leaves frames nobody will resume
    for (auto& [at, waiting] : due_)
      for (std::coroutine_handle<> h : waiting) h.destroy();
  }

  bool suspend_until(const timespec& deadline, std::coroutine_handle<> waiter) override {
    const std::int64_t at = to_ns(deadline);
    const std::lock_guard lock(mutex_);
    due_[at].push_back(waiter);
    peak_ = std::max(peak_, ++suspended_);
    if (at < armed_) arm(at);
    return true;
  }
  // A kernel that blocks instead of co_awaiting holds the loop's thread meanwhile: its choice.
  void wait_until(const timespec& deadline) override { sleep_until(deadline); }
  void check_point() override {}
  [[nodiscard]] std::size_t peak() const { return peak_; }

 private:
  void arm(std::int64_t at) {  // under mutex_: the timer is not thread-safe
    armed_ = at;
    timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(at)));
    timer_.async_wait([this](const std::error_code& e) {
      if (!e) fire();  // aborted: re-armed for an earlier deadline meanwhile
    });
  }

  void fire() {
    handles ready;
    {
      const std::lock_guard lock(mutex_);
      timespec now{};
      clock_gettime(CLOCK_MONOTONIC, &now);
      armed_ = never;
      while (!due_.empty() && due_.begin()->first <= to_ns(now)) {
        handles& batch = due_.begin()->second;
        if (ready.empty())
          ready.swap(batch);
        else
          ready.insert(ready.end(), batch.begin(), batch.end());
        due_.erase(due_.begin());
      }
      suspended_ -= ready.size();
      if (!due_.empty()) arm(due_.begin()->first);
    }
    resume(std::move(ready));
  }

  // On one thread in place; on several, a share of them posted to each other thread.
  void resume(handles ready) {
    const unsigned shares = static_cast<unsigned>(std::min<std::size_t>(threads_, ready.size()));
    for (unsigned s = 1; s < shares; ++s) {
      const index_range r = detail::static_block(ready.size(), shares, s);
      auto share = std::make_shared<handles>(ready.begin() + static_cast<std::ptrdiff_t>(r.begin),
                                             ready.begin() + static_cast<std::ptrdiff_t>(r.end));
      asio::post(loop_, [this, share] {
        seen_.mark();
        for (std::coroutine_handle<> h : *share) h.resume();
      });
    }
    const index_range mine = detail::static_block(ready.size(), std::max(shares, 1U), 0);
    if (!mine.empty()) seen_.mark();
    for (std::size_t i = mine.begin; i < mine.end; ++i) ready[i].resume();
  }

  static constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();
  asio::io_context& loop_;
  asio::steady_timer timer_;
  unsigned threads_;
  const threads_seen& seen_;
  std::mutex mutex_;
  std::map<std::int64_t, handles> due_;
  std::int64_t armed_ = never;
  std::size_t suspended_ = 0, peak_ = 0;
};

// Where each loop thread folds the items that end on it: a slot of its own, no lock.
class loop_sink final : public item_sink {
 public:
  loop_sink(const detail::partial_slots& slots, detail::first_error& error)
      : slots_(slots), error_(error) {}
  void deliver(const void* partial) noexcept override { slots_.deliver(loop_worker, partial); }
  void fail(std::exception_ptr e) noexcept override { error_.capture(std::move(e)); }

 private:
  const detail::partial_slots& slots_;
  detail::first_error& error_;
};

class async final : public backend {
 public:
  std::string_view name() const override { return "async"; }
  std::string_view description() const override {
    return "coroutines on an Asio event loop run by -t threads: every wait in flight at once";
  }
  backend_traits traits() const override {
    return {.promises_concurrency = false,
            .worker = worker_kind::thread,
            .waits_per_worker = 0,
            .runs_only_waits = true,
            .baseline = ""};
  }

 protected:
  run_report execute(const reduce_task& task, const run_options& options,
                     void* result) const override;

 private:
  // Built once and kept, so that a timed run starts with the event loop already built.
  mutable asio::io_context loop_;
};

run_report async::execute(const reduce_task& task, const run_options& options, void* result) const {
  const unsigned n_threads = options.threads;
  detail::partial_slots slots(task, n_threads);
  detail::first_error error(task);
  loop_sink sink(slots, error);
  const detail::pinning pins(options.pin, n_threads);
  loop_.restart();
  const threads_seen seen(n_threads);
  wait_queue waits(loop_, n_threads, seen);
  timespec start{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (unsigned w = 0; w < n_threads; ++w) {
    asio::post(loop_, [&, w] {
      const index_range mine = detail::static_block(task.n, n_threads, w);
      if (!mine.empty()) seen.mark();
      try {
        for (std::size_t i = mine.begin; i < mine.end; ++i) task.start_item(i, start, sink);
      } catch (...) {
        error.capture(std::current_exception());
      }
    });
  }
  auto drive = [&](unsigned w) {
    pins.pin_this_thread(w);
    precise_waits();
    loop_worker = w;
    const scoped_hooks hooks(&waits);
    try {
      loop_.run();
    } catch (...) {
      error.capture(std::current_exception());
    }
  };
  std::string short_of;  // a loop thread that could not start: the others run its share
  {
    const detail::pinning::restore_on_exit restore_caller(pins);
    std::vector<std::jthread> pool;
    pool.reserve(n_threads - 1);
    try {
      for (unsigned w = 1; w < n_threads; ++w) pool.emplace_back(drive, w);
    } catch (const std::system_error& e) {
      short_of = "async: could not start loop thread " + std::to_string(pool.size() + 2) + " of " +
                 std::to_string(n_threads) + ": " + e.what();
    }
    drive(0);  // to the end even then: posted work must not outlive this run's state
  }            // joins every loop thread
  if (!short_of.empty()) throw run_error(short_of);
  error.rethrow_if_any();
  run_report report = slots.report(result, pins.describe(), false);
  report.workers_seen = seen.count();
  report.peak_waits = waits.peak();
  return report;
}

}  // namespace

const backend& async_backend() {
  static const async instance;
  return instance;
}

}  // namespace parlab
