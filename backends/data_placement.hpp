#pragma once
// Where the pages of the data are, read back from the kernel (measured, never declared), and
// moving them to the nodes of a first-touch plan when the placement of the workers changes.
#include <cstddef>
#include <map>
#include <vector>

#include "backends/placement.hpp"

namespace parlab::detail {

// Node OS index -> pages of [data, data + bytes) resident there (hwloc_get_area_memlocation, page
// by page); -1 counts pages not yet touched. Above max_pages pages, that many evenly spaced pages
// are asked (a query per page costs a syscall): the counts are then of those.
inline constexpr std::size_t max_pages_asked = std::size_t{1} << 16;
std::map<int, std::size_t> pages_per_node(const void* data, std::size_t bytes);

// Moves each block of an array of `bytes` bytes over an index space of n (block [b, e) is bytes
// [b bytes/n, e bytes/n)) to its node, pages already touched included (hwloc_set_area_membind
// with HWLOC_MEMBIND_MIGRATE): when a sweep changes the thread count or the placement, the data
// follows its workers without a free and a second first touch. A page two blocks share goes with
// the block its first byte is in. Throws run_error when the kernel refuses; a no-op move (one
// node) succeeds.
void migrate_to_plan(void* data, std::size_t bytes, std::size_t n,
                     const std::vector<data_block>& blocks);

// Spreads the pages of [data, data + bytes) round robin over every NUMA node of the machine
// (HWLOC_MEMBIND_INTERLEAVE, migrating those already touched): --numa interleave, for a run whose
// workers do not each read a block of their own, or to see what local placement is worth.
void interleave_pages(void* data, std::size_t bytes);

}  // namespace parlab::detail
