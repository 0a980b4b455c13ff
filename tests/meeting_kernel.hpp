#pragma once
// A test kernel of roles that finishes only when every role runs at once, in one process or many,
// and can fail on purpose: the concurrent-roles mechanism's own test task (roles_test,
// staged_run_test), apart from any real kernel.
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "parlab/engine.hpp"
#include "parlab/error.hpp"
#include "parlab/shared_memory.hpp"
#include "tests/registered_backends.hpp"

namespace parlab::testing {

// Which roles ran, as a bit each, and which stage each thought it was in.
struct roles_seen {
  std::uint64_t roles = 0;
  std::uint64_t second_stage = 0;
};

// Every role waits, in shared memory, until all have arrived: it finishes only when they all run
// at once, in one process or many. A role gives up after 2 s instead of hanging. `fail` makes role
// `culprit` throw (or crash) once all have arrived, while the others wait for a release that never
// comes unless cancel_run poisons the wait.
class meeting final : public role_kernel<roles_seen> {
 public:
  enum class fault { none, throws, crashes };
  explicit meeting(unsigned first_stage = 0, fault f = fault::none, unsigned culprit = 0)
      : first_(first_stage), fault_(f), culprit_(culprit) {}
  std::string_view name() const override { return "meeting"; }
  std::string_view description() const override { return "test kernel"; }
  std::vector<param_spec> params() const override { return {}; }
  kernel_traits traits() const override { return {.needs_concurrency = true}; }
  void prepare(const param_values&) override {}
  work_amount work() const override { return {}; }

  role_split split(unsigned workers) const override {
    return first_ == 0 ? role_split{workers, 0} : role_split{first_, workers - first_};
  }
  void reset_run(const role_split& s) const override {
    state_->arrived = 0;
    state_->poisoned = false;
    roles_ = s.total();
  }
  void cancel_run() const override { state_->poisoned = true; }

  roles_seen role(unsigned index, const role_split& s) const override {
    ++state_->arrived;
    wait_for([&] { return state_->arrived.load() >= s.total(); });
    if (fault_ != fault::none && index == culprit_) {
      if (fault_ == fault::crashes) std::raise(SIGKILL);
      throw std::runtime_error("role " + std::to_string(index) + " failed on purpose");
    }
    if (fault_ != fault::none) wait_for([] { return false; });  // released only by poison
    return {std::uint64_t{1} << index, index >= s.first ? std::uint64_t{1} << index : 0};
  }
  roles_seen combine(const roles_seen& a, const roles_seen& b) const override {
    return {a.roles | b.roles, a.second_stage | b.second_stage};
  }
  verdict check(const roles_seen& r) const override {
    const std::uint64_t all = (std::uint64_t{1} << roles_) - 1;
    const std::uint64_t second = first_ == 0 ? 0 : all & ~((std::uint64_t{1} << first_) - 1);
    return {r.roles == all && r.second_stage == second,
            "roles " + std::to_string(r.roles) + " second " + std::to_string(r.second_stage)};
  }

 private:
  struct shared {
    std::atomic<unsigned> arrived{0};
    std::atomic<bool> poisoned{false};
  };
  template <class Done>
  void wait_for(Done done) const {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!done()) {
      if (state_->poisoned) throw poisoned_error("poisoned: another role failed");
      if (std::chrono::steady_clock::now() > give_up)
        throw std::runtime_error("the roles did not all run at once");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  unsigned first_;
  fault fault_;
  unsigned culprit_;
  mutable unsigned roles_ = 0;
  shared_memory memory_{sizeof(shared)};
  shared* state_ = new (memory_.data()) shared;
};

}  // namespace parlab::testing
