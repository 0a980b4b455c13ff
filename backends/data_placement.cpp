#include "backends/data_placement.hpp"

#include <hwloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include "parlab/error.hpp"

namespace parlab::detail {
namespace {

struct bitmap_deleter {
  void operator()(hwloc_bitmap_t b) const { hwloc_bitmap_free(b); }
};
using bitmap = std::unique_ptr<hwloc_bitmap_s, bitmap_deleter>;

std::size_t page_bytes() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }

// Memory binding needs the topology of this machine, not a synthetic one.
hwloc_topology_t memory_topology(const char* what) {
  hwloc_topology_t topo = process_topology();
  if (topo == nullptr) throw run_error(std::string(what) + ": " + process_shape().problem);
  if (!process_shape().this_system)
    throw run_error(std::string(what) + ": the topology is not this machine's (HWLOC_SYNTHETIC)");
  return topo;
}

}  // namespace

std::map<int, std::size_t> pages_per_node(const void* data, std::size_t bytes) {
  std::map<int, std::size_t> out;
  if (data == nullptr || bytes == 0) return out;
  hwloc_topology_t topo = memory_topology("pages per node");
  const std::size_t page = page_bytes();
  const auto first = reinterpret_cast<std::uintptr_t>(data) / page * page;
  const std::size_t pages =
      (reinterpret_cast<std::uintptr_t>(data) + bytes - first + page - 1) / page;
  const std::size_t asked = std::min(pages, max_pages_asked);
  const bitmap nodes(hwloc_bitmap_alloc());
  for (std::size_t k = 0; k < asked; ++k) {
    const std::uintptr_t at = first + (k * pages / asked) * page;
    hwloc_bitmap_zero(nodes.get());
    const int rc = hwloc_get_area_memlocation(topo, reinterpret_cast<const void*>(at), page,
                                              nodes.get(), HWLOC_MEMBIND_BYNODESET);
    ++out[rc != 0 || hwloc_bitmap_iszero(nodes.get()) ? -1 : hwloc_bitmap_first(nodes.get())];
  }
  return out;
}

void migrate_to_plan(void* data, std::size_t bytes, std::size_t n,
                     const std::vector<data_block>& blocks) {
  if (data == nullptr || bytes == 0 || n == 0 || blocks.empty()) return;
  hwloc_topology_t topo = memory_topology("page migration");
  const std::size_t page = page_bytes();
  const auto base = reinterpret_cast<std::uintptr_t>(data);
  // Where index i's bytes begin; 128-bit, since i x bytes can pass 2^64 on a large machine.
  __extension__ using wide = unsigned __int128;
  const auto at = [&](std::size_t i) {
    return base + static_cast<std::uintptr_t>(static_cast<wide>(i) * bytes / n);
  };
  const bitmap node(hwloc_bitmap_alloc());
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    if (blocks[b].range.empty()) continue;
    const std::uintptr_t begin = at(blocks[b].range.begin) / page * page;
    const std::uintptr_t last = at(blocks[b].range.end);
    // The last block takes the data's last page, partial or not.
    const std::uintptr_t end =
        b + 1 == blocks.size() ? (last + page - 1) / page * page : last / page * page;
    if (end <= begin) continue;  // a block inside one page its neighbour owns
    hwloc_bitmap_only(node.get(), static_cast<unsigned>(blocks[b].node));
    if (hwloc_set_area_membind(topo, reinterpret_cast<const void*>(begin), end - begin, node.get(),
                               HWLOC_MEMBIND_BIND,
                               HWLOC_MEMBIND_MIGRATE | HWLOC_MEMBIND_BYNODESET) != 0)
      throw run_error("page migration: could not move block " + std::to_string(b) +
                      " to NUMA node " + std::to_string(blocks[b].node));
  }
}

void interleave_pages(void* data, std::size_t bytes) {
  if (data == nullptr || bytes == 0) return;
  hwloc_topology_t topo = memory_topology("page interleave");
  const std::size_t page = page_bytes();
  const auto begin = reinterpret_cast<std::uintptr_t>(data) / page * page;
  const std::uintptr_t end =
      (reinterpret_cast<std::uintptr_t>(data) + bytes + page - 1) / page * page;
  if (hwloc_set_area_membind(topo, reinterpret_cast<const void*>(begin), end - begin,
                             hwloc_topology_get_topology_nodeset(topo), HWLOC_MEMBIND_INTERLEAVE,
                             HWLOC_MEMBIND_MIGRATE | HWLOC_MEMBIND_BYNODESET) != 0)
    throw run_error("page interleave: could not spread the data over the NUMA nodes");
}

}  // namespace parlab::detail
