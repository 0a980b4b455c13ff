// Where the data's pages are, read back from the kernel: first touch on this machine's one node
// reads back as local, untouched pages as untouched, and moving the pages to a first-touch plan
// (a no-op move on one node) runs and leaves every page where the plan says.
#include "backends/data_placement.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <numeric>

#include "backends/topology.hpp"
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
        first_touch_plan(shape, placement_plan(shape, policy, 4), n);
    ASSERT_NO_THROW(migrate_to_plan(data.data(), sizeof(std::int64_t), blocks));
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
