#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "backends/placement.hpp"
#include "backends/topology.hpp"
#include "parlab/error.hpp"
#include "parlab/registry.hpp"
#include "runners/abandon.hpp"
#include "runners/machine.hpp"
#include "runners/measure.hpp"
#include "runners/options.hpp"
#include "runners/output_file.hpp"
#include "runners/progress.hpp"
#include "runners/rank_jobs.hpp"
#include "runners/signals.hpp"
#include "runners/units.hpp"
#include "runners/watchdog.hpp"

namespace parlab::runner {

json to_json(const sweep_options& o) {
  json params = json::object();
  for (const auto& [k, v] : o.params.all()) params[k] = v;
  return {{"command", o.command},
          {"kernel", o.kernel},
          {"backend_order", o.backends},
          {"threads_spec", o.threads_spec},
          {"threads", o.threads},
          {"params", params},
          {"reps", o.reps},
          {"warmup", o.warmup},
          {"schedule", to_string(o.sched)},
          {"grain", o.grain},
          {"pin", to_string(o.pin)},
          {"numa", to_string(o.numa)},
          {"timeout_s", o.timeout_s},
          {"run_timeout_s", o.run_timeout_s},
          {"weak", o.weak},
          {"gil", o.gil_interval_s > 0},
          {"switch_interval_s", o.gil_interval_s},
          {"cpu_on", o.cpu_on.empty() ? json(nullptr) : json(o.cpu_on)},
          {"cpu_workers", o.cpu_workers},
          {"ranks", o.ranks},
          {"launcher", o.ranks.empty() ? json(nullptr) : json(to_string(o.launcher))},
          {"format", to_string(o.format)},
          {"output", o.output},
          {"csv", o.csv_file},
          {"json", o.json_file},
          {"plot", o.plot}};
}

namespace {

// One (backend, threads) measurement, in the order the sweep runs them; or, in a sweep over
// ranks, one job of `ranks` ranks that measures every backend and thread count.
struct step {
  const backend* b = nullptr;
  unsigned threads = 1;
  bool baseline = false;  // the seq baseline of a sweep
  unsigned ranks = 0;     // > 0: a job launched with this many ranks
};

// Strong scaling runs backend by backend. Weak scaling runs thread count by thread count, so
// that the kernel is prepared once per size rather than once per (backend, size).
std::vector<step> plan(const sweep_options& o) {
  std::vector<step> steps;
  const backend& reference = reference_backend();
  // A sweep measures the reference first, every speedup's baseline; a run does when it was
  // asked for among the backends, so that the others' rows can say their speedup over it.
  const bool asked = std::any_of(o.backends.begin(), o.backends.end(), [&](const std::string& b) {
    return find_backend(b) == &reference;
  });
  const bool sweep =
      o.reference_baseline && (o.command == "sweep" || (o.command == "run" && asked));
  if (sweep) steps.push_back({&reference, 1, true});
  if (!o.ranks.empty()) {
    for (unsigned r : o.ranks) steps.push_back({find_backend(o.backends.front()), 1, false, r});
    return steps;
  }
  auto add = [&](const std::string& name, unsigned t) {
    if (sweep && find_backend(name) == &reference) return;  // measured once, first
    steps.push_back({find_backend(name), t, false});
  };
  if (o.weak) {
    for (unsigned t : o.threads)
      for (const std::string& name : o.backends) add(name, t);
    return steps;
  }
  for (const std::string& name : o.backends) {
    for (unsigned t : o.threads) {
      add(name, t);
      if (!find_backend(name)->traits().uses_thread_count) break;  // one count is all of them
    }
  }
  return steps;
}

// The ETA's guess at each step's cost: ideal scaling, 1/t under strong, constant under weak.
std::vector<double> step_weights(const std::vector<step>& steps, bool weak) {
  std::vector<double> w;
  for (const step& s : steps)
    w.push_back(weak || !s.b->traits().uses_thread_count ? 1.0 : 1.0 / s.threads);
  return w;
}

// The parameter --weak grows: the first of kind size, else the first count.
std::string weak_parameter(const kernel& k) {
  const std::vector<param_spec> specs = k.params();
  for (param_kind kind : {param_kind::size, param_kind::count})
    for (const param_spec& p : specs)
      if (p.kind == kind) return p.name;
  throw usage_error(
      fmt::format("--weak: kernel {} has no size or count parameter to grow", k.name()));
}

// Whether this process writes the results: every backend of the sweep says so (an MPI job's
// ranks but the first do not, and touch no output file). A sweep over ranks launches its jobs
// and writes what they measured; asking its backends would start MPI here.
bool reports(const sweep_options& o) {
  if (!o.ranks.empty()) return true;
  return std::all_of(o.backends.begin(), o.backends.end(),
                     [](const std::string& b) { return find_backend(b)->reports(); });
}

// The chosen format to --output (or stdout), plus --csv, --json and --plot, all fed alike. No
// file is created or truncated before there is something to write into it: --csv is created at
// the first record, --output (in any format) and --json are written beside and renamed into place.
std::unique_ptr<reporter> make_sinks(const sweep_options& o) {
  std::vector<std::unique_ptr<reporter>> sinks;
  if (!reports(o)) return make_composite_reporter(std::move(sinks));  // another rank writes
  const auto report_file = [&o] {
    return o.output.empty()
               ? std::make_unique<output_file>(stdout)
               : std::make_unique<output_file>("--output", o.output, output_file::kind::replaced);
  };
  switch (o.format) {
    case output_format::csv:
      sinks.push_back(make_csv_reporter(report_file()));
      break;
    case output_format::json_doc:
      sinks.push_back(make_json_reporter(report_file()));
      break;
    case output_format::table:
      sinks.push_back(make_table_reporter(report_file(), o.colour));
      break;
  }
  if (!o.csv_file.empty())
    sinks.push_back(make_csv_reporter(
        std::make_unique<output_file>("--csv", o.csv_file, output_file::kind::streamed)));
  if (!o.json_file.empty())
    sinks.push_back(make_json_reporter(
        std::make_unique<output_file>("--json", o.json_file, output_file::kind::replaced)));
  if (!o.plot.empty()) sinks.push_back(make_plot_reporter(o.plot));
  return make_composite_reporter(std::move(sinks));
}

// Said before the work starts, so that nobody waits through a sweep to learn it.
void warn_about(const json& machine, pin_policy pin) {
  const unsigned nodes = machine.value("topology", json::object()).value("numa_nodes", 1U);
  // The hint names the default the CLI would have picked: on a topology that is not this
  // machine's (HWLOC_SYNTHETIC) it is none, since there is nothing to pin to.
  const bool compact_is_default =
      detail::default_pin(detail::process_shape()) == pin_policy::compact;
  if (pin == pin_policy::none && nodes > 1)
    fmt::print(stderr,
               "parlab: warning: workers are not pinned on a machine of {} NUMA nodes: the "
               "scheduler may move them away from their data, and memory-bound times move with "
               "it ({})\n",
               nodes,
               compact_is_default ? "--pin compact is the default here"
                                  : "the topology hwloc loaded is not this machine's: nothing "
                                    "to pin to");
  const std::string governor = machine.value("governor", std::string("unknown"));
  if (governor != "unknown" && governor != "performance")
    fmt::print(stderr,
               "parlab: warning: the CPU frequency governor is '{}', not 'performance': the clock "
               "moves the numbers (parlab never changes it)\n",
               governor);
}

class sweep_runner {
 public:
  sweep_runner(const sweep_options& o, kernel& k)
      : o_(o),
        k_(k),
        weak_param_(o.weak ? weak_parameter(k) : ""),
        steps_(plan(o)),
        progress_(o.progress, step_weights(steps_, o.weak)) {
    // The handler first: a signal from here on is reported as any other, "stopped during
    // start-up after 0 of N points" (a slow start, under a sanitizer, lasted past 0.3 s).
    for (const step& s : steps_) points_ += s.ranks > 0 ? o.backends.size() * o.threads.size() : 1;
    signals_.handle_with([this](int signal) { on_signal(signal); });
    try {
      base_ = o.params;
      base_.fill_defaults(k.params());
      rep_ = make_sinks(o);
      m_.reps = o.reps;
      m_.warmup = o.warmup;
      const cpu_allowance cpus = usable_cpus();
      m_.cores = cpus.cpus;
      m_.cpu_limit = cpus.limited_by;
      m_.run.sched = o.sched;
      m_.run.grain = o.grain;
      m_.run.pin = o.pin;
      m_.gil_interval_s = o.gil_interval_s;
      m_.numa = o.numa;
      m_.layout = &layout_;
      if (!o.cpu_on.empty()) {
        m_.second_stage = find_backend(o.cpu_on);
        m_.second_stage_workers = o.cpu_workers;
      }
    } catch (...) {
      signals_.handle_with({});  // the destructor will not run: the handler must go now
      throw;
    }
  }
  // A signal that comes from here on finds nothing of this sweep to write.
  ~sweep_runner() { signals_.handle_with({}); }
  sweep_runner(const sweep_runner&) = delete;
  sweep_runner& operator=(const sweep_runner&) = delete;

  int run() {
    if (!o_.ranks.empty()) adopt_orphans();  // a rank outlives a killed mpirun
    if (o_.timeout_s > 0)
      watchdog_ = std::make_unique<watchdog>(o_.timeout_s, [this] {
        on_timeout(fmt::format("--timeout {} reached", o_.timeout_text));
      });
    if (o_.run_timeout_s > 0) {
      run_watchdog_ = std::make_unique<watchdog>([this] {
        on_timeout(fmt::format("--run-timeout {} reached", o_.run_timeout_text),
                   ": a run in this process cannot be stopped, so the command ends");
      });
      m_.run.deadline_s = o_.run_timeout_s;
      m_.run_guard = run_watchdog_.get();
    }
    json machine = machine_facts();
    // First: the config block shows what the kernel derived. Not for a sweep over ranks with no
    // baseline here: its ranks prepare their own slices.
    if (steps_.empty())
      prepare_for(1, reference_backend(), 1);
    else if (steps_.front().ranks == 0)
      prepare_for(1, *steps_.front().b, steps_.front().threads);
    // Only the process that reports speaks: a job's other ranks neither probe the machine they
    // share with rank 0 (their probes would skew its figure) nor repeat its warnings.
    const bool speaks = reports(o_);
    if (speaks) probe_bandwidth(machine);
    if (speaks && !o_.rank_job) warn_about(machine, o_.pin);
    {
      const std::lock_guard lock(report_mutex_);
      rep_->begin(machine, config());
    }
    if (speaks && !o_.skipped.empty()) fmt::print(stderr, "parlab: {}\n", o_.skipped);
    if (speaks && o_.command == "sweep" && !o_.reference_baseline && !o_.rank_job)
      fmt::print(stderr,
                 "parlab: no seq baseline (seq cannot run {}{}): each backend's speedup is against "
                 "its own run at t={}, efficiency = speedup x {} / t\n",
                 k_.name(), o_.cpu_on.empty() ? "" : " staged", o_.threads.front(),
                 o_.threads.front());
    for (const step& s : steps_) run_step(s);
    return finish();
  }

 private:
  // A memory-streaming kernel's GB/s means most beside the machine's read bandwidth measured in
  // the same run (it moves by tens of percent between minutes on a shared machine).
  void probe_bandwidth(json& machine) {
    if (!o_.probe) return;
    if (!prepare_error_.empty() || !k_.work().streams_memory) return;
    // Not where every point is a job of ranks: one rank's probe on its own cores is no measure
    // of what the job reads (a share of 177% was printed so), and it cost seconds per rank.
    const bool all_ranks = std::all_of(steps_.begin(), steps_.end(), [](const step& s) {
      return s.b != nullptr && s.b->traits().runs_as_ranks;
    });
    if (all_ranks && !steps_.empty()) return;
    doing("the read-bandwidth probe");
    try {
      machine["read_bandwidth"] = read_bandwidth_facts();
      m_.read_bandwidth_gbs = machine["read_bandwidth"]["gbs"].get<double>();
    } catch (const std::exception& e) {
      fmt::print(stderr, "parlab: warning: the read-bandwidth probe failed: {}\n", e.what());
    }
  }

  [[nodiscard]] unsigned size_factor(const step& s) const {
    return o_.weak && !s.baseline ? s.threads : 1;
  }

  [[nodiscard]] param_values values_at(unsigned factor) const {
    param_values v = base_;
    if (!weak_param_.empty()) v.set(weak_param_, v.real(weak_param_) * factor);
    return v;
  }

  [[nodiscard]] std::string params_text(unsigned factor) const {
    const std::string text = k_.resolved(values_at(factor)).describe(k_.params());
    return weak_param_.empty() ? text : text + " weak=" + weak_param_;
  }

  json config() const {
    json c = to_json(o_);
    json params = json::object();
    const param_values ran = k_.resolved(base_);
    for (const auto& [k, v] : ran.all()) params[k] = v;
    c["params"] = params;  // defaults filled in: what really ran (at 1 thread, when weak)
    c["params_text"] = ran.describe(k_.params());
    c["weak_param"] = weak_param_.empty() ? json(nullptr) : json(weak_param_);
    c["speedup_baseline"] = o_.reference_baseline ? "seq" : "each backend at the smallest threads";
    return c;
  }

  // Prepares the kernel when the size changes; a failure becomes the detail of every record
  // at that size, so that the sweep goes on (a weak sweep may run out of memory at 16x only).
  // The slice prepared is the one the backend says this process owns (all of it on one
  // machine; a rank's block under MPI), asked before anything is allocated. Its pages are first
  // touched from the CPUs the backend's workers will run on at `threads` (docs/RUNNER.md, "NUMA
  // placement"); later points move them (data_layout) rather than prepare again.
  void prepare_for(unsigned factor, const backend& owner, unsigned threads) {
    const param_values values = values_at(factor);
    const std::size_t n = k_.index_space(values);
    const index_range owned = n > 0 ? owner.owned(n) : index_range{0, 0};
    if (prepared_factor_ == factor && prepared_slice_ == owned) return;
    prepared_factor_ = factor;
    prepared_slice_ = owned;
    m_.work_share = n > 0 ? static_cast<double>(owned.size()) / static_cast<double>(n) : 1.0;
    doing(fmt::format("preparing {} {}", k_.name(), params_text(factor)));
    try {
      run_options touching = m_.run;  // a backend that ignores the thread count is never pinned
      touching.threads = threads;
      const first_touch_on guard(owner.traits().uses_thread_count ? touch_cpus(touching)
                                                                  : std::vector<int>{});
      if (n > 0)
        k_.prepare_slice(values, owned);
      else
        k_.prepare(values);
      prepare_error_.clear();
    } catch (const std::exception& e) {
      prepare_error_ = fmt::format("preparing {} failed: {}", params_text(factor), e.what());
    }
  }

  void run_step(const step& s) {
    if (s.ranks > 0) return run_job(s);
    const unsigned factor = size_factor(s);
    prepare_for(factor, *s.b, s.threads);
    const std::string label =
        fmt::format("{} t={}", s.b->name(), s.b->traits().uses_thread_count ? s.threads : 1);
    doing(label);
    progress_.start(label);
    m_.run.threads = s.threads;
    if (!prepare_error_.empty()) s.b->failed_outside_run(prepare_error_);
    record r = prepare_error_.empty()
                   ? measure(k_, params_text(factor), *s.b, m_)
                   : unmeasured(k_, params_text(factor), *s.b, m_, prepare_error_);
    if (s.baseline) seq_median_ = r.verified ? r.median_s : 0;
    progress_.finish_step();
    emit(std::move(r));
  }

  // One job of a sweep over ranks: the data prepared here for the baseline is freed first (the
  // ranks prepare their own slices), the job measures every backend and thread count, and its
  // records join the report, or, when it wrote none, a failed record for each of its points.
  void run_job(const step& s) {
    release_data();
    const std::string label = plural(s.ranks, "rank", "ranks");
    doing(fmt::format("the job of {} ({})", label, to_string(o_.launcher)));
    progress_.start(label);
    const std::string path = temp_result_path();
    const unsigned factor = o_.weak ? s.ranks : 1;  // the size per rank stays; each job grows it
    const rank_job job =
        plan_rank_job(o_.launcher, s.ranks, *std::max_element(o_.threads.begin(), o_.threads.end()),
                      rank_job_arguments(o_, k_, values_at(factor), path), host_);
    std::vector<std::string> news;  // each said once a sweep, by its flag
    for (const std::string& note : job.notes)
      if (said_.insert(note.substr(0, note.find(':'))).second) news.push_back(note);
    if (!news.empty())
      fmt::print(stderr, "parlab: {} for {}: {}\n", to_string(o_.launcher), label,
                 fmt::join(news, "; "));
    job_outcome out = run_rank_job(job, path);
    std::remove(path.c_str());
    progress_.finish_step();
    if (!out.doc) {
      const std::string why = out.problem + " (the ranks' own messages are above)";
      for (const std::string& name : o_.backends)
        for (const unsigned t : o_.threads) {
          m_.run.threads = t;
          record r = unmeasured(k_, params_text(factor), *find_backend(name), m_, why);
          r.ranks = s.ranks;
          r.total_workers = s.ranks * t;
          r.binding = job.binding;
          emit(std::move(r));
        }
      return;
    }
    for (record& r : out.doc->records) {
      r.binding = job.binding;
      r.oversubscribed = r.oversubscribed || workers(r) > m_.cores;
      emit(std::move(r));
    }
    if (out.exit_code != 0) failed_ = true;  // a failure its records do not show
  }

  // A sweep over ranks holds no data while its jobs run: an empty slice frees it.
  void release_data() {
    const std::size_t n = k_.index_space(values_at(1));
    if (n == 0 || (prepared_factor_ && prepared_slice_.size() == 0)) return;
    k_.prepare_slice(values_at(1), index_range{0, 0});
    prepared_factor_ = 1;
    prepared_slice_ = index_range{0, 0};
  }

  static std::string temp_result_path() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "parlab-ranks-XXXXXX.json").string();
    const int fd = mkstemps(pattern.data(), 5);
    if (fd < 0)
      throw run_error(
          fmt::format("cannot create {} for a job's results: {}", pattern, std::strerror(errno)));
    close(fd);
    std::remove(pattern.c_str());  // the job's rank 0 creates it: its absence means no results
    return pattern;
  }

  void emit(record r) {
    const scaling how = o_.weak ? scaling::weak : scaling::strong;
    if (o_.rank_job) {
      // The sweep that launched this job relates its records.
    } else if (o_.reference_baseline) {
      relate_to_baseline(r, seq_median_, how);
    } else if (o_.command == "sweep" && r.verified) {
      // Each backend against its own first verified run: the sweep's smallest thread count.
      const auto [base, added] = own_baseline_.try_emplace(r.backend, r.median_s, r.threads);
      relate_to_baseline(r, base->second.first, how, base->second.second);
    }
    // A run whose workers a Ctrl-C reached too (fork children share the terminal's process
    // group) fails at the same moment: the command is ending, and that failure is not the run's.
    if (!r.verified && stopping()) wait_for_abandon();
    failed_ = failed_ || !r.verified;
    const std::lock_guard lock(report_mutex_);
    rep_->add(r);
    records_.push_back(std::move(r));
  }

  static bool stopping() { return abandon_claimed() || stop_signal_pending(); }

  int finish() {
    progress_.stop();
    doing("the final report");
    int code = failed_ ? 1 : 0;
    {
      const std::lock_guard lock(report_mutex_);
      try {
        rep_->end(o_.command == "sweep" ? fit_backends(records_, o_.weak)
                                        : std::vector<backend_fit>{});
      } catch (const run_error& e) {         // the plot: the other sinks are written
        if (stopping()) wait_for_abandon();  // gnuplot, too, got the Ctrl-C
        fmt::print(stderr, "parlab: FAILED: {}\n", e.what());
        code = 1;
      }
      report_failures();
      reported_ = true;
    }
    return code;
  }

  // One line naming the points that failed, so that a script's log says where to look.
  void report_failures() const {
    std::vector<std::string> where;
    for (const record& r : records_)
      if (!r.verified) where.push_back(fmt::format("{} t={}", r.backend, r.threads));
    if (where.empty()) return;
    const std::size_t shown = std::min<std::size_t>(where.size(), 6);
    fmt::print(stderr,
               "parlab: FAILED: {} of {} runs failed or did not verify: {}{} (see their detail)\n",
               where.size(), records_.size(),
               fmt::join(where.begin(), where.begin() + static_cast<std::ptrdiff_t>(shown), ", "),
               where.size() > shown ? ", ..." : "");
  }

  void doing(std::string what) {
    const std::lock_guard lock(doing_mutex_);
    doing_ = std::move(what);
  }

  [[nodiscard]] std::string doing_now() {
    const std::lock_guard lock(doing_mutex_);
    return doing_;
  }

  // On the watchdog's thread. `what` reached: --timeout, or --run-timeout on a run that could
  // not be stopped (`why`).
  void on_timeout(const std::string& what, std::string_view why = "") {
    const std::string reason = fmt::format("{} during {}", what, doing_now());
    fmt::print(stderr, "parlab: {}{}\n", reason, why);
    write_what_finished({reason, ""});
  }

  // On a thread of its own, started by the signal listener; ends the process with 128 + signal.
  void on_signal(int signal) {
    const std::string name = signal_name(signal);
    abandon_command(128 + signal, [&] {
      const std::string doing = doing_now();
      const bool written = write_what_finished({fmt::format("{} during {}", name, doing), name});
      // A rank's job is reported by the sweep that launched it, and the other ranks by rank 0.
      if (o_.rank_job || !reports(o_)) return;
      fmt::print(stderr, "parlab: {}: stopped during {} after {} of {} points; {}\n", name, doing,
                 records_.size(), points_, where_finished(written));
    });
  }

  // What the one line on stderr says of the results.
  [[nodiscard]] std::string where_finished(bool written) const {
    std::vector<std::string> files;
    for (const std::string* f : {&o_.output, &o_.csv_file, &o_.json_file})
      if (!f->empty()) files.push_back(*f);
    const std::string where =
        files.empty() ? "on stdout" : "in " + fmt::format("{}", fmt::join(files, ", "));
    if (reported_) return "the report was complete, " + where;
    if (records_.empty()) return "nothing finished, nothing written";
    if (!written) return "the report was being written (" + where + "): what it wrote stays";
    return "finished rows " + where + " (interrupted)";
  }

  // While the main thread may be inside a run. Holding report_mutex_ keeps the abandoned run's
  // record out: it did not finish. The main thread holds the mutex itself only briefly, or for
  // the final report, which is then its to finish. Nothing finished: nothing is written, so that
  // an earlier result of that name survives. Returns whether what finished was written.
  bool write_what_finished(const stop_reason& why) {
    std::unique_lock lock(report_mutex_, std::chrono::seconds(1));
    progress_.stop();
    kill_child_processes();  // the abandoned run's workers stop now, not at exit
    if (!lock.owns_lock() || reported_ || records_.empty()) return false;
    bool written = true;
    try {
      rep_->abandon(
          o_.command == "sweep" ? fit_backends(records_, o_.weak) : std::vector<backend_fit>{},
          why);
    } catch (const std::exception& e) {
      fmt::print(stderr, "parlab: writing what finished failed too: {}\n", e.what());
      written = false;
    }
    // Never unlocked: the main thread must neither report nor start another run before the
    // process ends.
    lock.release();
    return written;
  }

  // First: it blocks the signals before any thread (the progress bar's ticker) starts.
  stop_signals signals_;
  const sweep_options& o_;
  kernel& k_;
  std::string weak_param_;
  std::vector<step> steps_;
  progress_bar progress_;
  param_values base_;
  std::unique_ptr<reporter> rep_;
  measure_options m_;
  data_layout layout_;  // where the kernel's data was last moved, across the points
  launch_host host_ = o_.ranks.empty() ? launch_host{} : this_host();
  std::set<std::string> said_;  // the launcher flags a sweep over ranks has explained
  std::optional<unsigned> prepared_factor_;
  index_range prepared_slice_;
  std::string prepare_error_;
  double seq_median_ = 0;
  std::map<std::string, std::pair<double, unsigned>> own_baseline_;  // backend: median, threads
  bool failed_ = false;
  std::size_t points_ = 0;         // the records a complete sweep has
  std::timed_mutex report_mutex_;  // rep_, records_ and reported_, written when abandoned
  std::vector<record> records_;
  bool reported_ = false;  // the final report is written
  std::mutex doing_mutex_;
  std::string doing_ = "start-up";
  // Last, so that they are disarmed first: their callbacks use every member above.
  std::unique_ptr<watchdog> watchdog_;
  std::unique_ptr<watchdog> run_watchdog_;  // --run-timeout, armed around each run
};

}  // namespace

int run_sweep(const sweep_options& o, kernel& k) { return sweep_runner(o, k).run(); }

int run_sweep(const sweep_options& o) {
  const kernel_entry* entry = find_kernel(o.kernel);
  if (entry == nullptr) throw usage_error(fmt::format("unknown kernel '{}'", o.kernel));
  const std::unique_ptr<kernel> k = entry->make();
  return run_sweep(o, *k);
}

}  // namespace parlab::runner
