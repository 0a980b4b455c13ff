#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>

#include "parlab/coverage.hpp"
#include "parlab/kernel.hpp"
#include "parlab/shared_memory.hpp"

namespace parlab {
namespace {

enum class mode { unsafe, mutex, atomic, sharded };

// What the workers did: which increments ran (coverage: O(1) a chunk, so that the timed loop
// is the increments alone), and how many of them ran in a process other than the one that
// prepared the counter, whose copy of it they incremented.
struct tally {
  coverage ran;
  std::uint64_t elsewhere = 0;
  std::uint64_t counted = 0;  // sharded: what the workers' own counts add up to
};

// The counter and its lock, on a cache line each. In private memory, or with --shared in a
// MAP_SHARED mapping with a process-shared mutex, so that forked workers increment it too.
struct shared_counter {
  alignas(64) std::atomic<std::uint64_t> value{0};
  alignas(64) pthread_mutex_t lock;
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

// Where the counter lives: a private allocation, or with --shared a shared_memory mapping made
// before any worker forks, its mutex marked process-shared.
class counter_home {
 public:
  explicit counter_home(bool shared) {
    if (shared)
      mapping_ = std::make_unique<shared_memory>(sizeof(shared_counter));
    else
      own_ = std::make_unique<private_bytes>();
    c_ = new (shared ? mapping_->data() : own_->bytes) shared_counter;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, shared ? PTHREAD_PROCESS_SHARED : PTHREAD_PROCESS_PRIVATE);
    pthread_mutex_init(&c_->lock, &attr);
    pthread_mutexattr_destroy(&attr);
  }
  ~counter_home() {
    pthread_mutex_destroy(&c_->lock);
    c_->~shared_counter();
  }
  counter_home(const counter_home&) = delete;
  counter_home& operator=(const counter_home&) = delete;
  [[nodiscard]] shared_counter& get() const { return *c_; }

 private:
  struct private_bytes {
    alignas(shared_counter) std::byte bytes[sizeof(shared_counter)];
  };
  std::unique_ptr<shared_memory> mapping_;
  std::unique_ptr<private_bytes> own_;
  shared_counter* c_ = nullptr;
};

// Lesson 7, the race: workers add 1 to one shared counter, --increments M in all. unsafe is a
// relaxed load then a relaxed store (updates are lost without undefined behaviour), mutex and
// atomic fix it at two prices, sharded keeps a count per worker (its partial, on its own cache
// line) and needs no shared memory at all. docs/ENGINE.md has what verified means per mode.
class counter_kernel final : public typed_kernel<tally> {
 public:
  std::string_view name() const override { return "counter"; }
  std::string_view description() const override {
    return "the race: --increments M on one shared counter, --mode unsafe|mutex|atomic|sharded";
  }
  std::vector<param_spec> params() const override {
    return {{"increments",
             param_kind::count,
             1e6,
             "increments of the shared counter, in all",
             1,
             {},
             1e12},
            {"mode",
             param_kind::choice,
             0,
             "how the counter is protected",
             0,
             {"unsafe", "mutex", "atomic", "sharded"}},
            {"shared", param_kind::flag, 0,
             "put the counter in a shared mapping, so that processes increment one counter", 0}};
  }
  kernel_traits traits() const override {
    return {.work = work_kind::contention, .start_together = true};
  }

  void prepare(const param_values& values) override {
    n_ = values.count("increments");
    mode_ = static_cast<mode>(values.choice("mode"));
    shared_ = values.count("shared") != 0;
    counter_ = std::make_unique<counter_home>(shared_);
    owner_ = getpid();
  }
  void reset_run() const override { counter_->get().value.store(0); }

  tally body(index_range r) const override {
    const std::uint64_t counted = increment(r.size());
    return {coverage::of(r), getpid() == owner_ ? 0 : r.size(), counted};
  }
  tally combine(const tally& a, const tally& b) const override {
    return {a.ran + b.ran, a.elsewhere + b.elsewhere, a.counted + b.counted};
  }
  verdict check(const tally& t) const override;
  std::vector<record_field> fields(const tally& t, const run_summary& runs) const override;
  work_amount work() const override { return {0, static_cast<double>(n_), 0}; }

 protected:
  std::size_t task_size() const override { return n_; }

 private:
  // The increments `times` times; sharded returns its own count (the others 0).
  std::uint64_t increment(std::size_t times) const {
    std::atomic<std::uint64_t>& c = counter_->get().value;
    switch (mode_) {
      case mode::unsafe:
        for (std::size_t k = 0; k < times; ++k)
          c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        return 0;
      case mode::mutex:
        for (std::size_t k = 0; k < times; ++k) {
          pthread_mutex_lock(&counter_->get().lock);
          c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
          pthread_mutex_unlock(&counter_->get().lock);
        }
        return 0;
      case mode::atomic:
        for (std::size_t k = 0; k < times; ++k) c.fetch_add(1, std::memory_order_relaxed);
        return 0;
      case mode::sharded:
        return count_alone(times);
    }
    return 0;
  }

  // A worker's own count in a register, added to the others' at the end as its partial: what a
  // hand-written sharded counter does. The empty asm makes each increment's value observed, so
  // the compiler cannot fold the loop into one addition (it had: 2e6 and 2e8 increments took
  // the same 191 us), and costs no instruction.
  static std::uint64_t count_alone(std::size_t times) {
    std::uint64_t own = 0;
    for (std::size_t k = 0; k < times; ++k) {
      ++own;
      asm volatile("" : "+r"(own));
    }
    return own;
  }

  // What the caller's counter must show: every increment when it is shared or sharded; else
  // only those that ran in this process (a forked worker incremented its own copy).
  struct outcome {
    std::uint64_t final_value;
    std::uint64_t visible;
    bool isolated;
  };
  outcome outcome_of(const tally& t) const {
    if (mode_ == mode::sharded) return {t.counted, n_, false};
    const std::uint64_t visible = shared_ ? n_ : n_ - t.elsewhere;
    return {counter_->get().value.load(), visible, !shared_ && t.elsewhere > 0};
  }

  std::uint64_t n_ = 0;
  mode mode_ = mode::unsafe;
  bool shared_ = false;
  std::unique_ptr<counter_home> counter_;
  pid_t owner_ = 0;
};

verdict counter_kernel::check(const tally& t) const {
  if (!t.ran.is_exactly(n_) || t.elsewhere > t.ran.count)
    return {false, std::to_string(t.ran.count) + " of " + std::to_string(n_) +
                       " increments ran, or not each exactly once"};
  if (mode_ != mode::sharded && t.counted != 0)  // only sharded workers count for themselves
    return {false, "a count of " + std::to_string(t.counted) + " came back from a shared mode"};
  const outcome o = outcome_of(t);
  const std::string seen =
      "final " + std::to_string(o.final_value) + ", expected " + std::to_string(o.visible);
  verdict v;
  if (mode_ == mode::unsafe) {
    v = {o.final_value <= o.visible, seen + " (unsafe: at most that)"};
    if (o.final_value < o.visible) {
      v.lesson = std::to_string(o.visible - o.final_value) + " of " + std::to_string(o.visible) +
                 " updates lost: two workers loaded the same value and both stored value + 1";
      v.status = "raced: lost " + std::to_string(o.visible - o.final_value);
    } else if (!o.isolated)
      v.lesson =
          "no update lost this time: the workers did not overlap enough; try more "
          "--increments";
  } else {
    v = {o.final_value == o.visible, seen + " (exact)"};
  }
  if (o.isolated) {
    // What this process's counter shows, beside what ran: the words of the lesson's table.
    v.status = "isolated: saw " + std::to_string(o.final_value) + " of " + std::to_string(n_);
    v.lesson = std::to_string(t.elsewhere) +
               " increments ran in child processes, each on its own copy of the counter, so "
               "this process's counter shows none of them: processes do not share memory "
               "(--shared, or --mode sharded)";
  }
  return v;
}

std::vector<record_field> counter_kernel::fields(const tally& t, const run_summary& runs) const {
  const outcome o = outcome_of(t);
  return {
      {"final", static_cast<std::int64_t>(o.final_value)},
      {"expected", static_cast<std::int64_t>(n_)},
      {"lost_updates", static_cast<std::int64_t>(o.visible - std::min(o.visible, o.final_value))},
      {"isolated", o.isolated},
      {"ns_per_increment", n_ > 0 ? runs.median_s * 1e9 / static_cast<double>(n_) : 0.0}};
}

}  // namespace

std::unique_ptr<kernel> make_counter_kernel() { return std::make_unique<counter_kernel>(); }

}  // namespace parlab
