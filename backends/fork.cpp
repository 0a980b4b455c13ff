#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "backends/chunking.hpp"
#include "backends/partial_slots.hpp"
#include "backends/pinning.hpp"
#include "parlab/backend.hpp"
#include "parlab/error.hpp"

namespace parlab {
namespace {

// What a child tells its parent besides its partial: why it failed, if it did.
struct child_report {
  char message[448];
};
constexpr int child_failed = 3;

// A MAP_SHARED anonymous mapping: the only memory parent and children both write.
class shared_mapping {
 public:
  explicit shared_mapping(std::size_t bytes) : bytes_(bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw run_error(std::string("fork: mmap of shared slots failed: ") + std::strerror(errno));
    data_ = static_cast<std::byte*>(p);
  }
  ~shared_mapping() { munmap(data_, bytes_); }
  shared_mapping(const shared_mapping&) = delete;
  shared_mapping& operator=(const shared_mapping&) = delete;
  std::byte* data() const { return data_; }

 private:
  std::size_t bytes_;
  std::byte* data_ = nullptr;
};

// Every child forked is reaped, whatever happens: on the error paths the survivors are killed
// first, so no run leaves a process behind.
class children {
 public:
  ~children() {
    for (pid_t pid : pids_) kill(pid, SIGKILL);
    wait_all();
  }
  void add(pid_t pid) { pids_.push_back(pid); statuses_.push_back(0); }
  // Blocks until each child has exited; returns their wait statuses in fork order.
  const std::vector<int>& wait_all() {
    for (std::size_t i = 0; i < pids_.size(); ++i) {
      while (waitpid(pids_[i], &statuses_[i], 0) < 0 && errno == EINTR) {
      }
    }
    pids_.clear();
    return statuses_;
  }

 private:
  std::vector<pid_t> pids_;
  std::vector<int> statuses_;
};

std::string describe_failure(unsigned w, int status, const child_report& report) {
  const std::string who = "fork worker " + std::to_string(w);
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return who + " was killed by signal SIG" + (abbrev ? abbrev : std::to_string(sig)) + " (" +
           strsignal(sig) + ")";
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == child_failed)
    return who + ": " + std::string(report.message, strnlen(report.message, sizeof report.message));
  return who + " exited with status " + std::to_string(WEXITSTATUS(status));
}

// N child processes forked for every run. Children read the kernel's data where it lies (the
// parent's private huge-page mapping, shared copy-on-write and never written), claim chunks
// from a cursor in a MAP_SHARED mapping and leave their partials beside it. PITFALLS.md: a
// child of a multi-threaded parent runs plain loops only (no TBB, no OpenMP, no iostream) and
// leaves with _exit().
class fork_processes final : public backend {
 public:
  std::string_view name() const override { return "fork"; }
  std::string_view description() const override {
    return "N processes fork()ed per run; partials through a MAP_SHARED mapping";
  }

 protected:
  run_report execute(const reduce_task& task, const run_options& options,
                     void* result) const override {
    const unsigned n_workers = options.threads;
    const std::size_t grain = effective_grain(task.n, n_workers, options.sched, options.grain);
    const std::size_t reports_at = sizeof(detail::chunk_cursor);
    const std::size_t slots_at =
        (reports_at + n_workers * sizeof(child_report) + partial_slots_align - 1) /
        partial_slots_align * partial_slots_align;
    shared_mapping shared(slots_at + detail::partial_slots::bytes_needed(task.partial_size, n_workers));
    auto* cursor = new (shared.data()) detail::chunk_cursor;
    auto* reports = reinterpret_cast<child_report*>(shared.data() + reports_at);
    detail::partial_slots slots(task, n_workers, shared.data() + slots_at);
    const detail::pinning pins(options.pin, n_workers);

    children kids;
    for (unsigned w = 0; w < n_workers; ++w) {
      const pid_t pid = fork();
      if (pid < 0) {
        cursor->cancelled = true;
        throw run_error("fork: could not create worker " + std::to_string(w) + " of " +
                        std::to_string(n_workers) + ": " + std::strerror(errno));
      }
      if (pid == 0) child_main(task, options, grain, w, *cursor, slots, reports[w], pins);
      kids.add(pid);
    }
    const std::vector<int>& statuses = kids.wait_all();
    for (unsigned w = 0; w < n_workers; ++w) {
      if (WIFEXITED(statuses[w]) && WEXITSTATUS(statuses[w]) == 0) continue;
      throw run_error(describe_failure(w, statuses[w], reports[w]));
    }
    return {slots.combine_into(result), pins.describe()};
  }

 private:
  static constexpr std::size_t partial_slots_align = 64;

  [[noreturn]] static void child_main(const reduce_task& task, const run_options& options,
                                      std::size_t grain, unsigned w, detail::chunk_cursor& cursor,
                                      const detail::partial_slots& slots, child_report& report,
                                      const detail::pinning& pins) {
    int code = 0;
    try {
      pins.pin_this_thread(w);
      detail::for_each_chunk(task.n, options.threads, w, options.sched, grain, cursor,
                             [&](index_range r) {
                               slots.mark_ran(w);
                               task.accumulate(r, slots.partial(w));
                             });
    } catch (const std::exception& e) {
      std::strncpy(report.message, e.what(), sizeof report.message - 1);
      code = child_failed;
    } catch (...) {
      std::strncpy(report.message, "the body threw an exception of unknown type",
                   sizeof report.message - 1);
      code = child_failed;
    }
    if (code != 0) cursor.cancelled = true;
    _exit(code);
  }
};

}  // namespace

const backend& fork_backend() {
  static const fork_processes instance;
  return instance;
}

}  // namespace parlab
