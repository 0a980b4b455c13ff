#pragma once
// `parlab lab`: a lesson of the course notebook as a claim checked on this machine. A lesson
// measures trials through the runner's measure() and judges them; judging is separate from
// measuring so that a test can hand a lesson trials that break its claim.
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "parlab/backend.hpp"
#include "runners/record.hpp"
#include "runners/reporter.hpp"

namespace parlab::runner::lab {

// One measurement, named by its part in the claim ("3 waits in a row").
struct trial {
  std::string label;
  record rec;
  // CPUs that other processes kept busy, on average, while it ran (from /proc/stat): on a
  // shared machine a compute speedup can only show on the CPUs left over.
  double other_cpus = 0;
  // What its speedup is over (relate): the baseline trial's label and its fastest rep; "" and 0
  // when it has no speedup.
  std::string over{};
  double over_fastest_s = 0;
};

// holds; not_shown: a claim that depends on chance (or on a machine with more than one CPU) did
// not show, which is said plainly and is not a failure (exit 0); fails: exit 1.
enum class verdict { holds, not_shown, fails };
std::string_view to_string(verdict v);  // "holds", "not shown", "does not hold"

struct judgement {
  verdict result = verdict::holds;
  std::string reason;
};

struct table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> legend;  // what a column means, "header: meaning", printed under it
};

struct outcome {
  std::vector<trial> trials;
  table numbers;
  judgement verdict;
};

// A kernel parameter as a lesson sets it: a number in the kind's units (seconds for a
// duration), or a choice's word.
struct setting {
  std::string name;
  std::variant<double, std::string> value;
};

struct experiment {
  std::string label;
  std::string kernel;
  std::vector<setting> params;
  const backend& b;
  unsigned threads = 1;
  // A staged run (--cpu-on): the kernel's second stage on this backend with cpu_workers workers.
  const backend* cpu_on = nullptr;
  unsigned cpu_workers = 0;
};

// What a lesson's measurements share within one command: the size, the usable CPUs, the
// read-bandwidth probe (run once, by the first lesson that needs it) and the last prepared
// kernel (preparing the same one again would only cost time).
class context {
 public:
  explicit context(bool quick);
  ~context();
  context(const context&) = delete;
  context& operator=(const context&) = delete;

  [[nodiscard]] bool quick() const { return quick_; }
  // Called with each trial's label as it starts (the command's progress bar).
  std::function<void(std::string_view)> on_trial;
  [[nodiscard]] unsigned cores() const { return cores_; }
  // Never throws: a failure is a record with verified false, as measure() makes it.
  // gil_interval_s > 0 runs it under the emulated GIL (--gil) with that switch interval.
  trial measure(const experiment& e, double gil_interval_s = 0);
  // Probes on the first call (about a second); 0 when the probe failed.
  double read_bandwidth_gbs();
  // {"gbs", "bytes", "threads"} once probed, else null: the machine block carries it.
  [[nodiscard]] const json& bandwidth_facts() const { return bandwidth_; }

 private:
  struct prepared;
  const kernel& prepare(const experiment& e, std::string& params_text);

  bool quick_;
  unsigned cores_;
  std::string cpu_limit_;
  json bandwidth_;
  double gbs_ = 0;
  std::unique_ptr<prepared> kernel_;
};

class lesson {
 public:
  virtual ~lesson() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  [[nodiscard]] virtual unsigned number() const = 0;  // its section of the notebook
  [[nodiscard]] virtual std::string_view claim() const = 0;
  [[nodiscard]] virtual std::vector<trial> measure(context& ctx) const = 0;
  // The trials measure() returns, in any order, found by label. Pure: no clock, no machine.
  [[nodiscard]] virtual outcome judge(std::vector<trial> trials) const = 0;
};

// judge() of the trials, except that a trial that did not verify (or is missing) is the
// verdict, whatever the numbers: a failed measurement proves nothing.
outcome assess(const lesson& l, std::vector<trial> trials);
// measure() then assess(); a lesson that cannot be measured at all fails with the reason.
outcome run_lesson(const lesson& l, context& ctx);

// Every lesson, by number (runners/lab/registry.cpp).
std::span<const lesson* const> lessons();
// By name or by number ("race" or "7"); nullptr when none is.
const lesson* find_lesson(std::string_view name_or_number);

// ---- what the lessons share ----

// Timing claims allow this factor on a shared, noisy machine: a speedup of at least ideal / 2,
// a time of at most 2 x the ideal.
inline constexpr double timing_margin = 2.0;

// Other processes keeping at least this many CPUs busy on average during a trial (from
// /proc/stat, steal included) set aside a claim that load can defeat, when it is missed: a
// neighbour of a quarter of a CPU already moved the compute speedups here.
inline constexpr double busy_machine_cpus = 0.25;

// The sizes the lessons share, smallest under --quick: `tasks` waits of 50 ms (500 ms), and a
// compute-bound sum of about 50 ms (0.5 s) on one core here.
std::vector<setting> io_waits(const context& ctx, unsigned tasks);
std::vector<setting> compute_bound_sum(const context& ctx);

// The first backend that runs this kind of worker, all N at once, or throws run_error. A
// lesson about threads or processes means any backend of that kind, never a named one.
const backend& concurrent(worker_kind w);

// The first backend that holds every wait in flight whatever its threads (waits_per_worker 0: an
// event loop), or throws run_error. Like concurrent(), a kind of backend, never a named one.
const backend& event_loop();

// The trial of this label, and its record; throw run_error when the lesson's trials lack it.
trial& trial_of(std::vector<trial>& trials, std::string_view label);
inline record& find(std::vector<trial>& trials, std::string_view label) {
  return trial_of(trials, label).rec;
}
// The most CPUs other processes kept busy during the trials of these labels (unless_busy).
double others(std::vector<trial>& trials, std::string_view a, std::string_view b);
// Fills `label`'s speedup against `baseline`'s median (relate_to_baseline).
void relate(std::vector<trial>& trials, std::string_view label, std::string_view baseline);
// No faster than the prepared waits allow, and at most timing_margin x that.
bool near_ideal(const record& r);
// A speedup of at least the ideal / timing_margin.
bool scales(const record& r, double ideal_speedup);
// A speedup beyond the noise of the reps: its median beat the baseline's fastest rep (relate),
// so that a claim of "faster" never rests on a ratio of medians near 1. The median, not the
// slowest rep: one rep that a neighbour's burst slowed (1.62x with one rep behind, seen in CI
// under 0.25 CPU of average load) must not turn a real speedup into "does not hold".
bool beyond_noise(const trial& t);
// A kernel field of the record (the counter's lost_updates), 0 / false when absent or null.
std::int64_t int_field(const record& r, std::string_view name);
bool bool_field(const record& r, std::string_view name);
double real_field(const record& r, std::string_view name);
std::string text_field(const record& r, std::string_view name);
// A kernel parameter as the record's params text gives it ("10000" for tasks), "" when absent.
std::string param_text(const record& r, std::string_view name);

// Builds a verdict from checks: the reason is every check's text when all held, else only the
// texts of those that did not (the worst decides the verdict).
class checks {
 public:
  void must(bool ok, std::string text) { add(ok ? verdict::holds : verdict::fails, text); }
  void chance(bool ok, std::string text) { add(ok ? verdict::holds : verdict::not_shown, text); }
  // A claim this machine cannot show (a speedup on one CPU): said, not a failure.
  void cannot_show(std::string text) { add(verdict::not_shown, text); }
  // A claim that load can defeat (a compute speedup, a bandwidth share): missed while other
  // processes kept at least busy_machine_cpus busy (other_cpus, the most over the trials it
  // compares), it is set aside as not shown; missed on an idle machine, it fails.
  void unless_busy(bool ok, double other_cpus, std::string text);
  // Said after the verdict's reason whatever the verdict: a number shown beside the claim.
  void note(std::string text) { notes_.push_back(std::move(text)); }
  [[nodiscard]] judgement result() const;

 private:
  void add(verdict v, std::string& text) { items_.push_back({v, std::move(text)}); }
  std::vector<judgement> items_;
  std::vector<std::string> notes_;
};

// A compute speedup of at least the ideal / timing_margin, the ideal being the workers on the
// usable CPUs; on one CPU it cannot show, and a miss under load is set aside (unless_busy).
void check_cpu_scaling(checks& c, const trial& t, std::string_view what);

// A table column: its heading and the cell of a trial's record (of the trial itself when
// trial_cell is set: what the record does not know, such as its baseline's label).
struct column {
  std::string header;
  std::function<std::string(const record&)> cell;
  std::function<std::string(const trial&)> trial_cell = nullptr;
  std::string legend = "";  // what it means and its unit, when the header cannot say it
};
column explained(column c, std::string legend);
table tabulate(const std::vector<trial>& trials, const std::vector<column>& columns);
namespace col {
column backend();
column workers();
column median();
column ideal();
column speedup();
column over();  // the trial its speedup is over: no column of speedups without its baseline
column bandwidth();
column field(std::string name, std::string header);
column share_field(std::string name, std::string header);    // a fraction, as "48%"
column seconds_field(std::string name, std::string header);  // a duration, as "295 ms"
column param(std::string name, std::string header);          // param_text, "-" when absent
}  // namespace col

std::string seconds(double s);  // "50.2 ms"
std::string times(double x);    // "2.96x"
std::string share(double x);    // "48%", "-" for 0
std::string bytes(double b);    // "164 B", "16.5 MB": decimal units, three digits at most

}  // namespace parlab::runner::lab
