#include "runners/machine.hpp"

#include <omp.h>
#include <oneapi/tbb/version.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "backends/pinning.hpp"
#include "backends/topology.hpp"
#include "runners/bandwidth.hpp"

extern char** environ;

namespace parlab::runner {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

// The active choice of a sysfs "a [b] c" setting, such as transparent_hugepage/enabled.
std::string bracketed(const std::string& line) {
  const auto open = line.find('['), close = line.find(']');
  return open == std::string::npos || close == std::string::npos
             ? line
             : line.substr(open + 1, close - open - 1);
}

std::string turbo_state() {
  if (const std::string v = read_first_line("/sys/devices/system/cpu/intel_pstate/no_turbo");
      !v.empty())
    return v == "0" ? "on" : "off";
  if (const std::string v = read_first_line("/sys/devices/system/cpu/cpufreq/boost"); !v.empty())
    return v == "1" ? "on" : "off";
  return "unknown";
}

// cgroup v2 cpu.max of this process's cgroup: "max 100000" or "150000 100000".
double cgroup_quota() {
  const std::string cg = read_first_line("/proc/self/cgroup");  // "0::/path"
  const auto colon = cg.rfind(':');
  if (colon == std::string::npos) return 0;
  std::istringstream in(read_first_line("/sys/fs/cgroup" + cg.substr(colon + 1) + "/cpu.max"));
  std::string quota;
  double period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return 0;
  return std::stod(quota) / period;
}

json runtime_environment() {
  json env = json::object();
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    const std::string key = kv.substr(0, kv.find('='));
    if (key.rfind("OMP_", 0) == 0 || key.rfind("GOMP_", 0) == 0 || key.rfind("KMP_", 0) == 0 ||
        key.rfind("TBB_", 0) == 0)
      env[key] = kv.substr(kv.find('=') + 1);
  }
  return env;
}

json topology_facts() {
  const detail::machine_shape& shape = detail::process_shape();
  if (!shape.known()) return json::object();
  json caches = json::array();
  for (const detail::cache_level& c : shape.caches)
    caches.push_back({{"level", c.level},
                      {"size_bytes", c.size_bytes},
                      {"line_bytes", c.line_bytes},
                      {"count", c.count}});
  return {{"packages", shape.packages},
          {"numa_nodes", shape.nodes.size()},
          {"cores", shape.cores},
          {"pus", shape.pus.size()},
          {"caches", caches}};
}

// The sum of every last-level cache (L3 where there is one, else L2).
std::size_t last_level_cache_bytes() {
  const std::vector<detail::cache_level>& caches = detail::process_shape().caches;
  for (int level : {3, 2})
    for (const detail::cache_level& c : caches)
      if (c.level == level && c.size_bytes > 0)
        return c.size_bytes * static_cast<std::size_t>(c.count);
  return 0;
}

unsigned active_threads() {
  std::error_code ec;
  unsigned n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task", ec))
    ++n;
  return n;
}

}  // namespace

cpu_allowance usable_cpus() {
  cpu_allowance a;
  a.online = std::max(1U, std::thread::hardware_concurrency());
  a.affinity = std::max<unsigned>(1, static_cast<unsigned>(detail::allowed_cpus().size()));
  a.cgroup_quota = cgroup_quota();
  a.cpus = a.affinity;
  a.limited_by = a.affinity < a.online ? "affinity" : "none";
  if (a.cgroup_quota > 0) {
    const auto quota_cpus = static_cast<unsigned>(std::max(1.0, std::ceil(a.cgroup_quota)));
    if (quota_cpus < a.cpus) {
      a.cpus = quota_cpus;
      a.limited_by = "cgroup";
    }
  }
  return a;
}

json read_bandwidth_facts() {
  const std::size_t memory = static_cast<std::size_t>(sysconf(_SC_PHYS_PAGES)) *
                             static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t bytes =
      std::min(std::max<std::size_t>(std::size_t{512} << 20, 4 * last_level_cache_bytes()),
               std::max<std::size_t>(memory / 4, std::size_t{64} << 20));
  const unsigned threads = usable_cpus().cpus;
  return {{"gbs", measure_read_bandwidth(bytes, threads)}, {"bytes", bytes}, {"threads", threads}};
}

json machine_facts() {
  utsname u{};
  uname(&u);
  const cpu_allowance cpus = usable_cpus();
  std::string affinity;
  for (int c : detail::allowed_cpus())
    affinity += (affinity.empty() ? "" : ",") + std::to_string(c);
  const std::string governor =
      read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  return {
      {"hostname", u.nodename},
      {"kernel", std::string(u.sysname) + " " + u.release},
      {"cpu_model", cpu_model()},
      {"hardware_threads", cpus.online},
      {"usable_cpus", cpus.cpus},
      {"cpu_limit", cpus.limited_by},
      {"affinity", affinity},
      {"cgroup_cpu_quota", cpus.cgroup_quota},
      {"topology", topology_facts()},
      {"governor", governor.empty() ? "unknown" : governor},
      {"turbo", turbo_state()},
      {"transparent_hugepages",
       bracketed(read_first_line("/sys/kernel/mm/transparent_hugepage/enabled"))},
      {"pid", getpid()},
      {"main_thread_id", static_cast<long>(syscall(SYS_gettid))},
      {"active_threads", active_threads()},
      {"tbb_version", TBB_VERSION_STRING},
      {"tbb_runtime_version", TBB_runtime_version()},
      {"openmp_version", _OPENMP},
      {"omp_max_threads", omp_get_max_threads()},
      {"runtime_environment", runtime_environment()},
      {"build_type", PARLAB_BUILD_TYPE},
      {"compiler", PARLAB_COMPILER},
      {"flags", PARLAB_CXX_FLAGS},
      {"parlab_version", PARLAB_VERSION},
      {"git_revision", PARLAB_GIT_REVISION},
  };
}

}  // namespace parlab::runner
