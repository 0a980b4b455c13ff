// Placement plans over machines this one is not: synthetic topologies loaded through hwloc (the
// loader the runs use), so that compact, spread and the first-touch plan are checked at 128 and
// 256 PUs and on several packages and NUMA nodes.
#include "backends/placement.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "backends/chunking.hpp"
#include "backends/pinning.hpp"
#include "backends/topology.hpp"
#include "parlab/error.hpp"

namespace {

using namespace parlab::detail;
using parlab::pin_policy;

// 2 sockets, 2 NUMA nodes each, 32 cores per node, 2 hardware threads per core.
constexpr const char* two_sockets = "pack:2 numa:2 core:32 pu:2";
constexpr const char* one_socket = "pack:1 core:16 pu:1";
constexpr const char* one_socket_smt = "pack:1 core:16 pu:2";
const std::vector<unsigned> worker_counts = {1, 2, 16, 64, 128, 256};

machine_shape synthetic(const std::string& description) {
  return shape_of(load_topology(description).get());
}

std::vector<int> every_cpu(const machine_shape& m) {
  std::vector<int> out;
  for (const pu_place& p : m.pus) out.push_back(p.os_index);
  return out;
}

// The plan when the process may run anywhere, as it may without a taskset.
std::vector<std::size_t> plan_of(const machine_shape& m, pin_policy policy, unsigned workers) {
  return placement_plan(m, policy, workers, every_cpu(m));
}

std::set<std::size_t> distinct(const std::vector<std::size_t>& plan) {
  return {plan.begin(), plan.end()};
}

TEST(topology, a_synthetic_two_socket_machine_loads_with_its_shape) {
  const machine_shape m = synthetic(two_sockets);
  EXPECT_EQ(m.packages, 2);
  EXPECT_EQ(m.nodes.size(), 4U);
  EXPECT_EQ(m.cores, 128);
  EXPECT_EQ(m.pus.size(), 256U);
  EXPECT_FALSE(m.this_system);
  for (const numa_node& n : m.nodes) EXPECT_EQ(n.pus.size(), 64U);
  // PU 255 is the last core's second thread, on package 1's second node.
  EXPECT_EQ(m.pus[255].core, 127);
  EXPECT_EQ(m.pus[255].package, 1);
  EXPECT_EQ(m.pus[255].node, m.nodes[3].os_index);
}

TEST(topology, a_bad_description_is_one_error_naming_it) {
  try {
    (void)load_topology("pack:banana");
    FAIL() << "loaded a nonsense topology";
  } catch (const parlab::run_error& e) {
    EXPECT_NE(std::string(e.what()).find("pack:banana"), std::string::npos) << e.what();
  }
}

TEST(topology, hwloc_synthetic_in_the_environment_is_what_the_loader_loads) {
  ::setenv("HWLOC_SYNTHETIC", two_sockets, 1);
  const machine_shape m = shape_of(load_topology().get());
  ::unsetenv("HWLOC_SYNTHETIC");
  EXPECT_EQ(m.pus.size(), 256U);
  EXPECT_EQ(m.nodes.size(), 4U);
}

TEST(placement, none_places_nobody) {
  EXPECT_TRUE(plan_of(synthetic(two_sockets), pin_policy::none, 8).empty());
}

TEST(placement, compact_fills_every_core_once_before_any_second_thread) {
  const machine_shape m = synthetic(two_sockets);
  for (unsigned workers : worker_counts) {
    const std::vector<std::size_t> plan = plan_of(m, pin_policy::compact, workers);
    ASSERT_EQ(plan.size(), workers);
    EXPECT_EQ(distinct(plan).size(), workers) << workers << " workers share a PU";
    std::set<int> cores;
    for (std::size_t p : plan) cores.insert(m.pus[p].core);
    EXPECT_EQ(cores.size(), std::min(workers, 128U)) << workers << " workers";
  }
  // 2 workers are neighbours: cores 0 and 1 of the first package, not one core's two threads.
  const std::vector<std::size_t> two = plan_of(m, pin_policy::compact, 2);
  EXPECT_EQ(m.pus[two[0]].core, 0);
  EXPECT_EQ(m.pus[two[1]].core, 1);
  EXPECT_EQ(m.pus[two[1]].package, 0);
  // 64 workers are the first package's 64 cores.
  for (std::size_t p : plan_of(m, pin_policy::compact, 64)) EXPECT_EQ(m.pus[p].package, 0);
}

TEST(placement, spread_alternates_sockets_then_nodes) {
  const machine_shape m = synthetic(two_sockets);
  for (unsigned workers : worker_counts) {
    const std::vector<std::size_t> plan = plan_of(m, pin_policy::spread, workers);
    ASSERT_EQ(plan.size(), workers);
    EXPECT_EQ(distinct(plan).size(), workers) << workers << " workers share a PU";
    for (unsigned w = 0; w < workers; ++w)
      EXPECT_EQ(m.pus[plan[w]].package, static_cast<int>(w % 2)) << "worker " << w;
    std::set<int> cores;
    for (std::size_t p : plan) cores.insert(m.pus[p].core);
    EXPECT_EQ(cores.size(), std::min(workers, 128U)) << "a second thread before every core";
  }
  // The first four workers are on the four nodes.
  std::set<int> nodes;
  for (std::size_t p : plan_of(m, pin_policy::spread, 4)) nodes.insert(m.pus[p].node);
  EXPECT_EQ(nodes.size(), 4U);
}

TEST(placement, more_workers_than_pus_wrap_around) {
  const machine_shape m = synthetic(one_socket);
  for (pin_policy policy : {pin_policy::compact, pin_policy::spread}) {
    for (unsigned workers : worker_counts) {
      const std::vector<std::size_t> plan = plan_of(m, policy, workers);
      ASSERT_EQ(plan.size(), workers);
      EXPECT_EQ(distinct(plan).size(), std::min(workers, 16U)) << workers << " workers";
    }
    const std::vector<std::size_t> plan = plan_of(m, policy, 32);
    EXPECT_EQ(plan[16], plan[0]);  // worker 16 shares worker 0's PU: visible oversubscription
  }
}

TEST(placement, one_socket_with_smt_uses_every_core_before_a_sibling) {
  const machine_shape m = synthetic(one_socket_smt);
  for (pin_policy policy : {pin_policy::compact, pin_policy::spread}) {
    const std::vector<std::size_t> plan = plan_of(m, policy, 32);
    for (unsigned w = 0; w < 16; ++w) EXPECT_EQ(m.pus[plan[w]].core, static_cast<int>(w));
    EXPECT_EQ(distinct(plan).size(), 32U);
  }
}

// A taskset or a batch system's mask leaves the process some of the CPUs hwloc lists: the plan
// places workers on those only, in the order it would place them on the whole machine.
TEST(placement, only_the_cpus_the_process_may_run_on_are_planned) {
  const machine_shape m = synthetic(two_sockets);
  std::vector<int> last_node;  // package 1's second node: 32 cores, 64 PUs
  for (std::size_t p = 192; p < 256; ++p) last_node.push_back(m.pus[p].os_index);
  const std::set<int> allowed(last_node.begin(), last_node.end());
  for (pin_policy policy : {pin_policy::compact, pin_policy::spread}) {
    for (unsigned workers : worker_counts) {
      const std::vector<std::size_t> plan = placement_plan(m, policy, workers, last_node);
      ASSERT_EQ(plan.size(), workers);
      for (std::size_t p : plan) EXPECT_TRUE(allowed.contains(m.pus[p].os_index)) << "PU " << p;
      EXPECT_EQ(distinct(plan).size(), std::min(workers, 64U)) << workers << " workers";
    }
    std::set<int> cores;
    for (std::size_t p : placement_plan(m, policy, 32, last_node)) cores.insert(m.pus[p].core);
    EXPECT_EQ(cores.size(), 32U) << "every allowed core before a second thread";
  }
  // taskset -c 0: every worker on CPU 0, whatever the policy.
  const std::vector<int> first = {m.pus[0].os_index};
  for (pin_policy policy : {pin_policy::compact, pin_policy::spread})
    for (std::size_t p : placement_plan(m, policy, 4, first)) EXPECT_EQ(p, 0U);
  EXPECT_TRUE(placement_plan(m, pin_policy::compact, 4, {100000}).empty())
      << "no CPU of the mask in the topology: nothing to place on";
}

// Worker w's block is its static block, on the node of its PU. The node is worked out from the
// synthetic description, not read from the shape as the plan reads it: the machines below list
// their nodes in order and give each the same number of PUs, in logical order.
void check_first_touch(const char* description) {
  const machine_shape m = synthetic(description);
  const std::size_t pus_per_node = m.pus.size() / m.nodes.size();
  const std::size_t n = 1'000'003;  // not a multiple of any worker count
  for (pin_policy policy : {pin_policy::compact, pin_policy::spread}) {
    for (unsigned workers : worker_counts) {
      const std::vector<std::size_t> plan = plan_of(m, policy, workers);
      const std::vector<data_block> blocks = first_touch_plan(m, plan, n);
      ASSERT_EQ(blocks.size(), workers);
      std::size_t next = 0;
      for (unsigned w = 0; w < workers; ++w) {
        EXPECT_EQ(blocks[w].range.begin, next) << "blocks are contiguous and in worker order";
        EXPECT_EQ(blocks[w].range.size(), static_block(n, workers, w).size());
        EXPECT_EQ(blocks[w].node, m.nodes.at(plan[w] / pus_per_node).os_index)
            << description << ": worker " << w << " of " << workers << " on PU " << plan[w];
        next = blocks[w].range.end;
      }
      EXPECT_EQ(next, n);
    }
  }
}

TEST(first_touch, each_workers_block_is_its_static_block_on_its_node) {
  check_first_touch(two_sockets);
  check_first_touch(one_socket);
  // Compact with 128 workers: the first quarter of the data is on node 0, the last on node 3.
  const machine_shape m = synthetic(two_sockets);
  const std::vector<data_block> blocks =
      first_touch_plan(m, plan_of(m, pin_policy::compact, 128), 1000);
  EXPECT_EQ(blocks.front().node, m.nodes[0].os_index);
  EXPECT_EQ(blocks.back().node, m.nodes[3].os_index);
}

TEST(placement, the_default_pin_is_compact_on_several_nodes_and_none_on_one) {
  machine_shape several = synthetic(two_sockets);
  EXPECT_EQ(default_pin(several), pin_policy::none) << "a synthetic machine cannot be pinned to";
  several.this_system = true;  // as if parlab ran on it
  EXPECT_EQ(default_pin(several), pin_policy::compact);
  machine_shape one = synthetic(one_socket_smt);
  one.this_system = true;
  EXPECT_EQ(default_pin(one), pin_policy::none);
}

TEST(pinning, a_topology_that_is_not_this_machine_is_refused_not_bound) {
  // process_shape() is loaded once per process, so this runs in a fresh child (threadsafe style
  // re-executes the test binary: a forked one would inherit a shape loaded before) with
  // HWLOC_SYNTHETIC set.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ::setenv("HWLOC_SYNTHETIC", two_sockets, 1);
        try {
          pinning p(pin_policy::compact, 2);
        } catch (const parlab::run_error& e) {
          std::exit(std::string(e.what()).find("HWLOC_SYNTHETIC") != std::string::npos ? 3 : 4);
        }
        std::exit(5);
      },
      ::testing::ExitedWithCode(3), "");
}

TEST(pinning, on_this_machine_workers_get_distinct_cpus_while_they_fit) {
  const std::vector<int> cpus = allowed_cpus();
  const auto n = static_cast<unsigned>(cpus.size());
  const pinning p(pin_policy::compact, n);
  ASSERT_TRUE(p.active());
  ASSERT_EQ(p.cpus().size(), n);
  EXPECT_EQ(std::set<int>(p.cpus().begin(), p.cpus().end()),
            std::set<int>(cpus.begin(), cpus.end()))
      << "as many workers as allowed CPUs: each on its own, all of them allowed";
  EXPECT_EQ(p.nodes().size(), n);
  const pinning none(pin_policy::none, n);
  EXPECT_FALSE(none.active());
  EXPECT_TRUE(none.nodes().empty());
}

}  // namespace
