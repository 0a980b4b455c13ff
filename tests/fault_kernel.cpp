// The fault kernel, for tests only: it throws, crashes, hangs, covers the wrong index or fails to
// prepare at a chosen index, so that the
// tests can hold every backend and the runner to what they promise when a body fails
// (docs/RUNNER.md, "Faults"). It is compiled into parlab_tests and parlab_faulty (the CLI plus
// this file), never into the engine, so `parlab list` does not show it. It only faults: telling
// the caller is the backends' and the runner's job.
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>

#include "parlab/coverage.hpp"
#include "parlab/registry.hpp"
#include "parlab/waits_kernel.hpp"

namespace parlab {
namespace {

enum class fault { none, throws, crash, hang, wrong, prepare };

// Items of no work, each covering its index (so a run that skips or repeats one fails its
// check), except item --at, which faults. A waits kernel, so that the event loop runs it too;
// under MPI the fault is on the rank whose block holds --at. An --at beyond the items faults
// nowhere: a --weak sweep, which grows the items, then finishes its first points and faults in a
// later one.
class fault_kernel final : public waits_kernel<coverage> {
 public:
  std::string_view name() const override { return "fault"; }
  std::string_view description() const override {
    return "tests only: --fault throw|crash|hang|wrong|prepare at index --at of --items; --others "
           "hang";
  }
  std::vector<param_spec> params() const override {
    return {{"fault",
             param_kind::choice,
             0,
             "what item --at does",
             0,
             {"none", "throw", "crash", "hang", "wrong", "prepare"}},
            {"at", param_kind::count, 0, "the index that faults", 0},
            {"others",
             param_kind::choice,
             0,
             "what every other index does: finish, or hang",
             0,
             {"finish", "hang"}},
            {"items", param_kind::size, 1000, "how many items (--weak grows them)", 0, {}, 1e7}};
  }
  kernel_traits traits() const override { return {.work = work_kind::none}; }

  std::size_t index_space(const param_values& values) const override {
    return values.count("items");
  }
  void prepare(const param_values& values) override {
    prepare_slice(values, {0, index_space(values)});
  }
  void prepare_slice(const param_values& values, index_range owned) override {
    check_slice(owned, index_space(values));
    fault_ = static_cast<fault>(values.choice("fault"));
    at_ = values.count("at");  // beyond the items: no fault, until a --weak sweep grows them
    others_hang_ = values.choice("others") == 1;
    owned_ = owned;
    // prepare: the process whose slice holds --at fails before any run (under MPI, one rank).
    if (fault_ == fault::prepare && at_ >= owned.begin && at_ < owned.end)
      throw std::runtime_error("the fault kernel failed to prepare index " + std::to_string(at_));
  }

  waiting<coverage> item(std::size_t j, timespec start) const override {
    const std::size_t i = owned_.begin + j;
    // A hang is suspended on an event loop, blocked elsewhere.
    if (i == at_ ? fault_ == fault::hang : others_hang_) co_await until{after(start, hang_ns)};
    if (i == at_) strike(i);
    // wrong: the partial claims the next index instead, which the check must catch (under MPI,
    // on the rank that ran it, before the reduce).
    const std::size_t covered = i == at_ && fault_ == fault::wrong ? i + 1 : i;
    co_return coverage::of({covered, covered + 1});
  }
  coverage combine(const coverage& a, const coverage& b) const override { return a + b; }
  verdict check(const coverage& c) const override {
    const coverage want = coverage::of(owned_);
    const bool ok = c.count == want.count && c.sum == want.sum && c.squares == want.squares;
    return {ok, std::to_string(c.count) + " of " + std::to_string(want.count) +
                    " items, each once" + (ok ? "" : ": no")};
  }
  work_amount work() const override { return {0, 0, static_cast<double>(owned_.size())}; }

 protected:
  std::size_t task_size() const override { return owned_.size(); }

 private:
  static constexpr long long hang_ns = 1'000'000'000LL * 3600 * 24 * 365;  // a year

  void strike(std::size_t i) const {
    if (fault_ == fault::throws)
      throw std::runtime_error("the fault kernel threw at index " + std::to_string(i));
    if (fault_ == fault::crash) {
      std::raise(SIGSEGV);
      std::abort();  // a handler that returned: still a crash
    }
  }

  fault fault_ = fault::none;
  std::size_t at_ = 0;
  bool others_hang_ = false;  // a fault while the other workers wait: they must be stopped too
  index_range owned_;
};

// Registered by being linked: parlab_tests and parlab_faulty hold this file.
[[maybe_unused]] const bool registered = [] {
  add_kernel({"fault", [] { return std::unique_ptr<kernel>(std::make_unique<fault_kernel>()); }});
  return true;
}();

}  // namespace
}  // namespace parlab
