#pragma once
// `parlab info` for a person: the machine, its sockets, cores and hardware threads, caches, NUMA
// domains and read bandwidth in sections, as likwid-topology prints them. `--json` prints the
// facts themselves.
#include <string>
#include <vector>

#include "backends/topology.hpp"
#include "runners/reporter.hpp"

namespace parlab::runner {

// facts: machine_facts(), with "read_bandwidth" when probed; shape: the topology they were read
// from (detail::process_shape()), which carries what facts summarise as counts.
std::string info_text(const json& facts, const detail::machine_shape& shape);

// "0-31,128-159": numbers (CPUs, cores) as ranges, in increasing order; "none" when empty.
std::string number_ranges(std::vector<int> numbers);

// "48 KiB", "1.5 GiB": binary units, as cache and memory sizes are quoted.
std::string bytes_text(std::size_t bytes);

}  // namespace parlab::runner
