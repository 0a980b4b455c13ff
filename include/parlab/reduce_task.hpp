#pragma once
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>

#include "parlab/index_range.hpp"

namespace parlab {

class item_sink;  // parlab/waiting.hpp

// How the roles of a task of roles divide into its two stages: roles [0, first) run the first
// (producers), roles [first, first + second) the second (consumers). second == 0: one stage.
struct role_split {
  unsigned first = 0;
  unsigned second = 0;
  [[nodiscard]] unsigned total() const { return first + second; }
};

// A reduction over [0, n) with its partial result erased to bytes, so that a backend can run
// any kernel without knowing its types, and a fork backend can copy partials between processes.
// The partial is trivially copyable; combine must be associative and commutative, because
// dynamic schedules hand chunks to workers in no fixed order.
struct reduce_task {
  std::size_t n = 0;
  // A process-unique id of this task (next_task_version()), or 0. Backends that keep state
  // between runs, such as forkpool's processes forked with the data in place, reuse it only
  // while the version is unchanged. A task is valid until its kernel is prepared again.
  std::uint64_t version = 0;
  std::size_t partial_size = 0;  // bytes
  // Optional: sets per-run state afresh (a shared counter, a queue), called by backend::run
  // before every run in the caller's process; a reduction's split is {workers, 0}.
  std::function<void(const role_split&)> reset;
  // Optional: wakes every worker blocked on the kernel's own primitives (poisons its queue),
  // called once by the backend, in the failing worker's process, when any worker fails.
  std::function<void()> cancel;
  // Set for a task of roles (role_kernel) instead of an index space: one role per worker, all
  // running at once, role(index, split, partial). backend::run runs worker w as role w. split
  // says how `workers` divide into the two stages; unset means {workers, 0}.
  std::function<void(unsigned role, const role_split& split, void* partial)> role;
  std::function<role_split(unsigned workers)> split;
  std::function<void(void* partial)> identity;
  // partial = body(range): a worker's first chunk, which has nothing to combine with yet. It
  // spares every run the identity and combine calls that identity-then-accumulate would cost.
  std::function<void(index_range range, void* partial)> evaluate;
  // partial = combine(partial, body(range))
  std::function<void(index_range range, void* partial)> accumulate;
  // Set for a task whose items may wait without holding a thread (waits_kernel): starts item i
  // as a coroutine that began at `start`; it runs to its first wait, and delivers its partial
  // (or its error) to the sink when it ends. An event loop runs these; every other backend runs
  // evaluate and accumulate, which carry the same items out blocking.
  std::function<void(std::size_t i, const timespec& start, item_sink& sink)> start_item;
  // Optional: the kernel's check of a partial of this task, "" when right, else what is wrong;
  // for a backend that must check a process's partial before combining it with others (mpi).
  std::function<std::string(const void* partial)> check;
  // Optional: the check of the combination of every process's partial against the whole index
  // space, which this process holds only a slice of; nullopt when the kernel cannot make it
  // without the others' data (sum's scalar reference), else "" when right or what is wrong. The
  // mpi backend's rank 0 applies it to the reduced whole, so that a reduce that lost or doubled
  // a rank's partial is caught though every rank's own check passed.
  std::function<std::optional<std::string>(const void* whole)> check_whole;
  // into = combine(into, from)
  std::function<void(void* into, const void* from)> combine;
};

// A fresh, never-zero task version.
std::uint64_t next_task_version();

}  // namespace parlab
