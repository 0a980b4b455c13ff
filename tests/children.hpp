#pragma once
// The tests' one look at what this process left behind: its children, zombies included, found in
// /proc. A sanitizer's symbolizer (llvm-symbolizer, addr2line), which TSan and ASan start as a
// child of the process the first time they symbolise a report or match a suppression, lives
// until the process exits and is not one of parlab's workers: it is left out.
#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace parlab::testing {

// Every child of this process as "pid (state)", state as proc(5) gives it (Z: a zombie).
inline std::vector<std::string> children_of_this_process() {
  std::vector<std::string> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return {"/proc cannot be read"};
  while (const dirent* entry = readdir(proc)) {
    const std::string name = entry->d_name;
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in("/proc/" + name + "/stat");
    std::string stat;
    std::getline(in, stat);
    const auto open = stat.find('(');
    const auto close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 4 >= stat.size())
      continue;
    if (std::strtol(stat.c_str() + close + 4, nullptr, 10) != getpid()) continue;
    const std::string comm = stat.substr(open + 1, close - open - 1);
    if (comm.starts_with("llvm-symbolizer") || comm == "addr2line") continue;
    found.push_back(name + " (" + stat.substr(close + 2, 1) + ")");
  }
  closedir(proc);
  return found;
}

inline bool no_child_left() { return children_of_this_process().empty(); }

}  // namespace parlab::testing
