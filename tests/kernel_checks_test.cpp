// Every kernel's check rejects work that was not done exactly once per index: the rule of
// docs/ENGINE.md ("a partial identifies the work done"). Each case runs the kernel's own task
// functions over a sabotaged split, as a faulty backend would, and hands the result to the
// kernel's real verify. The correct split is checked too, so a check that always fails cannot
// pass these tests either. The kernels come from the registry: one added later is covered.
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "parlab/engine.hpp"
#include "tests/small_kernel_values.hpp"

namespace {

using parlab::index_range;

// A split of [0, n) into the ranges a backend ran, in order; the first is evaluated, the rest
// accumulated, exactly as partial_slots does for one worker.
std::vector<std::byte> run_split(const parlab::reduce_task& task,
                                 const std::vector<index_range>& ranges) {
  std::vector<std::byte> result(task.partial_size, std::byte{0xA5});
  if (task.reset) task.reset({1, 0});  // as backend::run does before every run
  if (ranges.empty()) {
    task.identity(result.data());
    return result;
  }
  task.evaluate(ranges.front(), result.data());
  for (std::size_t i = 1; i < ranges.size(); ++i) task.accumulate(ranges[i], result.data());
  return result;
}

struct sabotage {
  const char* what;
  std::vector<index_range> (*ranges)(std::size_t n);
};

// n >= 8 in every case below, so every range named exists.
const sabotage sabotages[] = {
    {"nothing ran", [](std::size_t) { return std::vector<index_range>{}; }},
    {"the first element skipped",
     [](std::size_t n) {
       return std::vector<index_range>{{1, n}};
     }},
    {"the last element skipped",
     [](std::size_t n) {
       return std::vector<index_range>{{0, n - 1}};
     }},
    {"a range missing in the middle",
     [](std::size_t n) {
       return std::vector<index_range>{{0, n / 2}, {n / 2 + 2, n}};
     }},
    {"a range run twice",
     [](std::size_t n) {
       return std::vector<index_range>{{0, n}, {2, 4}};
     }},
    {"element 0 run twice",
     [](std::size_t n) {
       return std::vector<index_range>{{0, n}, {0, 1}};
     }},
    // The count is right: only a partial that says which work ran can tell.
    {"[0, 2) twice and [2, 4) never",
     [](std::size_t n) {
       return std::vector<index_range>{{0, 2}, {0, 2}, {4, n}};
     }},
};

// Each kernel at two sizes: 20 (sum streams memory) and 3001 (sum mixes, io has 8 waits).
class kernel_checks : public testing::TestWithParam<std::tuple<std::string, double>> {
 protected:
  void SetUp() override {
    const auto& [name, size] = GetParam();
    k_ = parlab::find_kernel(name)->make();
    k_->prepare(parlab::testing::small_values(*k_, size));
    task_ = k_->task();
    ASSERT_GE(task_.n, 8U) << "small_values() must give " << name << " 8 or more indices";
  }
  std::unique_ptr<parlab::kernel> k_;
  parlab::reduce_task task_;
};

TEST_P(kernel_checks, accept_the_work_done_once_in_any_split) {
  const std::size_t n = task_.n;
  for (const auto& split : {std::vector<index_range>{{0, n}},
                            std::vector<index_range>{{n / 2, n}, {0, 3}, {3, n / 2}}}) {
    const parlab::verdict v = k_->verify(run_split(task_, split).data());
    EXPECT_TRUE(v.ok) << v.detail;
  }
}

TEST_P(kernel_checks, reject_a_wrong_total) {
  std::vector<std::byte> result = run_split(task_, {{0, task_.n}});
  for (std::size_t byte : {std::size_t{0}, task_.partial_size - 1}) {
    std::vector<std::byte> wrong = result;
    wrong[byte] ^= std::byte{1};
    EXPECT_FALSE(k_->verify(wrong.data()).ok) << "a bit flipped in byte " << byte;
  }
}

TEST_P(kernel_checks, reject_work_skipped_or_done_twice) {
  for (const sabotage& s : sabotages) {
    const parlab::verdict v = k_->verify(run_split(task_, s.ranges(task_.n)).data());
    EXPECT_FALSE(v.ok) << std::get<0>(GetParam()) << " verified with " << s.what << ": "
                       << v.detail;
  }
}

// Kernels of an index space, or of concurrent roles (role_kernel), as the registry holds them.
std::vector<std::string> kernel_names(bool of_roles = false) {
  std::vector<std::string> names;
  for (const parlab::kernel_entry& k : parlab::kernels())
    if ((k.make()->task().role != nullptr) == of_roles) names.emplace_back(k.name);
  return names;
}

// A role kernel at 2 workers, each role on a thread of its own, with each role's partial kept
// apart: a faulty backend could lose one or count one twice. At 2 workers every role has work
// (pipeline: the one producer and the one consumer), so either fault must fail the check.
class role_kernel_checks : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    k_ = parlab::find_kernel(GetParam())->make();
    k_->prepare(parlab::testing::small_values(*k_, 20));
    task_ = k_->task();
    const parlab::role_split split = task_.split(2);
    task_.reset(split);
    partials_.assign(split.total(), std::vector<std::byte>(task_.partial_size));
    std::vector<std::thread> roles;
    for (unsigned r = 0; r < split.total(); ++r)
      roles.emplace_back([&, r] { task_.role(r, split, partials_[r].data()); });
    for (std::thread& t : roles) t.join();
  }
  // The roles' partials combined, role by role in `order` (an index may repeat or be missing).
  std::vector<std::byte> combined(const std::vector<unsigned>& order) const {
    std::vector<std::byte> result(task_.partial_size);
    task_.identity(result.data());
    for (unsigned r : order) task_.combine(result.data(), partials_[r].data());
    return result;
  }
  std::unique_ptr<parlab::kernel> k_;
  parlab::reduce_task task_;
  std::vector<std::vector<std::byte>> partials_;
};

TEST_P(role_kernel_checks, accept_every_role_once_in_any_order) {
  ASSERT_EQ(partials_.size(), 2U);
  for (const auto& order : {std::vector<unsigned>{0, 1}, std::vector<unsigned>{1, 0}}) {
    const parlab::verdict v = k_->verify(combined(order).data());
    EXPECT_TRUE(v.ok) << v.detail;
  }
}

TEST_P(role_kernel_checks, reject_a_wrong_total) {
  const std::vector<std::byte> result = combined({0, 1});
  for (std::size_t byte : {std::size_t{0}, task_.partial_size - 1}) {
    std::vector<std::byte> wrong = result;
    wrong[byte] ^= std::byte{1};
    EXPECT_FALSE(k_->verify(wrong.data()).ok) << "a bit flipped in byte " << byte;
  }
}

TEST_P(role_kernel_checks, reject_a_role_lost_or_counted_twice) {
  for (const auto& order :
       {std::vector<unsigned>{}, std::vector<unsigned>{0}, std::vector<unsigned>{1},
        std::vector<unsigned>{0, 1, 0}, std::vector<unsigned>{0, 1, 1}}) {
    const parlab::verdict v = k_->verify(combined(order).data());
    EXPECT_FALSE(v.ok) << GetParam() << " verified with " << order.size()
                       << " partials: " << v.detail;
  }
}

INSTANTIATE_TEST_SUITE_P(registered, role_kernel_checks, testing::ValuesIn(kernel_names(true)));

INSTANTIATE_TEST_SUITE_P(registered, kernel_checks,
                         testing::Combine(testing::ValuesIn(kernel_names()),
                                          testing::Values(20.0, 3001.0)),
                         [](const auto& p) {
                           return std::get<0>(p.param) + "_" +
                                  std::to_string(static_cast<int>(std::get<1>(p.param)));
                         });

}  // namespace
