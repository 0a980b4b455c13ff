// `parlab info` as a person reads it, on a machine this one is not: a synthetic 2-socket,
// 4-node, 128-core topology loaded through hwloc, printed section by section.
#include "runners/info_text.hpp"

#include <gtest/gtest.h>

#include <string>

#include "backends/topology.hpp"

namespace {

using namespace parlab::runner;

constexpr const char* big_machine =
    "pack:2 numa:2(memory=64GiB) l3:1(size=32MiB) core:32 l2:1(size=1MiB) l1d:1(size=48KiB) pu:2";

std::string big_info(const json& facts) {
  return info_text(facts,
                   parlab::detail::shape_of(parlab::detail::load_topology(big_machine).get()));
}

json some_facts() {
  return {{"hostname", "node7"},       {"kernel", "Linux 6.1"},
          {"cpu_model", "Big CPU"},    {"usable_cpus", 256},
          {"hardware_threads", 256},   {"cpu_limit", "none"},
          {"affinity", "0-255"},       {"cgroup_cpu_quota", 0.0},
          {"governor", "performance"}, {"turbo", "on"},
          {"omp_max_threads", 256},    {"runtime_environment", json::object()},
          {"tbb_version", "2021.8"},   {"parlab_version", "0.1.0"}};
}

void expect_has(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "no '" << part << "' in:\n" << text;
}

TEST(info_text, a_synthetic_128_core_machine_reads_as_one) {
  const std::string text = big_info(some_facts());
  expect_has(text, "Sockets                 2\n");
  expect_has(text, "Cores                   128 (64 per socket)\n");
  expect_has(text, "Hardware threads        256 (2 per core)\n");
  expect_has(text, "Socket 0                cores 0-63, hardware threads 0-127, NUMA nodes 0-1\n");
  expect_has(text,
             "Socket 1                cores 64-127, hardware threads 128-255, NUMA nodes 2-3\n");
  expect_has(text, "Level 1                 48 KiB, one per core, 128 in all");
  expect_has(text, "Level 3                 32 MiB, shared by 32 cores, 4 in all");
  expect_has(text, "NUMA domains            4\n");
  expect_has(text, "Domain 3                hardware threads 192-255, memory 64 GiB\n");
  expect_has(text, "not this machine's");
  expect_has(text, "Read bandwidth          not probed");
  EXPECT_EQ(text.find('{'), std::string::npos) << "embedded JSON:\n" << text;
}

TEST(info_text, the_read_bandwidth_reads_in_gb_per_s_with_its_probe) {
  json facts = some_facts();
  facts["read_bandwidth"] = {{"gbs", 187.26}, {"bytes", std::size_t{1} << 30}, {"threads", 128}};
  expect_has(big_info(facts),
             "Read bandwidth          187.3 GB/s, reading 1 GiB with 128 threads\n");
}

TEST(info_text, an_unknown_topology_says_why) {
  parlab::detail::machine_shape unknown;
  unknown.problem = "hwloc could not load the machine topology";
  const std::string text = info_text(some_facts(), unknown);
  expect_has(text, "hwloc could not load the machine topology");
  expect_has(text, "CPU                     Big CPU\n");
}

TEST(info_text, numbers_read_as_ranges_and_sizes_in_binary_units) {
  EXPECT_EQ(number_ranges({3, 0, 1, 2, 8, 10, 9}), "0-3,8-10");
  EXPECT_EQ(number_ranges({5}), "5");
  EXPECT_EQ(number_ranges({}), "none");
  EXPECT_EQ(bytes_text(49152), "48 KiB");
  EXPECT_EQ(bytes_text(std::size_t{3} << 29), "1.5 GiB");
  EXPECT_EQ(bytes_text(64), "64 B");
}

}  // namespace
