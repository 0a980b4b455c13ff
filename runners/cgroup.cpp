#include "runners/cgroup.hpp"

#include <fstream>
#include <string>
#include <vector>

namespace parlab::runner {
namespace {

std::optional<std::size_t> number_in(const std::string& path) {
  std::ifstream in(path);
  std::size_t v = 0;
  if (in >> v) return v;
  return std::nullopt;  // missing, unreadable or "max"
}

// The path of this process's group in the tree of `controller` ("" for the unified tree), from
// lines "ID:CONTROLLERS:PATH" of /proc/self/cgroup; nullopt when it is in none.
std::optional<std::string> group_path(std::string_view controller) {
  std::ifstream in("/proc/self/cgroup");
  for (std::string line; std::getline(in, line);) {
    const auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    const bool match = controller.empty()
                           ? controllers.empty()
                           : ("," + controllers + ",").find("," + std::string(controller) + ",") !=
                                 std::string::npos;
    if (match) return line.substr(b + 1);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::size_t> cgroup_value(std::string_view controller, std::string_view v2_file,
                                        std::string_view v1_file) {
  const std::string root = "/sys/fs/cgroup";
  std::vector<std::string> candidates;
  if (const auto path = group_path(""); path && *path != "/")
    candidates.push_back(root + *path + "/" + std::string(v2_file));
  candidates.push_back(root + "/" + std::string(v2_file));
  const std::string tree = root + "/" + std::string(controller);
  if (const auto path = group_path(controller); path && *path != "/")
    candidates.push_back(tree + *path + "/" + std::string(v1_file));
  candidates.push_back(tree + "/" + std::string(v1_file));
  for (const std::string& file : candidates)
    if (const auto v = number_in(file)) return v;
  return std::nullopt;
}

}  // namespace parlab::runner
