#pragma once
// The registered backends a test runs on, chosen by their declared traits, never by name: a
// backend added later is held to the same claims without touching the tests.
#include <functional>
#include <string>
#include <vector>

#include "parlab/registry.hpp"

namespace parlab::testing {

inline std::vector<std::string> backend_names(
    const std::function<bool(const backend_traits&)>& keep = [](const backend_traits&) {
      return true;
    }) {
  std::vector<std::string> out;
  for (const backend* b : backends())
    if (keep(b->traits())) out.emplace_back(b->name());
  return out;
}

inline bool uses_threads(const backend_traits& t) { return t.uses_thread_count; }
inline bool shares_memory(const backend_traits& t) { return t.shares_memory; }
// The backends that can run a task of roles: every worker at once.
inline std::vector<std::string> promising() {
  return backend_names([](const backend_traits& t) { return t.promises_concurrency; });
}
inline bool runs_processes(const backend_traits& t) { return t.worker == worker_kind::process; }

}  // namespace parlab::testing
