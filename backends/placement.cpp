#include "backends/placement.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "backends/chunking.hpp"

namespace parlab::detail {
namespace {

using pu_list = std::vector<std::size_t>;

// One from each group in turn, while any has some left.
pu_list interleave(const std::vector<pu_list>& groups) {
  pu_list out;
  std::size_t longest = 0;
  for (const pu_list& g : groups) longest = std::max(longest, g.size());
  for (std::size_t k = 0; k < longest; ++k)
    for (const pu_list& g : groups)
      if (k < g.size()) out.push_back(g[k]);
  return out;
}

// The PUs of `pus` grouped by key(pu), the groups in the order of their key.
template <class Key>
std::vector<pu_list> group_by(const machine_shape& shape, const pu_list& pus, Key key) {
  std::map<int, pu_list> groups;
  for (std::size_t p : pus) groups[key(shape.pus[p])].push_back(p);
  std::vector<pu_list> out;
  for (auto& [k, g] : groups) out.push_back(std::move(g));
  return out;
}

// Round robin over cores: the first PU of every core, then the second of every core, ...
pu_list core_first(const machine_shape& shape, const pu_list& pus) {
  return interleave(group_by(shape, pus, [](const pu_place& p) { return p.core; }));
}

pu_list spread_order(const machine_shape& shape, const pu_list& all) {
  std::vector<pu_list> packages;
  for (const pu_list& package : group_by(shape, all, [](const pu_place& p) { return p.package; })) {
    std::vector<pu_list> nodes;
    for (const pu_list& node : group_by(shape, package, [](const pu_place& p) { return p.node; }))
      nodes.push_back(core_first(shape, node));
    packages.push_back(interleave(nodes));
  }
  return interleave(packages);
}

pu_list allowed_pus(const machine_shape& shape, const std::vector<int>& allowed) {
  const std::set<int> mask(allowed.begin(), allowed.end());
  pu_list out;
  for (std::size_t p = 0; p < shape.pus.size(); ++p)
    if (mask.contains(shape.pus[p].os_index)) out.push_back(p);
  return out;
}

}  // namespace

std::vector<std::size_t> placement_plan(const machine_shape& shape, pin_policy policy,
                                        unsigned workers, const std::vector<int>& allowed) {
  const pu_list usable = allowed_pus(shape, allowed);
  if (policy == pin_policy::none || usable.empty()) return {};
  const pu_list order =
      policy == pin_policy::compact ? core_first(shape, usable) : spread_order(shape, usable);
  std::vector<std::size_t> plan;
  plan.reserve(workers);
  for (unsigned w = 0; w < workers; ++w) plan.push_back(order[w % order.size()]);
  return plan;
}

pin_policy default_pin(const machine_shape& shape) {
  return shape.this_system && shape.nodes.size() > 1 ? pin_policy::compact : pin_policy::none;
}

std::vector<data_block> first_touch_plan(const machine_shape& shape,
                                         const std::vector<std::size_t>& plan, std::size_t n) {
  std::vector<data_block> out;
  const auto workers = static_cast<unsigned>(plan.size());
  out.reserve(workers);
  for (unsigned w = 0; w < workers; ++w)
    out.push_back({static_block(n, workers, w), shape.pus.at(plan[w]).node});
  return out;
}

}  // namespace parlab::detail
