#pragma once
#include <cstring>
#include <type_traits>

#include "parlab/backend.hpp"
#include "parlab/reduce_task.hpp"

namespace parlab {

template <class Partial>
struct reduce_result {
  Partial value;
  run_report report;
};

// Runs body over [0, n) on a backend and combines the partials: the typed entry point for a
// program that embeds the engine without writing a kernel class.
//   auto r = parlab::parallel_reduce(*parlab::find_backend("tbb"), {.threads = 8}, n, 0L,
//       [&](parlab::index_range r) { ... return partial; }, std::plus<>{});
template <class Partial, class Body, class Combine>
reduce_result<Partial> parallel_reduce(const backend& b, const run_options& options, std::size_t n,
                                       Partial identity, Body body, Combine combine) {
  static_assert(std::is_trivially_copyable_v<Partial>, "the partial must be trivially copyable");
  auto load = [](const void* p) {
    Partial v;
    std::memcpy(&v, p, sizeof v);
    return v;
  };
  reduce_task task;
  task.n = n;
  task.version = next_task_version();
  task.partial_size = sizeof(Partial);
  task.identity = [&](void* p) { std::memcpy(p, &identity, sizeof identity); };
  task.evaluate = [&](index_range r, void* p) {
    Partial v = body(r);
    std::memcpy(p, &v, sizeof v);
  };
  task.accumulate = [&](index_range r, void* p) {
    Partial v = combine(load(p), body(r));
    std::memcpy(p, &v, sizeof v);
  };
  task.combine = [&](void* into, const void* from) {
    Partial v = combine(load(into), load(from));
    std::memcpy(into, &v, sizeof v);
  };
  reduce_result<Partial> out{identity, {}};
  out.report = b.run(task, options, &out.value);
  return out;
}

}  // namespace parlab
