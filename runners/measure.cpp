#include "runners/measure.hpp"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "parlab/error.hpp"
#include "parlab/staged_run.hpp"
#include "runners/gil.hpp"
#include "runners/memory_use.hpp"
#include "runners/statistics.hpp"

namespace parlab::runner {

void poison(std::span<std::byte> result) { std::fill(result.begin(), result.end(), poison_byte); }

double ideal_seconds(const kernel& k, std::size_t in_flight) {
  return k.ideal_seconds(static_cast<unsigned>(
      std::min<std::size_t>(in_flight, std::numeric_limits<unsigned>::max())));
}

namespace {

struct timed_run {
  double seconds = 0;
  run_report report;
  verdict checked;
  memory_use memory;
};

// Arms a run's guard for its lifetime, outside the timed span.
class guarded {
 public:
  guarded(watchdog* guard, double seconds) : guard_(seconds > 0 ? guard : nullptr) {
    if (guard_ != nullptr) guard_->arm(seconds);
  }
  ~guarded() {
    if (guard_ != nullptr) guard_->disarm();
  }
  guarded(const guarded&) = delete;
  guarded& operator=(const guarded&) = delete;

 private:
  watchdog* guard_;
};

// One run, verified. Throws run_error on failure or a wrong result. The result is poisoned first,
// so a backend that failed to write it is caught instead of the previous run's answer
// verifying again.
timed_run run_once(const kernel& k, const std::function<run_report(void*)>& execute,
                   std::vector<std::byte>& result, watchdog* guard = nullptr, double guard_s = 0) {
  poison(result);
  memory_watch watch;
  std::optional<guarded> armed(std::in_place, guard, guard_s);
  const auto start = std::chrono::steady_clock::now();
  run_report report = execute(result.data());
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  armed.reset();
  const memory_use memory = watch.stop();
  const verdict v = k.verify(result.data());
  if (!v.ok) throw run_error("wrong result: " + v.detail);
  const double seconds = report.timed_s > 0 ? report.timed_s : took.count();
  return {seconds, std::move(report), v, memory};
}

}  // namespace

record unmeasured(const kernel& k, const std::string& params, const backend& b,
                  const measure_options& options, std::string detail) {
  record r;
  r.kernel = std::string(k.name());
  r.backend = std::string(b.name());
  r.uses_thread_count = b.traits().uses_thread_count;
  r.threads = r.uses_thread_count ? options.run.threads : 1;
  r.total_workers = r.threads;
  r.cores = options.cores;
  r.cpu_limit = options.cpu_limit;
  r.oversubscribed = r.threads > options.cores;
  r.params = params;
  r.schedule = std::string(to_string(options.run.sched));
  r.numa = std::string(to_string(options.numa));
  r.unpinned_numa = r.uses_thread_count && unpinned_on_numa(options.run);
  r.reps = options.reps;
  r.detail = std::move(detail);
  return r;
}

namespace {

void summarize_into(record& r, const kernel& k, double read_bandwidth_gbs, double work_share) {
  // The fewest workers any rep ran on: a rep that ran on fewer than asked must show.
  if (!r.workers_seen_reps.empty())
    r.workers_seen = *std::min_element(r.workers_seen_reps.begin(), r.workers_seen_reps.end());
  const summary s = summarize(r.samples_s);
  r.median_s = s.median;
  r.min_s = s.min;
  r.max_s = s.max;
  r.stddev_s = s.stddev;
  r.cv = s.cv;
  r.noisy = r.samples_s.size() > 2 && s.robust_cv > noisy_cv;
  r.warmup_problem = r.samples_s.size() > 2 && r.samples_s.front() > warmup_ratio * s.median;
  r.ideal_s = ideal_seconds(k, r.in_flight);
  work_amount w = k.work();
  const bool slice = work_share > 0 && work_share < 1;  // a rank's: the job did the whole
  if (slice) {
    w.bytes /= work_share;
    w.elements /= work_share;
    w.tasks /= work_share;
  }
  if (s.median <= 0) return;
  r.gelem_per_s = w.elements / s.median / 1e9;
  // Bytes per second only where the bytes are what bounds the loop (a stream from memory): the
  // GB/s of a compute-bound sum would read as a bandwidth it never used.
  if (w.bytes > 0 && w.streams_memory) {
    r.throughput = w.bytes / s.median / 1e9;
    r.throughput_unit = "GB/s";
  } else if (w.tasks > 0) {
    r.throughput = w.tasks / s.median;
    r.throughput_unit = "tasks/s";
  } else if (w.elements > 0) {
    r.throughput = r.gelem_per_s;
    r.throughput_unit = "Gelem/s";
  }
  // Not for a rank's slice: the job read from every rank's cores, the probe ran on one rank's.
  if (w.streams_memory && read_bandwidth_gbs > 0 && !slice)
    r.bandwidth_fraction = r.throughput / read_bandwidth_gbs;
}

// The kernel's fields of a verified result; for a failed one the same names with no value, taken
// from the identity (always a valid partial), so that a CSV's columns stay aligned.
std::vector<record_field> kernel_fields(const kernel& k, const reduce_task& task, const record& r,
                                        std::vector<std::byte>& result) {
  if (r.verified) return k.record_fields(result.data(), {r.median_s, r.workers_seen});
  task.identity(result.data());
  std::vector<record_field> fields = k.record_fields(result.data(), {});
  for (record_field& f : fields) f.value = std::monostate{};
  return fields;
}

// The CPUs this process kept busy on average over an interval: its CPU time (every thread's)
// over the wall time. A machine busy with other work can only lower it, never raise it.
class busy_cpus_meter {
 public:
  busy_cpus_meter() : cpu_(cpu_now()), wall_(std::chrono::steady_clock::now()) {}
  [[nodiscard]] double busy_cpus() const {
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_).count();
    return wall > 0 ? (cpu_now() - cpu_) / wall : 0;
  }

 private:
  static double cpu_now() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
  }
  double cpu_;
  std::chrono::steady_clock::time_point wall_;
};

// gil: "held" when chunks ran under this process's lock; "per-process" when none did, since the
// workers were processes, each with its own copy of the lock (their switches are theirs).
// Switches and waits are per timed run; gil_busy_cpus is the process's CPU time over the wall
// time of the timed runs (at most about 1 while one thread computes at a time), and
// gil_unheld_checks the check points reached without the lock in all of them (0 when it works).
void append_gil_fields(record& r, const emulated_gil& gil, double busy_cpus) {
  const emulated_gil::stats s = gil.totals();
  const bool held = s.chunks > 0;
  const double reps = std::max<double>(1, static_cast<double>(r.samples_s.size()));
  r.fields.push_back({"gil", std::string(held ? "held" : "per-process")});
  using value = decltype(record_field::value);
  r.fields.push_back(
      {"gil_switches", held ? value(static_cast<double>(s.switches) / reps) : value()});
  r.fields.push_back({"gil_wait_s", held ? value(s.waited_s / reps) : value()});
  r.fields.push_back({"gil_busy_cpus", held && r.verified ? value(busy_cpus) : value()});
  r.fields.push_back(
      {"gil_unheld_checks",
       held && r.verified ? value(static_cast<std::int64_t>(s.unheld_check_points)) : value()});
}

// When the runner gives up on a run: at its deadline, or a grace later when every backend
// running it stops its own workers there. 0: no guard.
double guard_seconds(const backend& b, const measure_options& options) {
  if (options.run_guard == nullptr || options.run.deadline_s <= 0) return 0;
  const bool stops =
      b.traits().stops_at_deadline &&
      (options.second_stage == nullptr || options.second_stage->traits().stops_at_deadline);
  return options.run.deadline_s + (stops ? deadline_grace_s : 0);
}

}  // namespace

record measure(const kernel& k, const std::string& params, const backend& b,
               const measure_options& options) {
  record r = unmeasured(k, params, b, options, "");
  const reduce_task plain_task = k.task();
  std::optional<emulated_gil> gil;
  if (options.gil_interval_s > 0)
    gil.emplace(std::chrono::nanoseconds(static_cast<long long>(options.gil_interval_s * 1e9)));
  const reduce_task task = gil ? gil->holding(plain_task) : plain_task;
  run_options run = options.run;
  run.start_together = k.traits().start_together;
  run.all_at_once = k.traits().needs_concurrency;
  bool together = true;
  r.grain = effective_grain(task.n, r.threads, options.run.sched, options.run.grain);
  r.in_flight = waits_in_flight(b.traits(), r.threads, task.n);
  std::vector<std::byte> result(std::max<std::size_t>(task.partial_size, 1));
  std::optional<staged_run> staged;
  unsigned second_seen = 0;  // the fewest of any rep
  std::int64_t growth = 0;   // the most any rep grew the resident size
  std::vector<double> fastest_rank, slowest_rank;
  double busy_cpus = 0;  // over the timed reps
  try {
    if (options.second_stage)
      staged.emplace(
          task, stage{&b, run},
          stage{options.second_stage,
                {.threads = options.second_stage_workers, .deadline_s = run.deadline_s}});
    const auto execute = [&](void* out) {
      return staged ? staged->run(out) : b.run(task, run, out);
    };
    const double guard_s = guard_seconds(b, options);
    if (options.layout != nullptr) options.layout->place(k, task.n, run, options.numa);
    for (unsigned i = 0; i < options.warmup; ++i)
      run_once(k, execute, result, options.run_guard, guard_s);
    if (gil) gil->reset_totals();
    const busy_cpus_meter meter;
    for (unsigned i = 0; i < options.reps; ++i) {
      timed_run t = run_once(k, execute, result, options.run_guard, guard_s);
      second_seen =
          i == 0 ? t.report.second_stage_seen : std::min(second_seen, t.report.second_stage_seen);
      r.samples_s.push_back(t.seconds);
      r.workers_seen_reps.push_back(t.report.workers_seen);
      together = together && t.report.started_together;
      r.pin = t.report.placement;
      r.worker_cpus = std::move(t.report.worker_cpus);
      r.peak_waits = std::max(r.peak_waits, t.report.peak_waits);
      r.ranks = t.report.ranks;
      fastest_rank.push_back(t.report.rank_time_min_s);
      slowest_rank.push_back(t.report.rank_time_max_s);
      r.peak_rss_bytes = std::max(r.peak_rss_bytes, t.memory.peak_rss_bytes);
      r.vm_peak_bytes = std::max(r.vm_peak_bytes, t.memory.vm_peak_bytes);
      growth = std::max(growth, t.memory.rss_growth_bytes);
      r.detail = std::move(t.checked.detail);
      r.lesson = std::move(t.checked.lesson);
      r.status = std::move(t.checked.status);
    }
    r.verified = true;
    busy_cpus = meter.busy_cpus();
    r.rank_time_min_s = summarize(fastest_rank).median;
    r.rank_time_max_s = summarize(slowest_rank).median;
    const double tasks = k.work().tasks;
    if (tasks > 0) r.bytes_per_task = static_cast<double>(growth) / tasks;
    const page_use pages = k.pages();
    r.data_bytes = pages.bytes;
    r.huge_page_bytes = pages.huge_bytes;
    data_location where = locate(k, r.worker_cpus);
    r.worker_nodes = std::move(where.worker_nodes);
    r.pages_per_node = std::move(where.pages_per_node);
    r.pages_on_worker_nodes = where.pages_on_worker_nodes;
  } catch (const std::exception& e) {
    r.verified = false;
    r.detail = e.what();
  }
  b.release();  // the task dies with this function: nothing may keep running on its data
  if (options.second_stage) options.second_stage->release();
  summarize_into(r, k, options.read_bandwidth_gbs, options.work_share);
  r.total_workers = r.ranks * r.threads;
  if (const char* btl = std::getenv("OMPI_MCA_btl"); btl != nullptr && r.ranks > 1)
    r.transport = btl;
  r.fields = kernel_fields(k, task, r, result);
  using value = decltype(record_field::value);
  if (options.second_stage) {
    r.ideal_s = 0;  // the kernel's bound is for one backend's workers
    r.fields.push_back({"cpu_on", std::string(options.second_stage->name())});
    r.fields.push_back(
        {"cpu_workers", r.verified ? value(static_cast<std::int64_t>(second_seen)) : value()});
  }
  if (run.start_together)
    r.fields.push_back({"started_together", r.verified ? value(together) : value()});
  if (gil) append_gil_fields(r, *gil, busy_cpus);
  return r;
}

void relate_to_baseline(record& r, double base_median_s, scaling s, unsigned base_threads) {
  if (!r.verified || r.median_s <= 0 || base_median_s <= 0) return;
  const unsigned base = std::max(1u, base_threads);
  const unsigned p = workers(r);
  const double ratio = base_median_s / r.median_s;
  r.speedup = s == scaling::weak ? ratio * p / base : ratio;
  // Over what the run held in flight: its workers, or every wait on an event loop, whose base
  // (its own smallest thread count) held them all too.
  const bool every_wait = r.in_flight > p;
  const double width = every_wait ? static_cast<double>(r.in_flight) : p;
  const double base_width = every_wait && base_threads != 0 ? width : base;
  r.efficiency = r.speedup * base_width / width;
  r.speedup_base_threads = base_threads;
  // Karp-Flatt's serial fraction is defined against one worker.
  r.karp_flatt = s == scaling::weak || base != 1 ? 0 : karp_flatt(r.speedup, p);
}

}  // namespace parlab::runner
