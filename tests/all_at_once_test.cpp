// Work whose workers wait on one another (run_options::all_at_once, kernel_traits::
// needs_concurrency): backends that promise concurrency run it, the others refuse it with a usage
// error instead of deadlocking, and the CLI leaves them out of `-b all` or refuses them by name.
// Backends are chosen by their traits.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "parlab/engine.hpp"
#include "parlab/error.hpp"
#include "runners/measure.hpp"
#include "runners/options.hpp"
#include "tests/registered_backends.hpp"

namespace {

// N roles, one index each, that each wait until all N have arrived: it finishes only when every
// role runs at the same time. A role gives up after 2 s, so a backend that ran the roles one
// after another fails loudly instead of hanging. Roles share one counter: threads of one process.
class rendezvous final : public parlab::typed_kernel<std::uint64_t> {
 public:
  explicit rendezvous(unsigned roles) : roles_(roles) {}
  std::string_view name() const override { return "rendezvous"; }
  std::string_view description() const override { return "test kernel"; }
  std::vector<parlab::param_spec> params() const override { return {}; }
  parlab::kernel_traits traits() const override { return {.needs_concurrency = true}; }
  void prepare(const parlab::param_values&) override {}
  void reset_run() const override { arrived_ = 0; }
  std::uint64_t body(parlab::index_range r) const override {
    for (std::size_t i = r.begin; i < r.end; ++i) {
      ++arrived_;
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      while (arrived_.load() < roles_)
        if (std::chrono::steady_clock::now() > give_up)
          throw std::runtime_error("the roles did not all run at once");
        else
          std::this_thread::yield();
    }
    return r.size();
  }
  std::uint64_t combine(const std::uint64_t& a, const std::uint64_t& b) const override {
    return a + b;
  }
  parlab::verdict check(const std::uint64_t& n) const override {
    return {n == roles_, std::to_string(n) + " roles"};
  }
  parlab::work_amount work() const override { return {}; }

 protected:
  std::size_t task_size() const override { return roles_; }

 private:
  unsigned roles_;
  mutable std::atomic<unsigned> arrived_{0};
};

parlab::runner::record run_roles(const parlab::backend& b, unsigned roles) {
  rendezvous k(roles);
  parlab::runner::measure_options o;
  o.reps = 2;
  o.cores = 2;
  o.run.threads = roles;
  return parlab::runner::measure(k, "", b, o);
}

TEST(all_at_once, backends_that_promise_concurrency_run_roles_that_wait_on_each_other) {
  for (const std::string& name :
       parlab::testing::backend_names([](const parlab::backend_traits& t) {
         return t.promises_concurrency && t.shares_memory;
       })) {
    const auto r = run_roles(*parlab::find_backend(name), 4);  // above the 2 cores here
    EXPECT_TRUE(r.verified) << name << ": " << r.detail;
  }
}

TEST(all_at_once, the_others_refuse_instead_of_deadlocking) {
  for (const std::string& name : parlab::testing::backend_names(
           [](const parlab::backend_traits& t) { return !t.promises_concurrency; })) {
    const auto r = run_roles(*parlab::find_backend(name), 4);
    EXPECT_FALSE(r.verified) << name;
    EXPECT_NE(r.detail.find("does not promise that all its workers run at once"), std::string::npos)
        << name << ": " << r.detail;
  }
  // The engine's own guard, for a program that calls a backend directly.
  rendezvous k(1);
  k.prepare({});
  const parlab::reduce_task task = k.task();
  std::uint64_t result = 0;
  EXPECT_THROW(parlab::reference_backend().run(task, {.all_at_once = true}, &result),
               parlab::usage_error);
}

TEST(all_at_once, the_cli_leaves_such_backends_out_of_all_and_refuses_them_by_name) {
  rendezvous k(2);
  parlab::runner::sweep_options all;
  all.backends = parlab::testing::backend_names();
  parlab::runner::keep_backends_that_can_run(all, k, true);
  for (const std::string& name : all.backends)
    EXPECT_TRUE(parlab::find_backend(name)->traits().promises_concurrency) << name;
  EXPECT_FALSE(all.backends.empty());
  EXPECT_FALSE(all.reference_baseline);

  parlab::runner::sweep_options named;
  named.backends = parlab::testing::backend_names(
      [](const parlab::backend_traits& t) { return !t.promises_concurrency; });
  ASSERT_FALSE(named.backends.empty());
  EXPECT_THROW(parlab::runner::keep_backends_that_can_run(named, k, false), parlab::usage_error);
}

}  // namespace
