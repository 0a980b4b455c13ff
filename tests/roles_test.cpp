// Work of concurrent roles (role_kernel): one role per worker, every role at once, on every
// backend that promises concurrency, threads and processes alike; a failing or crashing role
// wakes the others through the task's cancel hook and the run fails quickly with its message.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>

#include "parlab/engine.hpp"
#include "parlab/error.hpp"
#include "parlab/shared_memory.hpp"
#include "tests/registered_backends.hpp"

namespace {

// Which roles ran, as a bit each, and which stage each thought it was in.
struct roles_seen {
  std::uint64_t roles = 0;
  std::uint64_t second_stage = 0;
};

// Every role waits, in shared memory, until all have arrived: it finishes only when they all run
// at once, in one process or many. A role gives up after 2 s instead of hanging. `fail` makes role
// `culprit` throw (or crash) once all have arrived, while the others wait for a release that never
// comes unless cancel_run poisons the wait.
class meeting final : public parlab::role_kernel<roles_seen> {
 public:
  enum class fault { none, throws, crashes };
  explicit meeting(unsigned first_stage = 0, fault f = fault::none, unsigned culprit = 0)
      : first_(first_stage), fault_(f), culprit_(culprit) {}
  std::string_view name() const override { return "meeting"; }
  std::string_view description() const override { return "test kernel"; }
  std::vector<parlab::param_spec> params() const override { return {}; }
  parlab::kernel_traits traits() const override { return {.needs_concurrency = true}; }
  void prepare(const parlab::param_values&) override {}
  parlab::work_amount work() const override { return {}; }

  parlab::role_split split(unsigned workers) const override {
    return first_ == 0 ? parlab::role_split{workers, 0}
                       : parlab::role_split{first_, workers - first_};
  }
  void reset_run(const parlab::role_split& s) const override {
    state_->arrived = 0;
    state_->poisoned = false;
    roles_ = s.total();
  }
  void cancel_run() const override { state_->poisoned = true; }

  roles_seen role(unsigned index, const parlab::role_split& s) const override {
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
  parlab::verdict check(const roles_seen& r) const override {
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
      if (state_->poisoned) throw parlab::poisoned_error("poisoned: another role failed");
      if (std::chrono::steady_clock::now() > give_up)
        throw std::runtime_error("the roles did not all run at once");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  unsigned first_;
  fault fault_;
  unsigned culprit_;
  mutable unsigned roles_ = 0;
  parlab::shared_memory memory_{sizeof(shared)};
  shared* state_ = new (memory_.data()) shared;
};

std::vector<std::string> promising() {
  return parlab::testing::backend_names(
      [](const parlab::backend_traits& t) { return t.promises_concurrency; });
}

// Runs k once on b with `workers`; returns the error's text, "" when it verified.
std::string run_once(const meeting& k, const parlab::backend& b, unsigned workers,
                     double* seconds = nullptr) {
  const parlab::reduce_task task = k.task();
  roles_seen result;
  const auto start = std::chrono::steady_clock::now();
  std::string error;
  try {
    b.run(task, {.threads = workers, .all_at_once = true}, &result);
    const parlab::verdict v = k.verify(&result);
    if (!v.ok) error = "wrong: " + v.detail;
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (seconds)
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  b.release();
  return error;
}

bool no_child_left() {
  int status = 0;
  return waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD;
}

TEST(roles, every_role_runs_once_and_all_at_once_on_each_backend_that_promises_it) {
  for (const std::string& name : promising())
    for (unsigned workers : {2u, 5u}) {  // 5: above the cores here
      meeting k;
      EXPECT_EQ(run_once(k, *parlab::find_backend(name), workers), "") << name << " " << workers;
      EXPECT_EQ(run_once(k, *parlab::find_backend(name), workers), "") << name << " again";
    }
}

TEST(roles, the_split_tells_each_role_its_stage) {
  for (const std::string& name : promising()) {
    meeting k(1);
    EXPECT_EQ(run_once(k, *parlab::find_backend(name), 4), "") << name;
  }
}

TEST(roles, a_backend_that_does_not_promise_concurrency_refuses) {
  for (const std::string& name : parlab::testing::backend_names(
           [](const parlab::backend_traits& t) { return !t.promises_concurrency; })) {
    meeting k;
    const parlab::reduce_task task = k.task();
    roles_seen result;
    EXPECT_THROW(
        parlab::find_backend(name)->run(task, {.threads = 2, .all_at_once = true}, &result),
        parlab::usage_error)
        << name;
  }
}

TEST(roles, a_role_that_throws_wakes_the_others_and_the_run_fails_with_its_message) {
  for (const std::string& name : promising()) {
    meeting k(0, meeting::fault::throws, 2);
    double took = 0;
    const std::string error = run_once(k, *parlab::find_backend(name), 4, &took);
    EXPECT_NE(error.find("role 2 failed on purpose"), std::string::npos) << name << ": " << error;
    EXPECT_LT(took, 1.5) << name;  // the others' 2 s give-up never came into it
    EXPECT_TRUE(no_child_left()) << name;
  }
}

TEST(roles, a_crashing_process_role_fails_the_run_quickly_and_leaves_no_child) {
  for (const std::string& name :
       parlab::testing::backend_names([](const parlab::backend_traits& t) {
         return t.promises_concurrency && t.worker == parlab::worker_kind::process;
       })) {
    meeting k(0, meeting::fault::crashes, 1);
    double took = 0;
    const std::string error = run_once(k, *parlab::find_backend(name), 4, &took);
    EXPECT_NE(error.find("worker 1 was killed by signal SIGKILL"), std::string::npos)
        << name << ": " << error;
    EXPECT_LT(took, 1.5) << name;
    EXPECT_TRUE(no_child_left()) << name;
  }
}

}  // namespace
