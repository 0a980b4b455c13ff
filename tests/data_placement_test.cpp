// Where the data's pages are, read back from the kernel: first touch on this machine's one node
// reads back as local, untouched pages as untouched, and moving the pages to a first-touch plan
// (a no-op move on one node) runs and leaves every page where the plan says; first touch under
// first_touch_on fills each block from its worker's CPU.
#include "backends/data_placement.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <numeric>

#include "backends/pinning.hpp"
#include "backends/topology.hpp"
#include "parlab/error.hpp"
#include "parlab/huge_array.hpp"

namespace {

using namespace parlab::detail;

std::size_t total(const std::map<int, std::size_t>& pages) {
  return std::accumulate(pages.begin(), pages.end(), std::size_t{0},
                         [](std::size_t s, const auto& kv) { return s + kv.second; });
}

int only_node() { return process_shape().nodes.at(0).os_index; }

TEST(data_placement, first_touch_on_this_machine_reads_back_as_local) {
  ASSERT_TRUE(process_shape().known()) << process_shape().problem;
  if (process_shape().nodes.size() != 1) GTEST_SKIP() << "a test of a one-node machine";
  const std::size_t n = std::size_t{8} << 20;  // 64 MiB of int64
  const parlab::huge_array<std::int64_t> data = parlab::iota_array(n);
  const std::map<int, std::size_t> pages = pages_per_node(data.data(), n * sizeof(std::int64_t));
  ASSERT_EQ(pages.size(), 1U) << "pages on several nodes, or untouched ones";
  EXPECT_EQ(pages.begin()->first, only_node());
  EXPECT_EQ(total(pages), std::min<std::size_t>(n * sizeof(std::int64_t) / 4096, max_pages_asked));
}

TEST(data_placement, untouched_pages_are_counted_as_untouched) {
  const parlab::huge_array<std::int64_t> fresh(std::size_t{1} << 20);
  const std::map<int, std::size_t> before = pages_per_node(fresh.data(), fresh.size() * 8);
  EXPECT_GT(before.count(-1), 0U) << "a page nobody touched is resident somewhere";
  std::memset(fresh.data(), 1, fresh.size() * 8);
  const std::map<int, std::size_t> after = pages_per_node(fresh.data(), fresh.size() * 8);
  EXPECT_EQ(after.count(-1), 0U);
}

TEST(data_placement, migrating_to_a_plan_leaves_each_block_on_its_node) {
  const std::size_t n = (std::size_t{4} << 20) + 3;  // blocks that do not end on pages
  const parlab::huge_array<std::int64_t> data = parlab::iota_array(n);
  const machine_shape& shape = process_shape();
  for (parlab::pin_policy policy : {parlab::pin_policy::compact, parlab::pin_policy::spread}) {
    const std::vector<data_block> blocks =
        first_touch_plan(shape, placement_plan(shape, policy, 4, allowed_cpus()), n);
    ASSERT_NO_THROW(migrate_to_plan(data.data(), n * sizeof(std::int64_t), n, blocks));
    for (const data_block& b : blocks) {
      const std::map<int, std::size_t> pages =
          pages_per_node(data.data() + b.range.begin, b.range.size() * sizeof(std::int64_t));
      ASSERT_EQ(pages.size(), 1U);
      EXPECT_EQ(pages.begin()->first, b.node);
    }
  }
  EXPECT_EQ(data[n - 1], static_cast<std::int64_t>(n)) << "migration kept the data";
}

}  // namespace

namespace {

cpu_set_t affinity_of_this_thread() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  sched_getaffinity(0, sizeof mask, &mask);
  return mask;
}

// The STREAM rule: under first_touch_on, block w is filled by a thread on cpus[w], and the
// caller's own affinity is left as it was.
TEST(first_touch, under_a_scope_each_block_is_filled_from_its_workers_cpu) {
  const std::vector<int> cpus = parlab::detail::pinning(parlab::pin_policy::compact, 2).cpus();
  ASSERT_EQ(cpus.size(), 2U);
  const cpu_set_t before = affinity_of_this_thread();
  const std::size_t n = std::size_t{1} << 20;
  std::vector<int> filled_on(n, -1);
  {
    const parlab::first_touch_on scope(cpus);
    parlab::first_touch(n, [&](parlab::index_range r) {
      const int cpu = sched_getcpu();
      for (std::size_t i = r.begin; i < r.end; ++i) filled_on[i] = cpu;
    });
  }
  EXPECT_EQ(filled_on.front(), cpus[0]);
  EXPECT_EQ(filled_on.back(), cpus[1]);
  EXPECT_EQ(std::count(filled_on.begin(), filled_on.end(), -1), 0) << "an index left unfilled";
  const cpu_set_t after = affinity_of_this_thread();
  EXPECT_TRUE(CPU_EQUAL(&before, &after)) << "first touch changed the caller's affinity";
  // Out of the scope: the unpinned default again, on as many threads as fit the size.
  std::atomic<int> blocks{0};
  parlab::first_touch(n, [&](parlab::index_range) { ++blocks; });
  EXPECT_GE(blocks.load(), 1);
}

TEST(first_touch, a_fill_that_throws_is_rethrown_on_the_caller) {
  const parlab::first_touch_on scope({0, 0});
  EXPECT_THROW(parlab::first_touch(1000,
                                   [](parlab::index_range r) {
                                     if (r.begin > 0) throw parlab::run_error("fill failed");
                                   }),
               parlab::run_error);
}

TEST(data_placement, interleaving_keeps_the_data_and_leaves_no_page_untouched) {
  const std::size_t n = std::size_t{2} << 20;
  const parlab::huge_array<std::int64_t> data = parlab::iota_array(n);
  ASSERT_NO_THROW(interleave_pages(data.data(), n * sizeof(std::int64_t)));
  const std::map<int, std::size_t> pages = pages_per_node(data.data(), n * sizeof(std::int64_t));
  EXPECT_EQ(pages.count(-1), 0U);
  EXPECT_EQ(pages.size(), process_shape().nodes.size()) << "a node without a page of its share";
  EXPECT_EQ(data[n - 1], static_cast<std::int64_t>(n));
}

}  // namespace
