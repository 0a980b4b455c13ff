#pragma once
// This process's control group, version 2 (the unified tree) or version 1 (a tree per
// controller, as on hybrid hosts): limits the runner must respect before it allocates or starts
// workers. One reader, for memory and for tasks alike.
#include <cstddef>
#include <optional>
#include <string_view>

namespace parlab::runner {

// A number from this process's cgroup: `v2_file` (memory.max, pids.max) in its unified group,
// else `v1_file` (memory.limit_in_bytes, pids.max) in its group of `controller`; each looked up
// at the process's own path (/proc/self/cgroup) and at the mount's root (a cgroup namespace
// shows the process's group there). nullopt when none can be read or it says "max".
std::optional<std::size_t> cgroup_value(std::string_view controller, std::string_view v2_file,
                                        std::string_view v1_file);

}  // namespace parlab::runner
