#include <sys/prctl.h>
#include <time.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "parlab/kernel.hpp"

namespace parlab {
namespace {

// Simulated I/O: K waits of D seconds each, slept against absolute deadlines so that a chain
// of waits does not drift (a relative sleep_for overshoots ~80 us each, PITFALLS.md). It uses
// no CPU, so it scales with the number of waiting workers, not with cores.
class io_kernel final : public typed_kernel<std::uint64_t> {
 public:
  std::string_view name() const override { return "io"; }
  std::string_view description() const override {
    return "simulated I/O: --tasks K waits of --duration D, optional --jitter F (seeded)";
  }
  std::vector<param_spec> params() const override {
    return {{"tasks", param_kind::count, 8, "number of waits", 0},
            {"duration", param_kind::duration, 0.1, "length of each wait", 0},
            {"jitter", param_kind::fraction, 0, "each wait is D x (1 +- F), F in [0, 1)", 0},
            {"seed", param_kind::count, 42, "seed of the jitter generator", 0}};
  }

  void prepare(const param_values& values) override {
    duration_ = values.real("duration");
    const double jitter = values.real("jitter");
    std::mt19937_64 gen(values.count("seed"));
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    waits_ns_.assign(values.count("tasks"), 0);
    for (auto& w : waits_ns_)
      w = static_cast<std::int64_t>(std::llround(duration_ * (1 + jitter * u(gen)) * 1e9));
  }

  std::uint64_t body(index_range r) const override {
    prctl(PR_SET_TIMERSLACK, 1UL);  // 50 us default slack would blur short waits
    timespec deadline{};
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    for (std::size_t i = r.begin; i < r.end; ++i) {
      const std::int64_t ns = deadline.tv_nsec + waits_ns_[i];
      deadline.tv_sec += static_cast<time_t>(ns / 1'000'000'000);
      deadline.tv_nsec = static_cast<long>(ns % 1'000'000'000);
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr) == EINTR) {
      }
    }
    return r.size();
  }
  std::uint64_t combine(const std::uint64_t& a, const std::uint64_t& b) const override {
    return a + b;
  }
  verdict check(const std::uint64_t& done) const override {
    return {done == waits_ns_.size(),
            std::to_string(done) + " of " + std::to_string(waits_ns_.size()) + " tasks completed"};
  }
  work_amount work() const override { return {0, 0, static_cast<double>(waits_ns_.size())}; }
  double ideal_seconds(unsigned workers) const override {
    if (workers == 0) return 0;
    return std::ceil(static_cast<double>(waits_ns_.size()) / workers) * duration_;
  }

 protected:
  std::size_t task_size() const override { return waits_ns_.size(); }

 private:
  double duration_ = 0;
  std::vector<std::int64_t> waits_ns_;
};

}  // namespace

std::unique_ptr<kernel> make_io_kernel() { return std::make_unique<io_kernel>(); }

}  // namespace parlab
