#include "runners/info_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "runners/units.hpp"

namespace parlab::runner {
namespace {

std::string text_of(const json& facts, const char* key) {
  const auto it = facts.find(key);
  if (it == facts.end()) return "unknown";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

void heading(std::string& out, std::string_view title) {
  out += fmt::format("\n{}\n{}\n", title, std::string(title.size(), '-'));
}

void line(std::string& out, std::string_view label, const std::string& value) {
  out += fmt::format("  {:<24}{}\n", label, value);
}

void machine_section(std::string& out, const json& facts, const detail::machine_shape& shape) {
  heading(out, "Machine");
  line(out, "Host", text_of(facts, "hostname") + ", " + text_of(facts, "kernel"));
  line(out, "CPU", text_of(facts, "cpu_model"));
  const double quota = facts.value("cgroup_cpu_quota", 0.0);
  line(out, "Usable CPUs",
       fmt::format("{} of {} hardware threads (limited by {}; affinity {}; cgroup quota {})",
                   text_of(facts, "usable_cpus"), text_of(facts, "hardware_threads"),
                   text_of(facts, "cpu_limit"), text_of(facts, "affinity"),
                   quota > 0 ? fmt::format("{:g} CPUs", quota) : "none"));
  line(out, "Frequency",
       "governor " + text_of(facts, "governor") + ", turbo " + text_of(facts, "turbo"));
  line(out, "Transparent huge pages", text_of(facts, "transparent_hugepages"));
  if (!shape.this_system)
    line(out, "Topology", "from HWLOC_SYNTHETIC or HWLOC_XMLFILE: not this machine's");
}

void thread_section(std::string& out, const detail::machine_shape& s) {
  heading(out, "Hardware thread topology");
  const auto packages = static_cast<std::size_t>(std::max(1, s.packages));
  const auto cores = static_cast<std::size_t>(std::max(1, s.cores));
  line(out, "Sockets", std::to_string(packages));
  line(out, "Cores", fmt::format("{} ({} per socket)", cores, cores / packages));
  line(out, "Hardware threads",
       fmt::format("{} ({} per core)", s.pus.size(), s.pus.size() / cores));
  std::map<int, std::vector<int>> pus_of;
  std::map<int, std::set<int>> cores_of, nodes_of;
  for (const detail::pu_place& p : s.pus) {
    pus_of[p.package].push_back(p.os_index);
    cores_of[p.package].insert(p.core);
    nodes_of[p.package].insert(p.node);
  }
  for (const auto& [package, pus] : pus_of) {
    const std::set<int>& c = cores_of[package];
    const std::set<int>& n = nodes_of[package];
    line(out, fmt::format("Socket {}", package),
         fmt::format("cores {}, hardware threads {}, NUMA {} {}",
                     number_ranges({c.begin(), c.end()}), number_ranges(pus),
                     n.size() == 1 ? "node" : "nodes", number_ranges({n.begin(), n.end()})));
  }
}

void cache_section(std::string& out, const detail::machine_shape& s) {
  heading(out, "Cache topology");
  if (s.caches.empty()) line(out, "(none)", "hwloc reports no caches");
  for (const detail::cache_level& c : s.caches) {
    const std::size_t cores = std::max(1, s.cores);
    const std::size_t sharing = c.count > 0 ? cores / static_cast<std::size_t>(c.count) : 0;
    line(out, fmt::format("Level {}", c.level),
         fmt::format("{}, {}, {} in all, {} B lines", bytes_text(c.size_bytes),
                     sharing <= 1 ? std::string("one per core")
                                  : "shared by " + plural(sharing, "core", "cores"),
                     c.count, c.line_bytes));
  }
}

void numa_section(std::string& out, const detail::machine_shape& s) {
  heading(out, "NUMA topology");
  line(out, "NUMA domains", std::to_string(s.nodes.size()));
  for (const detail::numa_node& n : s.nodes)
    line(out, fmt::format("Domain {}", n.os_index),
         fmt::format("hardware threads {}, memory {}", number_ranges(n.pus),
                     n.memory_bytes > 0 ? bytes_text(n.memory_bytes) : "unknown"));
}

void bandwidth_section(std::string& out, const json& facts) {
  heading(out, "Memory");
  const auto bw = facts.find("read_bandwidth");
  if (bw == facts.end()) {
    line(out, "Read bandwidth", "not probed (--no-probe)");
    return;
  }
  line(out, "Read bandwidth",
       fmt::format("{:.1f} GB/s, reading {} with {}", bw->value("gbs", 0.0),
                   bytes_text(bw->value("bytes", std::size_t{0})),
                   plural(bw->value("threads", 0U), "thread", "threads")));
}

void runtime_section(std::string& out, const json& facts) {
  heading(out, "Runtime and build");
  line(out, "TBB",
       text_of(facts, "tbb_version") + " (runtime " + text_of(facts, "tbb_runtime_version") + ")");
  line(out, "OpenMP",
       text_of(facts, "openmp_version") + ", omp_get_max_threads " +
           text_of(facts, "omp_max_threads"));
  std::string env;
  if (const auto e = facts.find("runtime_environment"); e != facts.end())
    for (const auto& [key, value] : e->items())
      env += (env.empty() ? "" : " ") + key + '=' + value.get<std::string>();
  line(out, "Environment", env.empty() ? "no OMP_, GOMP_, KMP_ or TBB_ variable" : env);
  line(out, "Process",
       fmt::format("pid {}, main thread {}, {} active", text_of(facts, "pid"),
                   text_of(facts, "main_thread_id"), text_of(facts, "active_threads")));
  line(out, "parlab",
       text_of(facts, "parlab_version") + " (" + text_of(facts, "git_revision") + "), " +
           text_of(facts, "build_type") + ", " + text_of(facts, "compiler") + ", flags" +
           text_of(facts, "flags"));
}

}  // namespace

std::string number_ranges(std::vector<int> numbers) {
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  std::string out;
  for (std::size_t i = 0; i < numbers.size();) {
    std::size_t j = i;
    while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1) ++j;
    out += (out.empty() ? "" : ",") + std::to_string(numbers[i]) +
           (j > i ? "-" + std::to_string(numbers[j]) : "");
    i = j + 1;
  }
  return out.empty() ? "none" : out;
}

std::string bytes_text(std::size_t bytes) {
  constexpr std::array<std::string_view, 5> units = {"B", "KiB", "MiB", "GiB", "TiB"};
  auto v = static_cast<double>(bytes);
  std::size_t u = 0;
  for (; v >= 1024 && u + 1 < units.size(); ++u) v /= 1024;
  return v == static_cast<double>(static_cast<std::size_t>(v))
             ? fmt::format("{} {}", static_cast<std::size_t>(v), units[u])
             : fmt::format("{:.1f} {}", v, units[u]);
}

std::string info_text(const json& facts, const detail::machine_shape& shape) {
  std::string out;
  machine_section(out, facts, shape);
  if (shape.known()) {
    thread_section(out, shape);
    cache_section(out, shape);
    numa_section(out, shape);
  } else {
    heading(out, "Topology");
    line(out, "unknown", shape.problem.empty() ? "hwloc found no CPU" : shape.problem);
  }
  bandwidth_section(out, facts);
  runtime_section(out, facts);
  return out.substr(1);  // no blank line before the first heading
}

}  // namespace parlab::runner
