#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "kernels/mixing.hpp"
#include "parlab/waits_kernel.hpp"

namespace parlab {
namespace {

// What a run of waits did: how many, and a checksum of which. The checksum adds a hash of each
// index with its wait, so a range run twice and another never run (the count unchanged) fails.
struct waits_done {
  std::uint64_t count = 0;
  std::uint64_t checksum = 0;
};

constexpr std::uint64_t wait_id(std::size_t i, std::int64_t wait_ns) {
  return scramble(scramble(i + 1) ^ static_cast<std::uint64_t>(wait_ns));
}

// A uniform draw in [0, 1) for index i of the generator seeded `seed`: 53 bits of a hash.
double unit_draw(std::uint64_t seed, std::size_t i) {
  const std::uint64_t h = scramble(scramble(seed + 0x9e3779b97f4a7c15ULL) ^ (i + 1));
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

// Simulated I/O: K waits of D seconds each, slept against absolute deadlines so that a chain
// of waits does not drift (a relative sleep_for overshoots ~80 us each, docs/ENGINE.md). It uses
// no CPU, so it scales with the number of waits in flight, not with cores: one per worker on a
// thread or a process, all of them at once on an event loop.
class io_kernel final : public waits_kernel<waits_done> {
 public:
  // Ten times the million an event loop is asked to hold; each costs ~200 bytes there.
  static constexpr double max_tasks = 1e7;
  std::string_view name() const override { return "io"; }
  std::string_view description() const override {
    return "simulated I/O: --tasks K waits of --duration D, optional --jitter F (seeded)";
  }
  std::vector<param_spec> params() const override {
    return {{"tasks", param_kind::count, 8, "number of waits", 1, {}, max_tasks},
            {"duration", param_kind::duration, 0.1, "length of each wait", 0, {}, max_wait_s},
            {"jitter", param_kind::fraction, 0, "each wait is D x (1 +- F), F in [0, 1)", 0},
            {"seed", param_kind::count, 42, "seed of the jitter generator", 0}};
  }

  std::size_t index_space(const param_values& values) const override {
    return values.count("tasks");
  }
  void prepare(const param_values& values) override {
    prepare_slice(values, {0, index_space(values)});
  }
  // Wait i is drawn from a hash of (seed, i) alone, so that any slice holds the waits the whole
  // would at those indices.
  void prepare_slice(const param_values& values, index_range owned) override {
    check_slice(owned, index_space(values));
    draw_ = {values.real("duration"), values.real("jitter"), values.count("seed")};
    whole_ = index_space(values);
    expected_whole_.reset();
    owned_ = owned;
    waits_ns_.assign(owned.size(), 0);
    expected_ = {};
    for (std::size_t j = 0; j < waits_ns_.size(); ++j) {
      const std::size_t i = owned.begin + j;
      waits_ns_[j] = draw_.wait_ns(i);
      expected_ = {expected_.count + 1, expected_.checksum + wait_id(i, waits_ns_[j])};
    }
    longest_first_ = waits_ns_;
    std::sort(longest_first_.begin(), longest_first_.end(), std::greater<>{});
    std::partial_sum(longest_first_.begin(), longest_first_.end(), longest_first_.begin());
  }

  waiting<waits_done> item(std::size_t j, timespec start) const override {
    co_await until{after(start, waits_ns_[j])};  // the engine's wait: a GIL is released meanwhile
    co_return waits_done{1, wait_id(owned_.begin + j, waits_ns_[j])};
  }
  waits_done combine(const waits_done& a, const waits_done& b) const override {
    return {a.count + b.count, a.checksum + b.checksum};
  }
  verdict check(const waits_done& done) const override { return compare(done, expected_); }
  // Every index's wait is a draw of (seed, i): the whole's checksum needs no other rank's data.
  std::optional<verdict> check_whole(const waits_done& done) const override {
    if (!expected_whole_) {
      waits_done all;
      for (std::size_t i = 0; i < whole_; ++i)
        all = {all.count + 1, all.checksum + wait_id(i, draw_.wait_ns(i))};
      expected_whole_ = all;
    }
    return compare(done, *expected_whole_);
  }
  work_amount work() const override { return {0, 0, static_cast<double>(waits_ns_.size())}; }
  // Two int64 a task prepared, and on an event loop its suspended frame and handle (~190 bytes
  // measured, docs/PERFORMANCE.md), rounded up.
  memory_cost memory() const override { return {"tasks", 16 + 256}; }
  double ideal_seconds(unsigned workers) const override;

 protected:
  std::size_t task_size() const override { return waits_ns_.size(); }

 private:
  struct wait_draw {
    double duration = 0;
    double jitter = 0;
    std::uint64_t seed = 0;
    std::int64_t wait_ns(std::size_t i) const {
      const double u = unit_draw(seed, i) * 2 - 1;  // [-1, 1)
      return static_cast<std::int64_t>(std::llround(duration * (1 + jitter * u) * 1e9));
    }
  };

  static verdict compare(const waits_done& done, const waits_done& expected) {
    const bool ok = done.count == expected.count && done.checksum == expected.checksum;
    std::string detail =
        std::to_string(done.count) + " of " + std::to_string(expected.count) + " tasks completed";
    if (done.count == expected.count && !ok)
      detail += ", but not the right ones (a task skipped and another run twice: checksum " +
                std::to_string(done.checksum) + ", expected " + std::to_string(expected.checksum) +
                ")";
    return {ok, detail};
  }

  wait_draw draw_;
  std::size_t whole_ = 0;  // tasks
  mutable std::optional<waits_done> expected_whole_;
  index_range owned_;                   // the slice of [0, tasks) prepared
  std::vector<std::int64_t> waits_ns_;  // of the slice's indices, in order
  waits_done expected_;
  // Prefix sums of the waits sorted longest first: the lower bounds of ideal_seconds.
  std::vector<std::int64_t> longest_first_;
};

// No schedule of the prepared waits on N workers ends before the larger of two bounds: the sum
// over N, and for every j, the j + 1 shortest of the jN + 1 longest waits, since some worker
// runs j + 1 of those (pigeonhole; j = 0 is the longest wait). Equal waits give ceil(K / N) x D,
// one worker gives the sum: both exact.
double io_kernel::ideal_seconds(unsigned workers) const {
  const std::size_t k = longest_first_.size();
  if (workers == 0 || k == 0) return 0;
  auto prefix = [&](std::size_t m) { return m == 0 ? 0 : longest_first_[m - 1]; };
  double best = static_cast<double>(prefix(k)) / workers;
  for (std::size_t j = 0; j * workers < k; ++j) {
    const std::size_t last = j * workers + 1;  // the jN + 1 longest
    best = std::max(best, static_cast<double>(prefix(last) - prefix(last - (j + 1))));
  }
  return best * 1e-9;
}

}  // namespace

std::unique_ptr<kernel> make_io_kernel() { return std::make_unique<io_kernel>(); }

}  // namespace parlab
