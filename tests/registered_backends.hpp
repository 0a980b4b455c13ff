#pragma once
// The registered backends a test runs on, chosen by their declared traits, never by name: a
// backend added later is held to the same claims without touching the tests.
#include <functional>
#include <string>
#include <vector>

#include "parlab/registry.hpp"

namespace parlab::testing {

// An event loop (async) runs only tasks whose items wait; a test of computation leaves it out.
inline bool computes(const backend_traits& t) { return !t.runs_only_waits; }

// The backends `keep` keeps, of those that compute, or of all with event_loops_too (a test of
// waits, which every backend runs).
inline std::vector<std::string> backend_names(
    const std::function<bool(const backend_traits&)>& keep =
        [](const backend_traits&) { return true; },
    bool event_loops_too = false) {
  std::vector<std::string> out;
  for (const backend* b : backends())
    if (keep(b->traits()) && (event_loops_too || computes(b->traits())))
      out.emplace_back(b->name());
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
