// The mpi backend family: `mpi` runs each rank's block of the index space on one worker,
// `mpi+BACKEND` on that backend with -t workers; partials meet in an MPI_Reduce. Each rank owns
// a contiguous block (owned), which the runner has the kernel prepare alone, and checks its own
// partial before the reduce: a wrong or failed slice ends the job at once, naming its rank.
#include "parlab/mpi.hpp"

#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backends/chunking.hpp"
#include "parlab/error.hpp"

namespace parlab {
namespace {

// MPI for this process, initialised at the first use of an mpi backend and finalised at exit.
// Only the thread that runs the backend calls MPI (the inner backend's workers never do), so
// MPI_THREAD_FUNNELED is all it asks for, whatever the inner backend.
class world {
 public:
  static const world& get() {
    static const world w;
    return w;
  }
  world(const world&) = delete;
  world& operator=(const world&) = delete;
  ~world() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized == 0) MPI_Finalize();
  }
  int rank = 0, size = 1;

 private:
  world() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (provided < MPI_THREAD_FUNNELED) {  // a hybrid's inner workers would then be unsafe
      std::fprintf(stderr,
                   "parlab: rank %d of %d failed: this MPI gives thread level %d, below "
                   "MPI_THREAD_FUNNELED\n",
                   rank, size, provided);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }
};

// A rank that cannot go on ends the whole job, or the others would wait in a collective forever.
[[noreturn]] void fail(const world& w, const std::string& why) {
  std::fprintf(stderr, "parlab: rank %d of %d failed: %s\n", w.rank, w.size, why.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);
}

// MPI's user operation is a plain function: the task being reduced is handed to it here.
thread_local const reduce_task* reducing = nullptr;
void combine_partials(void* in, void* inout, int* count, MPI_Datatype*) {
  const std::size_t bytes = reducing->partial_size;
  for (int i = 0; i < *count; ++i)
    reducing->combine(static_cast<std::byte*>(inout) + i * bytes,
                      static_cast<const std::byte*>(in) + i * bytes);
}

// Every rank's partial combined on rank 0 through the kernel's own combine: a commutative user
// operation over one element of a contiguous type of the partial's size (an operation over
// MPI_BYTE may be handed pieces of a partial). Rank 0 gets the whole; the others, nothing useful.
std::vector<std::byte> reduce(const reduce_task& task, const void* partial) {
  MPI_Datatype type;
  MPI_Type_contiguous(static_cast<int>(task.partial_size), MPI_BYTE, &type);
  MPI_Type_commit(&type);
  MPI_Op op;
  MPI_Op_create(&combine_partials, 1, &op);
  reducing = &task;
  std::vector<std::byte> whole(task.partial_size);
  MPI_Reduce(partial, whole.data(), 1, type, op, 0, MPI_COMM_WORLD);
  MPI_Op_free(&op);
  MPI_Type_free(&type);
  return whole;
}

class ranks final : public backend {
 public:
  explicit ranks(const backend* inner)
      : inner_(inner),
        name_(inner ? "mpi+" + std::string(inner->name()) : "mpi"),
        description_(inner ? "MPI ranks, each its block on " + std::string(inner->name()) +
                                 " with -t workers"
                           : "MPI ranks, each its block on one worker; mpi+BACKEND runs more") {}
  std::string_view name() const override { return name_; }
  std::string_view description() const override { return description_; }
  backend_traits traits() const override {
    if (inner_ == nullptr)
      return {.uses_thread_count = true,
              .shares_memory = false,
              .promises_concurrency = false,
              .worker = worker_kind::process,
              .max_workers = 1,
              .runs_as_ranks = true,
              .baseline = ""};
    backend_traits t = inner_->traits();
    t.shares_memory = false;  // ranks are processes, each with its own block
    t.baseline = "";
    t.runs_as_ranks = true;
    return t;
  }
  index_range owned(std::size_t n) const override {
    const world& w = world::get();
    return detail::static_block(n, static_cast<unsigned>(w.size), static_cast<unsigned>(w.rank));
  }
  bool reports() const override { return world::get().rank == 0; }
  void failed_outside_run(const std::string& why) const override { fail(world::get(), why); }

 protected:
  run_report execute(const reduce_task& task, const run_options& options,
                     void* result) const override;

 private:
  const backend* inner_;
  std::string name_, description_;
};

// A rep as a hand-written MPI program times one: barrier, clock, run, reduce, the slowest rank's
// span (timed_s), so that a rank which reached the barrier early does not count its wait. A rank
// checks its own partial before the reduce, so a wrong block is reported by the rank that ran it.
// The result stays this rank's own partial; rank 0 checks the reduced whole against the whole
// index space where the kernel can (reduce_task::check_whole), after every rank has passed its
// own check, so that a partial the reduce lost or doubled fails the job.
run_report ranks::execute(const reduce_task& task, const run_options& options, void* result) const {
  const world& w = world::get();
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  run_report report;
  double own_s = 0;
  try {
    report = inner_ ? inner_->run(task, options, result)
                    : reference_backend().run(task, options, result);
    own_s = MPI_Wtime() - start;
    if (task.check)
      if (const std::string wrong = task.check(result); !wrong.empty())
        throw run_error("wrong result for its block: " + wrong);
  } catch (const std::exception& e) {
    fail(w, e.what());
  }
  const std::vector<std::byte> whole = reduce(task, result);
  const double span_s = MPI_Wtime() - start;
  // One collective for three figures (every rank leaves it together): the fastest and slowest
  // rank's own run of its block (the imbalance) and the slowest span, the rep's time.
  const double mine[3] = {-own_s, own_s, span_s};
  double most[3] = {};
  MPI_Allreduce(mine, most, 3, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  if (w.rank == 0 && task.check_whole)
    if (const auto wrong = task.check_whole(whole.data()); wrong && !wrong->empty())
      fail(w, "the reduction of every rank's partial is wrong: " + *wrong);
  report.rank_time_min_s = -most[0];
  report.rank_time_max_s = most[1];
  report.timed_s = most[2];
  report.ranks = static_cast<unsigned>(w.size);
  return report;
}

}  // namespace

backend_family mpi_family() {
  return {"mpi", "MPI ranks over BACKEND: mpi+omp, mpi+tbb, mpi+threads ... (mpirun or srun)",
          [](const backend* inner) -> const backend& {
            static std::mutex m;
            static std::map<const backend*, std::unique_ptr<ranks>> made;
            if (inner != nullptr && inner->name().starts_with("mpi"))
              throw usage_error("an mpi backend over another (" + std::string(inner->name()) +
                                "): ranks run one inner backend each");
            const std::lock_guard lock(m);
            auto& slot = made[inner];
            if (!slot) slot = std::make_unique<ranks>(inner);
            return *slot;
          }};
}

}  // namespace parlab
