#pragma once
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "parlab/huge_array.hpp"
#include "parlab/index_range.hpp"
#include "parlab/params.hpp"
#include "parlab/reduce_task.hpp"

namespace parlab {

struct verdict {
  bool ok = false;
  std::string detail;  // what was expected and what came back
  // What a verified result teaches, printed as the lesson and not as a failure: the unsafe
  // counter's lost updates, a process's increments its parent never sees. Empty for most.
  std::string lesson = {};
  // A verified result that is wrong by design says how, in a few words the table shows in place
  // of "yes": the unsafe counter's "raced: lost 1200", a process's "isolated: saw 0 of 4000".
  std::string status = {};
};

// A field a kernel adds to its records (the counter's final, lost_updates ...). The table, CSV
// and JSON reporters show any of them without a change per kernel. A failed record carries the
// same names with no value (monostate: null in JSON, empty in CSV), so columns stay aligned.
struct record_field {
  std::string name;
  std::variant<std::monostate, std::int64_t, double, bool, std::string> value;
};

// What the runner measured of a kernel's timed runs, for the kernel's own record fields.
struct run_summary {
  double median_s = 0;
  unsigned workers_seen = 0;  // the fewest of any run
};

// What a kernel's work is: a lesson is about the difference.
enum class work_kind { compute, memory_stream, waits, waits_and_compute, contention, none };
std::string_view to_string(work_kind w);

// What a kernel is, declared by the kernel itself, as backends declare backend_traits.
struct kernel_traits {
  work_kind work = work_kind::compute;
  // Its workers should start together, so that their work overlaps (a race shows only then):
  // the runner asks backends for run_options::start_together.
  bool start_together = false;
  // Its workers wait on one another (roles of a pipeline), so every one must run at once: only
  // a backend whose traits promise concurrency can run it, and the runner refuses the others.
  bool needs_concurrency = false;
};

// What a kernel's memory grows with: `bytes_per_unit` bytes for each unit of the parameter
// `param` (sum's 8 bytes an element, io's prepared and in-flight bytes a task). The runner checks
// it against what the process can get before anything is allocated.
struct memory_cost {
  std::string param;  // "" when the kernel's memory does not grow with a parameter
  double bytes_per_unit = 0;
};

// What one run of the kernel moves or does, for throughput: GB/s, Gelem/s, tasks/s.
struct work_amount {
  double bytes = 0;
  double elements = 0;
  double tasks = 0;
  // The bytes stream from memory as fast as the loop goes (sum at intensity 0): its GB/s is
  // then worth comparing with the machine's read bandwidth.
  bool streams_memory = false;
};

// What a kernel computes. It prepares its data once per parameter set, exposes the work as a
// reduce_task, and verifies the combined result. It knows nothing of backends.
class kernel {
 public:
  virtual ~kernel() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  [[nodiscard]] virtual std::string_view description() const = 0;
  [[nodiscard]] virtual std::vector<param_spec> params() const = 0;
  [[nodiscard]] virtual kernel_traits traits() const { return {}; }

  // Allocates and fills the data for these values (defaults already filled in).
  virtual void prepare(const param_values& values) = 0;
  // The length of the index space these values make, known before anything is allocated, so
  // that a process can prepare only the part of it it owns (backend::owned: a rank's block under
  // MPI, all of it on one machine); 0 for a kernel whose work does not split by index (roles).
  [[nodiscard]] virtual std::size_t index_space(const param_values& /*values*/) const { return 0; }
  // Prepares only [owned.begin, owned.end) of index_space(values): the task then runs that slice
  // and verify() checks the slice's partial; the data of index i depends on i alone, so any slice
  // is reproducible and the slices' partials combine into the whole's. The whole space is
  // prepare(values); a kernel that does not split refuses any other (usage_error).
  virtual void prepare_slice(const param_values& values, index_range owned);
  // The values that identify what ran, once prepared: with any parameter the kernel derives in
  // prepare filled in (pipeline calibrates --cpu-rounds from --cpu). Records describe these.
  [[nodiscard]] virtual param_values resolved(const param_values& given) const { return given; }
  // Why `workers` workers cannot run the kernel with these values, as what is accepted ("at least
  // 2 workers"); "" when they can. The runner asks before any work, for every thread count.
  [[nodiscard]] virtual std::string worker_problem(const param_values& /*values*/,
                                                   unsigned /*workers*/) const {
    return {};
  }
  [[nodiscard]] virtual reduce_task task() const = 0;
  // Its items wait without holding a thread (waits_kernel), so an event loop can run them.
  [[nodiscard]] virtual bool has_waiting_items() const { return false; }
  [[nodiscard]] virtual verdict verify(const void* partial) const = 0;
  [[nodiscard]] virtual work_amount work() const = 0;
  [[nodiscard]] virtual memory_cost memory() const { return {}; }
  // The best wall time this many workers could reach, when the kernel knows it (io does); 0 if not.
  [[nodiscard]] virtual double ideal_seconds(unsigned /*workers*/) const { return 0; }
  // The kernel's prepared data (data_arrays()) and how much of it huge pages really back,
  // measured when asked; {0, 0} for a kernel with no large data.
  [[nodiscard]] page_use pages() const {
    page_use all;
    for (const huge_array_base* a : data_arrays()) {
      const page_use p = a->pages();
      all.bytes += p.bytes;
      all.huge_bytes += p.huge_bytes;
    }
    return all;
  }
  // The kernel's own fields for the record of a verified result.
  [[nodiscard]] virtual std::vector<record_field> record_fields(const void* /*partial*/,
                                                                const run_summary&) const {
    return {};
  }
  // The arrays that hold the prepared data, for a program that manages them: one that forks
  // children of its own which never read them can mark them huge_array::inherit_on_fork(false)
  // meanwhile. Each spans the prepared index space in proportion (index i at i x bytes / n): the
  // runner moves each worker's block of it to its node and reads back where its pages are
  // (docs/RUNNER.md, "NUMA placement"). Empty for a kernel with no large data.
  [[nodiscard]] virtual std::vector<const huge_array_base*> data_arrays() const { return {}; }
};

// Throws usage_error unless `owned` lies within [0, n): for a kernel's prepare_slice.
void check_slice(index_range owned, std::size_t n);

namespace detail {

// What both typed shapes share: the partial's type, its identity, combine and check.
template <class Partial>
class typed_partial : public kernel {
  static_assert(std::is_trivially_copyable_v<Partial>,
                "a partial crosses process boundaries in the fork backend: it must be trivially "
                "copyable");

 public:
  [[nodiscard]] virtual Partial identity() const { return Partial{}; }
  [[nodiscard]] virtual Partial combine(const Partial& a, const Partial& b) const = 0;
  [[nodiscard]] virtual verdict check(const Partial& result) const = 0;
  // The check of the combined partial of every slice of the index space (reduce_task::
  // check_whole), where the kernel can make it from the parameters alone; nullopt if not.
  [[nodiscard]] virtual std::optional<verdict> check_whole(const Partial& /*whole*/) const {
    return std::nullopt;
  }
  // Wakes workers blocked on the kernel's own primitives when another worker failed.
  virtual void cancel_run() const {}
  [[nodiscard]] virtual std::vector<record_field> fields(const Partial& /*result*/,
                                                         const run_summary&) const {
    return {};
  }
  [[nodiscard]] verdict verify(const void* partial) const final { return check(load(partial)); }
  [[nodiscard]] std::vector<record_field> record_fields(const void* partial,
                                                        const run_summary& runs) const final {
    return fields(load(partial), runs);
  }

 protected:
  [[nodiscard]] reduce_task erased() const {
    reduce_task t;
    t.version = next_task_version();
    t.partial_size = sizeof(Partial);
    t.cancel = [this] { cancel_run(); };
    t.check = [this](const void* p) {
      verdict v = verify(p);
      return v.ok ? std::string() : std::move(v.detail);
    };
    t.check_whole = [this](const void* p) -> std::optional<std::string> {
      std::optional<verdict> v = check_whole(load(p));
      if (!v) return std::nullopt;
      return v->ok ? std::string() : std::move(v->detail);
    };
    t.identity = [this](void* p) { store(p, identity()); };
    t.combine = [this](void* into, const void* from) {
      store(into, combine(load(into), load(from)));
    };
    return t;
  }
  static Partial load(const void* p) {
    Partial v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  static void store(void* p, const Partial& v) { std::memcpy(p, &v, sizeof v); }
};

}  // namespace detail

// The typed way to write a reduction: a body over a sub-range returning a trivially copyable
// Partial, a combine, an identity and a check. typed_kernel erases the types for backends.
template <class Partial>
class typed_kernel : public detail::typed_partial<Partial> {
 public:
  [[nodiscard]] virtual Partial body(index_range range) const = 0;
  // Per-run state (a shared counter) set afresh before every run, without preparing again.
  virtual void reset_run() const {}

  [[nodiscard]] reduce_task task() const final {
    using base = detail::typed_partial<Partial>;
    reduce_task t = base::erased();
    t.n = task_size();
    t.reset = [this](const role_split&) { reset_run(); };
    t.evaluate = [this](index_range r, void* p) { base::store(p, body(r)); };
    t.accumulate = [this](index_range r, void* p) {
      base::store(p, this->combine(base::load(p), body(r)));
    };
    return t;
  }

 protected:
  // The length of the index space the body runs over.
  [[nodiscard]] virtual std::size_t task_size() const = 0;
};

// The typed way to write work of concurrent roles: one role per worker, every role running at
// once (producers and consumers of a queue), each returning its Partial. split() divides a run's
// workers into two stages; a runner may instead put each stage on a backend of its own
// (staged_run). Roles that wait on one another declare kernel_traits::needs_concurrency.
template <class Partial>
class role_kernel : public detail::typed_partial<Partial> {
 public:
  [[nodiscard]] virtual role_split split(unsigned workers) const { return {workers, 0}; }
  [[nodiscard]] virtual Partial role(unsigned index, const role_split& split) const = 0;
  // Per-run state (queues, barriers sized for this split) set afresh before every run.
  virtual void reset_run(const role_split& /*split*/) const {}

  [[nodiscard]] reduce_task task() const final {
    using base = detail::typed_partial<Partial>;
    reduce_task t = base::erased();
    t.reset = [this](const role_split& s) { reset_run(s); };
    t.split = [this](unsigned workers) { return split(workers); };
    t.role = [this](unsigned r, const role_split& s, void* p) { base::store(p, role(r, s)); };
    return t;
  }
};

}  // namespace parlab
