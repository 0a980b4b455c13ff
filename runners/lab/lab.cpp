#include "runners/lab/lab.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <fstream>

#include "parlab/error.hpp"
#include "parlab/registry.hpp"
#include "runners/machine.hpp"
#include "runners/measure.hpp"
#include "runners/units.hpp"

namespace parlab::runner::lab {

std::string_view to_string(verdict v) {
  switch (v) {
    case verdict::holds:
      return "holds";
    case verdict::not_shown:
      return "not shown";
    case verdict::fails:
      return "does not hold";
  }
  return "does not hold";
}

// ---- context ----

struct context::prepared {
  std::string key;  // kernel and parameters
  std::unique_ptr<kernel> k;
};

context::context(bool quick) : quick_(quick) {
  const cpu_allowance cpus = usable_cpus();
  cores_ = cpus.cpus;
  cpu_limit_ = cpus.limited_by;
}

context::~context() = default;

double context::read_bandwidth_gbs() {
  if (!bandwidth_.is_null()) return gbs_;
  try {
    bandwidth_ = read_bandwidth_facts();
    gbs_ = bandwidth_["gbs"].get<double>();
  } catch (const std::exception& e) {
    bandwidth_ = {{"error", e.what()}};
  }
  return gbs_;
}

namespace {

// The index of a choice's word, as the CLI stores it.
double choice_index(const kernel& k, const std::vector<param_spec>& specs, const setting& s) {
  const auto& word = std::get<std::string>(s.value);
  for (const param_spec& p : specs)
    if (const std::optional<double> index = p.choice_value(word); p.name == s.name && index)
      return *index;
  throw run_error(fmt::format("kernel {} has no --{} {}", k.name(), s.name, word));
}

param_values values_of(const kernel& k, const std::vector<setting>& settings) {
  const std::vector<param_spec> specs = k.params();
  param_values v;
  for (const setting& s : settings) {
    const double* number = std::get_if<double>(&s.value);
    v.set(s.name, number != nullptr ? *number : choice_index(k, specs, s));
  }
  v.fill_defaults(specs);
  return v;
}

// CPU seconds so far: the whole machine's busy time (/proc/stat; steal counts, since the
// hypervisor gave those cycles to someone else) and this process's own, reaped children included.
struct cpu_times {
  double wall = 0, machine = 0, own = 0;
};

double seconds_of(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
}

cpu_times cpu_now() {
  cpu_times t;
  t.wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  std::ifstream stat("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  if (stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal)
    t.machine =
        (user + nice + system + irq + softirq + steal) / static_cast<double>(sysconf(_SC_CLK_TCK));
  for (const int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    rusage u{};
    getrusage(who, &u);
    t.own += seconds_of(u.ru_utime) + seconds_of(u.ru_stime);
  }
  return t;
}

double other_cpus(const cpu_times& from, const cpu_times& to) {
  const double wall = to.wall - from.wall;
  if (wall <= 0 || to.machine <= 0) return 0;
  return std::max(0.0, (to.machine - from.machine) - (to.own - from.own)) / wall;
}

}  // namespace

const kernel& context::prepare(const experiment& e, std::string& params_text) {
  const kernel_entry* entry = find_kernel(e.kernel);
  if (entry == nullptr) throw run_error(fmt::format("this build has no kernel {}", e.kernel));
  std::unique_ptr<kernel> k = entry->make();
  const param_values values = values_of(*k, e.params);
  params_text = values.describe(k->params());
  const std::string key = e.kernel + ' ' + params_text;
  if (!kernel_ || kernel_->key != key) {
    kernel_.reset();  // its data goes before the next is allocated
    k->prepare(values);
    kernel_ = std::make_unique<prepared>(prepared{key, std::move(k)});
  }
  params_text = kernel_->k->resolved(values).describe(kernel_->k->params());
  return *kernel_->k;
}

trial context::measure(const experiment& e, double gil_interval_s) {
  measure_options m;
  m.gil_interval_s = gil_interval_s;
  m.reps = quick_ ? 3 : 5;
  m.warmup = 1;
  m.run.threads = e.threads;
  m.cores = cores_;
  m.cpu_limit = cpu_limit_;
  m.read_bandwidth_gbs = gbs_;
  m.second_stage = e.cpu_on;
  m.second_stage_workers = e.cpu_workers;
  std::string params_text;
  if (on_trial) on_trial(e.label);
  try {
    const kernel& k = prepare(e, params_text);
    const cpu_times before = cpu_now();
    record r = runner::measure(k, params_text, e.b, m);
    return {e.label, std::move(r), other_cpus(before, cpu_now())};
  } catch (const std::exception& error) {
    record r;  // what unmeasured() fills, without the kernel it would need
    r.kernel = e.kernel;
    r.backend = std::string(e.b.name());
    r.threads = e.threads;
    r.params = params_text;
    r.detail = fmt::format("preparing {} {} failed: {}", e.kernel, params_text, error.what());
    return {e.label, std::move(r)};
  }
}

// ---- assessing ----

outcome assess(const lesson& l, std::vector<trial> trials) {
  const auto failed =
      std::find_if(trials.begin(), trials.end(), [](const trial& t) { return !t.rec.verified; });
  std::string failure;
  if (failed != trials.end())
    failure = fmt::format("the measurement '{}' ({} t={}) failed: {}", failed->label,
                          failed->rec.backend, failed->rec.threads, failed->rec.detail);
  outcome o;
  try {
    o = l.judge(trials);
  } catch (const std::exception& e) {
    o.trials = std::move(trials);
    o.verdict = {verdict::fails, e.what()};
  }
  if (!failure.empty()) o.verdict = {verdict::fails, failure};
  return o;
}

outcome run_lesson(const lesson& l, context& ctx) {
  try {
    return assess(l, l.measure(ctx));
  } catch (const std::exception& e) {
    return {{}, {}, {verdict::fails, fmt::format("could not be measured: {}", e.what())}};
  }
}

const lesson* find_lesson(std::string_view name_or_number) {
  unsigned number = 0;
  const char* end = name_or_number.data() + name_or_number.size();
  const bool numeric = std::from_chars(name_or_number.data(), end, number).ptr == end;
  for (const lesson* l : lessons())
    if (l->name() == name_or_number || (numeric && l->number() == number)) return l;
  return nullptr;
}

// ---- what the lessons share ----

std::vector<setting> io_waits(const context& ctx, unsigned tasks) {
  return {{"tasks", static_cast<double>(tasks)}, {"duration", ctx.quick() ? 0.05 : 0.5}};
}

std::vector<setting> compute_bound_sum(const context& ctx) {
  return {{"size", ctx.quick() ? 1e6 : 4e6}, {"intensity", ctx.quick() ? 32.0 : 64.0}};
}

const backend& concurrent(worker_kind w) {
  for (const backend* b : backends()) {
    const backend_traits t = b->traits();
    if (t.worker == w && t.promises_concurrency && t.uses_thread_count) return *b;
  }
  throw run_error(fmt::format(
      "this build has no backend whose workers are {}es that all run at once", to_string(w)));
}

const backend& event_loop() {
  for (const backend* b : backends())
    if (b->traits().waits_per_worker == 0) return *b;
  throw run_error("this build has no backend that holds every wait in flight (an event loop)");
}

trial& trial_of(std::vector<trial>& trials, std::string_view label) {
  const auto it =
      std::find_if(trials.begin(), trials.end(), [&](const trial& t) { return t.label == label; });
  if (it == trials.end()) throw run_error(fmt::format("the trial '{}' is missing", label));
  return *it;
}

double others(std::vector<trial>& trials, std::string_view a, std::string_view b) {
  return std::max(trial_of(trials, a).other_cpus, trial_of(trials, b).other_cpus);
}

void relate(std::vector<trial>& trials, std::string_view label, std::string_view baseline) {
  const record& base = find(trials, baseline);
  trial& t = trial_of(trials, label);
  relate_to_baseline(t.rec, base.median_s);
  t.over = std::string(baseline);
  t.over_fastest_s = base.min_s;
}

bool near_ideal(const record& r) {
  // 1% below the bound is the clock's rounding; anything faster did not run the waits.
  return r.ideal_s > 0 && r.median_s >= 0.99 * r.ideal_s && r.median_s <= timing_margin * r.ideal_s;
}

bool scales(const record& r, double ideal_speedup) {
  return r.speedup > 0 && r.speedup >= ideal_speedup / timing_margin;
}

bool beyond_noise(const trial& t) {
  return t.rec.speedup > 1 && t.rec.median_s > 0 && t.rec.median_s < t.over_fastest_s;
}

void check_cpu_scaling(checks& c, const trial& t, std::string_view what) {
  const record& r = t.rec;
  const double ideal = std::min(r.threads, r.cores);
  const std::string said = fmt::format("{} ran {} faster on {} workers ({})", what,
                                       times(r.speedup), r.threads, r.backend);
  if (ideal < 2)
    return c.cannot_show(fmt::format(
        "{}, but {} usable CPU leaves no parallel speedup to show; run it on two or more", said,
        r.cores));
  // On 2 CPUs the ideal / timing_margin is 1x, which no speedup at all would reach: the claim
  // needs its median beyond the baseline's fastest rep too (beyond_noise).
  const std::string expected =
      fmt::format("{} (at least {} expected, its median faster than the fastest rep of '{}')", said,
                  times(ideal / timing_margin), t.over);
  const bool shown = scales(r, ideal) && beyond_noise(t);
  // A miss under load is set aside only when the CPUs the others left explain it: on a large
  // machine a quarter of a CPU of background work cannot excuse a speedup of 10 where 64 was due.
  const double left = std::min<double>(r.threads, r.cores - t.other_cpus);
  if (shown || left < 1.5 || scales(r, left)) return c.unless_busy(shown, t.other_cpus, expected);
  c.must(false, fmt::format("{}; other processes kept {:.2f} CPUs busy, but even on the {:.1f} "
                            "they left at least {} was due",
                            expected, t.other_cpus, left, times(left / timing_margin)));
}

namespace {
const record_field* field_of(const record& r, std::string_view name) {
  const auto it = std::find_if(r.fields.begin(), r.fields.end(),
                               [&](const record_field& f) { return f.name == name; });
  return it == r.fields.end() ? nullptr : &*it;
}
template <class T>
T value_of(const record& r, std::string_view name) {
  const record_field* f = field_of(r, name);
  const T* v = f == nullptr ? nullptr : std::get_if<T>(&f->value);
  return v == nullptr ? T{} : *v;
}
}  // namespace

std::int64_t int_field(const record& r, std::string_view name) {
  return value_of<std::int64_t>(r, name);
}
bool bool_field(const record& r, std::string_view name) { return value_of<bool>(r, name); }
double real_field(const record& r, std::string_view name) { return value_of<double>(r, name); }
std::string text_field(const record& r, std::string_view name) {
  return value_of<std::string>(r, name);
}

std::string param_text(const record& r, std::string_view name) {
  const std::string key = std::string(name) + '=';
  for (std::size_t at = 0; at < r.params.size();) {
    const std::size_t end = std::min(r.params.find(' ', at), r.params.size());
    const std::string_view word = std::string_view(r.params).substr(at, end - at);
    if (word.starts_with(key)) return std::string(word.substr(key.size()));
    at = end + 1;
  }
  return "";
}

void checks::unless_busy(bool ok, double other_cpus, std::string text) {
  if (ok || other_cpus < busy_machine_cpus) return must(ok, std::move(text));
  cannot_show(
      fmt::format("{}, but other processes kept {:.2f} CPUs busy meanwhile (at least {} "
                  "sets such a claim aside); run it again on an idle machine",
                  text, other_cpus, busy_machine_cpus));
}

judgement checks::result() const {
  verdict worst = verdict::holds;
  for (const judgement& j : items_) worst = std::max(worst, j.result);
  std::string reason;
  for (const judgement& j : items_)
    if (j.result == worst) reason += (reason.empty() ? "" : "; ") + j.reason;
  for (const std::string& n : notes_) reason += (reason.empty() ? "" : "; ") + n;
  return {worst, reason};
}

// ---- tables ----

std::string seconds(double s) { return s > 0 ? format_duration(s) : "-"; }
std::string times(double x) { return x > 0 ? fmt::format("{:.2f}x", x) : "-"; }
// "164 B", "7.90 kB", "16.5 MB", "9.41 GB": three significant digits at most, decimal units.
std::string bytes(double b) {
  constexpr std::array<const char*, 5> units = {"B", "kB", "MB", "GB", "TB"};
  std::size_t u = 0;
  while (b >= 999.5 && u + 1 < units.size()) {
    b /= 1000;
    ++u;
  }
  const int decimals = u == 0 || b >= 99.95 ? 0 : b >= 9.995 ? 1 : 2;
  return fmt::format("{:.{}f} {}", b, decimals, units[u]);
}

std::string share(double x) { return x > 0 ? fmt::format("{:.0f}%", 100 * x) : "-"; }

table tabulate(const std::vector<trial>& trials, const std::vector<column>& columns) {
  table t;
  t.header.push_back("trial");
  for (const column& c : columns) {
    t.header.push_back(c.header);
    if (!c.legend.empty()) t.legend.push_back(fmt::format("{}: {}", c.header, c.legend));
  }
  for (const trial& tr : trials) {
    std::vector<std::string> row{tr.label};
    for (const column& c : columns)
      row.push_back(!tr.rec.verified ? "-" : c.trial_cell ? c.trial_cell(tr) : c.cell(tr.rec));
    t.rows.push_back(std::move(row));
  }
  return t;
}

column explained(column c, std::string legend) {
  c.legend = std::move(legend);
  return c;
}

namespace col {
column backend() {
  return {"backend", [](const record& r) { return r.backend; }};
}
column workers() {
  return {"workers", [](const record& r) { return std::to_string(r.workers_seen); }, nullptr,
          "the workers seen running, counted in every rep (the fewest)"};
}
column median() {
  return {"median", [](const record& r) { return seconds(r.median_s); }, nullptr,
          "the median wall time of the reps (3 under --quick, else 5, after a warm-up)"};
}
column ideal() {
  return {"ideal", [](const record& r) { return seconds(r.ideal_s); }, nullptr,
          "the least time its waits allow on these workers"};
}
column speedup() {
  return {"speedup", [](const record& r) { return times(r.speedup); }, nullptr,
          "the median of the trial named under `over` divided by this trial's median"};
}
column over() {
  return {"over", nullptr, [](const trial& t) { return t.over.empty() ? "-" : t.over; }};
}
column bandwidth() {
  return {"median bw", [](const record& r) { return share(r.bandwidth_fraction); }, nullptr,
          "the median rep's bytes per second over the read bandwidth probed in this command"};
}
column share_field(std::string name, std::string header) {
  return {std::move(header), [name = std::move(name)](const record& r) {
            return field_of(r, name) == nullptr ? std::string("-") : share(real_field(r, name));
          }};
}
column seconds_field(std::string name, std::string header) {
  return {std::move(header), [name = std::move(name)](const record& r) {
            return field_of(r, name) == nullptr ? std::string("-") : seconds(real_field(r, name));
          }};
}
column field(std::string name, std::string header) {
  return {std::move(header), [name = std::move(name)](const record& r) {
            const record_field* f = field_of(r, name);
            return f == nullptr ? std::string("-") : field_text(*f);
          }};
}
column param(std::string name, std::string header) {
  return {std::move(header), [name = std::move(name)](const record& r) {
            const std::string v = param_text(r, name);
            return v.empty() ? std::string("-") : v;
          }};
}
}  // namespace col

}  // namespace parlab::runner::lab
