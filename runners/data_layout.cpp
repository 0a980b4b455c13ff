#include "runners/data_layout.hpp"

#include <algorithm>
#include <exception>

#include "backends/data_placement.hpp"
#include "backends/pinning.hpp"
#include "backends/placement.hpp"
#include "backends/topology.hpp"

namespace parlab::runner {

std::string_view to_string(numa_policy p) {
  return p == numa_policy::interleave ? "interleave" : "local";
}

namespace {

bool several_nodes_here() {
  const detail::machine_shape& shape = detail::process_shape();
  return shape.known() && shape.this_system && shape.nodes.size() > 1;
}

int node_of_cpu(const detail::machine_shape& shape, int cpu) {
  for (const detail::pu_place& p : shape.pus)
    if (p.os_index == cpu) return p.node;
  return -1;
}

}  // namespace

std::vector<int> touch_cpus(const run_options& run) {
  try {
    return detail::pinning(run.pin, run.threads).cpus();
  } catch (const std::exception&) {
    return {};  // a placement that cannot be applied: the run itself says why
  }
}

void data_layout::place(const kernel& k, std::size_t n, const run_options& run,
                        numa_policy policy) {
  if (!several_nodes_here() || n == 0) return;
  applied now{{}, n, run.threads, run.pin, policy};
  for (const huge_array_base* a : k.data_arrays()) now.arrays.push_back(a->data());
  if (now == last_) return;
  const detail::machine_shape& shape = detail::process_shape();
  const auto plan = detail::placement_plan(shape, run.pin, run.threads, detail::allowed_cpus());
  if (policy == numa_policy::local && plan.empty()) return;  // nothing says where workers are
  const std::vector<detail::data_block> blocks = detail::first_touch_plan(shape, plan, n);
  for (const huge_array_base* a : k.data_arrays()) {
    if (policy == numa_policy::interleave)
      detail::interleave_pages(a->data(), a->bytes());
    else
      detail::migrate_to_plan(a->data(), a->bytes(), n, blocks);
  }
  last_ = std::move(now);
}

data_location locate(const kernel& k, const std::vector<int>& worker_cpus) {
  data_location out;
  const detail::machine_shape& shape = detail::process_shape();
  if (!shape.known() || !shape.this_system) return out;
  for (int cpu : worker_cpus) out.worker_nodes.push_back(node_of_cpu(shape, cpu));
  std::size_t pages = 0, on_worker_nodes = 0;
  for (const huge_array_base* a : k.data_arrays())
    for (const auto& [node, count] : detail::pages_per_node(a->data(), a->bytes())) {
      out.pages_per_node[node] += count;
      pages += count;
      if (node >= 0 && std::find(out.worker_nodes.begin(), out.worker_nodes.end(), node) !=
                           out.worker_nodes.end())
        on_worker_nodes += count;
    }
  if (pages > 0 && !out.worker_nodes.empty())
    out.pages_on_worker_nodes = static_cast<double>(on_worker_nodes) / static_cast<double>(pages);
  return out;
}

bool unpinned_on_numa(const run_options& run) {
  return run.pin == pin_policy::none && several_nodes_here();
}

}  // namespace parlab::runner
