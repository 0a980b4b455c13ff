#include "runners/cli.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "parlab/error.hpp"
#ifdef PARLAB_HAVE_MPI
#include "parlab/mpi.hpp"
#endif
#include "backends/placement.hpp"
#include "parlab/registry.hpp"
#include "runners/compare_command.hpp"
#include "runners/gil.hpp"
#include "runners/gnuplot.hpp"
#include "runners/info_text.hpp"
#include "runners/lab/command.hpp"
#include "runners/machine.hpp"
#include "runners/memory_use.hpp"
#include "runners/options.hpp"
#include "runners/task_limits.hpp"
#include "runners/terminal.hpp"
#include "runners/units.hpp"

namespace parlab::runner {
namespace {

// Every option as typed, validated after parsing so that each bad value gets one line naming
// the flag, the value and what is accepted.
struct raw_options {
  std::string kernel, backends, threads, reps = "5", warmup = "1", schedule = "static", grain = "0";
  std::string numa = "local";
  std::string format, output, csv, json, plot, switch_interval;
  std::optional<std::string> timeout, run_timeout;  // given as '' is not the same as not given
  std::optional<std::string> pin;                   // not given: the machine decides (default_pin)
  std::string cpu_on, cpu_workers;
  std::string ranks, launcher;
  bool rank_job = false;
  std::string color = "auto";
  bool weak = false, no_progress = false, no_probe = false, gil = false;
  std::map<std::string, std::string> params;  // kernel parameters given
};

template <class F>
auto checked(std::string_view flag, const std::string& value, F parse) {
  try {
    return parse(value);
  } catch (const usage_error& e) {
    bad(flag, value, e.what());
  }
}

// --timeout and --run-timeout: a duration above zero when given, even as ''; 0 when not.
double limit_seconds(std::string_view flag, const std::optional<std::string>& raw) {
  if (!raw) return 0;
  const double seconds = raw->empty() ? 0 : checked(flag, *raw, parse_duration);
  if (seconds <= 0) bad(flag, *raw, "a duration above zero, such as 30s");
  return seconds;
}

std::string names_of_kernels() {
  std::string s;
  for (const kernel_entry& k : kernels()) s += (s.empty() ? "" : ", ") + std::string(k.name);
  return s;
}

std::string names_of_backends() {
  std::string s;
  for (const backend* b : backends()) s += (s.empty() ? "" : ", ") + std::string(b->name());
  for (const backend_family& f : backend_families()) s += ", " + std::string(f.name) + "+BACKEND";
  return s;
}

// The backend `name` names, nullptr for none; a family that cannot run over the inner backend
// named (mpi+mpi) is bad input of `flag`.
const backend* backend_named(std::string_view flag, const std::string& given,
                             const std::string& name) {
  try {
    return find_backend(name);
  } catch (const usage_error& e) {
    bad(flag, given, fmt::format("backends this build can make, and {}", e.what()));
  }
}

std::vector<std::string> parse_backends(const std::string& text, const std::string& command) {
  std::vector<std::string> out;
  if (text == "all") {
    for (const backend* b : backends()) out.emplace_back(b->name());
    return out;
  }
  std::set<std::string> seen;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    std::string name = text.substr(start, comma - start);
    if (backend_named("-b/--backend", text, name) == nullptr)
      bad("-b/--backend", text,
          (command == "sweep" ? "all or a comma list of " : "one or more of ") +
              names_of_backends());
    if (seen.insert(name).second) out.push_back(std::move(name));
    start = comma + 1;
  }
  return out;
}

// The choice whose to_string() is `value`: the names printed in records are the names accepted.
template <class E>
E parse_choice(std::string_view flag, const std::string& value, std::initializer_list<E> choices) {
  std::string accepted;
  for (const E e : choices) {
    if (to_string(e) == value) return e;
    accepted += (accepted.empty() ? "" : "|") + std::string(to_string(e));
  }
  bad(flag, value, accepted);
}

std::string type_name(param_kind kind) {
  switch (kind) {
    case param_kind::size:
      return "SIZE";
    case param_kind::count:
      return "N";
    case param_kind::duration:
      return "DURATION";
    case param_kind::fraction:
      return "FRACTION";
    case param_kind::choice:
      return "WORD";
    case param_kind::flag:
      return "";
  }
  return "VALUE";
}

void add_kernel_params(CLI::App* cmd, raw_options& raw) {
  std::set<std::string> added;
  for (const kernel_entry& entry : kernels()) {
    const auto k = entry.make();
    for (const param_spec& p : k->params()) {
      if (!added.insert(p.name).second) continue;
      const std::string words =
          p.kind == param_kind::choice ? fmt::format(" ({})", fmt::join(p.choices, "|")) : "";
      const std::string help = fmt::format("[{}] {}{}", entry.name, p.help, words);
      if (p.kind == param_kind::flag) {
        cmd->add_flag_callback(
               "--" + p.name, [&raw, name = p.name] { raw.params[name] = "1"; }, help)
            ->group("Kernel parameters");
        continue;
      }
      cmd->add_option("--" + p.name, raw.params[p.name], help)
          ->type_name(type_name(p.kind))
          ->group("Kernel parameters");
    }
  }
}

void add_measure_options(CLI::App* cmd, raw_options& raw, bool sweep) {
  cmd->add_option("-k,--kernel", raw.kernel, "kernel: " + names_of_kernels())
      ->type_name("NAME")
      ->required();
  auto* b = cmd->add_option("-b,--backend", raw.backends,
                            sweep ? "all (default) or a comma list: " + names_of_backends()
                                  : "one or a comma list: " + names_of_backends())
                ->type_name("LIST");
  auto* t = cmd->add_option("-t,--threads", raw.threads,
                            "thread counts: 4 | 1,2,4,8 | 1..16 | pow2 | max" +
                                std::string(sweep ? " (default pow2)" : ""))
                ->type_name("SPEC");
  if (!sweep) {
    b->required();
    t->required();
  }
  cmd->add_option("--reps", raw.reps, "timed repetitions (default 5)")
      ->type_name("N")
      ->group("Measurement");
  cmd->add_option("--warmup", raw.warmup, "untimed runs first (default 1)")
      ->type_name("N")
      ->group("Measurement");
  cmd->add_option("--schedule", raw.schedule, "static|dynamic|guided (default static)")
      ->type_name("KIND")
      ->group("Measurement");
  cmd->add_option("--grain", raw.grain, "elements per chunk; 0 = engine's choice")
      ->type_name("SIZE")
      ->group("Measurement");
  cmd->add_option("--pin", raw.pin,
                  "none|compact|spread (default compact on a machine of several NUMA nodes, none "
                  "on one)")
      ->type_name("POLICY")
      ->group("Measurement");
  cmd->add_option("--numa", raw.numa,
                  "local|interleave: each worker's block on its node, first touched by it "
                  "(default), or every page round robin over the nodes")
      ->type_name("POLICY")
      ->group("Measurement");
  cmd->add_option("--timeout", raw.timeout,
                  "give up after this long (30s, 10min): exit 1, finished records kept")
      ->type_name("DURATION")
      ->group("Measurement");
  cmd->add_option("--run-timeout", raw.run_timeout,
                  "bound each run (each warm-up and timed rep): a process backend's run fails, "
                  "any other ends the command as --timeout does")
      ->type_name("DURATION")
      ->group("Measurement");
  cmd->add_flag("--gil", raw.gil,
                "run every chunk holding one emulated global interpreter lock, as CPython does")
      ->group("Measurement");
  cmd->add_option("--switch-interval", raw.switch_interval,
                  "with --gil: how long a waiting thread waits before asking (default 5ms)")
      ->type_name("DURATION")
      ->group("Measurement");
  cmd->add_option("--cpu-on", raw.cpu_on,
                  "a staged run: the kernel's second stage (mixed's and pipeline's CPU work) on "
                  "this backend, its first on -b")
      ->type_name("BACKEND")
      ->group("Measurement");
  cmd->add_option("--cpu-workers", raw.cpu_workers,
                  "with --cpu-on: its workers (default: the CPUs this process may use)")
      ->type_name("N")
      ->group("Measurement");
  if (sweep) {
    cmd->add_option("--ranks", raw.ranks,
                    "a sweep over MPI ranks: one job per count (1,2,4 | 1..8 | pow2), each "
                    "running -b's mpi backends")
        ->type_name("SPEC")
        ->group("Measurement");
    cmd->add_option("--launcher", raw.launcher, "with --ranks: mpirun (default) or srun")
        ->type_name("NAME")
        ->group("Measurement");
    // Internal: how a sweep over ranks starts each job's ranks (runners/rank_jobs.hpp).
    cmd->add_flag("--rank-job", raw.rank_job)->group("");
  }
  if (sweep)
    cmd->add_flag("--weak", raw.weak,
                  "weak scaling: size (else first count) parameter x threads; scaled speedup")
        ->group("Measurement");
  cmd->add_option("--format", raw.format, "table|csv|json (default table)")
      ->type_name("FORMAT")
      ->group("Output");
  cmd->add_option("-o,--output", raw.output, "write the --format report to FILE, not stdout")
      ->type_name("FILE")
      ->group("Output");
  cmd->add_option("--csv", raw.csv, "also write the records as CSV to FILE, whatever --format")
      ->type_name("FILE")
      ->group("Output");
  cmd->add_option("--json", raw.json, "also write the JSON document to FILE, whatever --format")
      ->type_name("FILE")
      ->group("Output");
  if (sweep)
    cmd->add_option("--plot", raw.plot,
                    "gnuplot draws speedup and efficiency vs threads to FILE.svg|.png")
        ->type_name("FILE")
        ->group("Output");
  cmd->add_option("--color", raw.color,
                  "auto|always|never: colour in the table (auto: on a terminal a person reads, "
                  "NO_COLOR unset)")
      ->type_name("WHEN")
      ->group("Output");
  cmd->add_flag("--no-progress", raw.no_progress,
                "no progress bar (shown on stderr only when it is a terminal)")
      ->group("Output");
  cmd->add_flag("--no-probe", raw.no_probe,
                "skip the read-bandwidth probe run first for memory-streaming kernels (~1 s)")
      ->group("Measurement");
  add_kernel_params(cmd, raw);
}

// The kernel parameters given must be the chosen kernel's, each in its kind's form.
param_values parse_params(const raw_options& raw, const kernel& k) {
  param_values values;
  const std::vector<param_spec> specs = k.params();
  for (const auto& given : raw.params) {
    const std::string& name = given.first;  // not a structured binding: clang 14 cannot capture one
    const std::string& text = given.second;
    if (text.empty()) continue;
    const auto spec = std::find_if(specs.begin(), specs.end(),
                                   [&](const param_spec& s) { return s.name == name; });
    if (spec == specs.end()) {
      std::string own;
      for (const param_spec& s : specs) own += (own.empty() ? "--" : ", --") + s.name;
      throw usage_error(fmt::format("--{} '{}': kernel {} does not take --{} (its parameters: {})",
                                    name, text, k.name(), name, own));
    }
    const std::string flag = "--" + name;
    double v = 0;
    switch (spec->kind) {
      case param_kind::size:
        v = static_cast<double>(checked(flag, text, parse_size));
        break;
      case param_kind::count:
        v = static_cast<double>(checked(flag, text, parse_count));
        break;
      case param_kind::duration:
        v = checked(flag, text, parse_duration);
        break;
      case param_kind::fraction:
        v = checked(flag, text, parse_fraction);
        break;
      case param_kind::flag:
        v = 1;
        break;
      case param_kind::choice: {
        const std::optional<double> index = spec->choice_value(text);
        if (!index) bad(flag, text, fmt::format("{}", fmt::join(spec->choices, "|")));
        v = *index;
        break;
      }
    }
    if (v < spec->min_value || (spec->max_value > 0 && v > spec->max_value)) {
      const char* unit = spec->kind == param_kind::duration ? "s" : "";
      bad(flag, text,
          spec->max_value > 0
              ? fmt::format("from {}{} to {:.0f}{}", spec->min_value, unit, spec->max_value, unit)
              : fmt::format("at least {}{}", spec->min_value, unit));
    }
    values.set(name, v);
  }
  return values;
}

bool same_file(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return false;
  std::error_code ec;
  // absolute() first: weakly_canonical leaves a relative path to a missing file relative.
  const auto canonical = [&ec](const std::string& p) {
    return std::filesystem::weakly_canonical(std::filesystem::absolute(p, ec), ec);
  };
  return canonical(a) == canonical(b);
}

// Two sinks writing one file would interleave; a plot gnuplot cannot write fails only at the
// end, after the whole sweep: both are caught before any work.
void check_output_paths(const sweep_options& o) {
  if (!o.plot.empty()) gnuplot::check_plot_path("--plot", o.plot);
  const std::pair<std::string_view, const std::string*> paths[] = {{"-o/--output", &o.output},
                                                                   {"--csv", &o.csv_file},
                                                                   {"--json", &o.json_file},
                                                                   {"--plot", &o.plot}};
  for (std::size_t i = 0; i < std::size(paths); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (!paths[i].second->empty() && same_file(*paths[i].second, *paths[j].second))
        bad(paths[i].first, *paths[i].second,
            fmt::format("a file other than {}'s", paths[j].first));
}

// The values given with the kernel's defaults for the rest: what the kernel will be prepared with.
param_values with_defaults(param_values v, const kernel& k) {
  v.fill_defaults(k.params());
  return v;
}

std::vector<std::string> backends_keeping_workers(const std::vector<std::string>& backend_names) {
  std::vector<std::string> keepers;
  for (const std::string& name : backend_names)
    if (find_backend(name)->traits().keeps_workers) keepers.push_back(name);
  return keepers;
}

// How many sets of a count's workers are alive at once: while the last backend runs, the
// workers of each backend before it that keeps them (OpenMP's team, TBB's pool) are alive too.
std::size_t worker_sets_alive(const std::vector<std::string>& backend_names) {
  const std::size_t keepers = backends_keeping_workers(backend_names).size();
  return std::max<std::size_t>(keepers + (keepers < backend_names.size()), 1);
}

// Each worker is a thread or a process, each rank a process, and the backends that keep their
// workers still hold them while a sweep's next backend runs: a count the process limits cannot
// give would fail midway through a sweep, so it is refused up front with the largest that fits.
void check_task_room(std::string_view flag, const std::string& spec,
                     const std::vector<unsigned>& counts, const std::vector<unsigned>& ranks,
                     const std::vector<std::string>& backend_names) {
  const std::vector<std::string> keepers = backends_keeping_workers(backend_names);
  const std::size_t per_rank = ranks.empty() ? 1 : *std::max_element(ranks.begin(), ranks.end());
  const std::size_t per_count = worker_sets_alive(backend_names) * per_rank;
  const std::size_t need = *std::max_element(counts.begin(), counts.end()) * per_count;
  // parlab's own threads beside the workers: the memory sampler, the watchdog, the progress bar.
  constexpr std::size_t own_threads = 4;
  const std::size_t room = tasks_left(read_task_limits());
  const std::size_t left = room > own_threads ? room - own_threads : 0;
  if (need <= left) return;
  std::vector<std::string> why;
  if (keepers.size() > 1 || (keepers.size() == 1 && backend_names.size() > 1))
    why.push_back(
        fmt::format("{} keep their workers while later backends run", fmt::join(keepers, ", ")));
  if (per_rank > 1) why.push_back(fmt::format("each of {} ranks runs them", per_rank));
  bad(flag, spec,
      fmt::format("at most {}: this process may start {} more threads or processes (the cgroup's "
                  "pids.max, RLIMIT_NPROC, kernel.threads-max){}",
                  left / per_count, left,
                  why.empty() ? ""
                              : fmt::format("; {} workers a count here: {}", per_count,
                                            fmt::join(why, ", "))));
}

// A backend may run at most so many workers (mpi: one a rank), and a kernel may need a number its
// values imply (pipeline: a producer and a consumer at least): every count of the sweep that a
// backend would run with is checked before any work.
void check_worker_counts(const sweep_options& o, const kernel& k) {
  for (const std::string& name : o.backends) {
    const backend& b = *find_backend(name);
    const unsigned most = b.traits().max_workers;
    if (most > 0 && *std::max_element(o.threads.begin(), o.threads.end()) > most)
      bad("-t/--threads", o.threads_spec,
          fmt::format("at most {} for backend {} ({})", most, name, b.description()));
  }
  const param_values values = with_defaults(o.params, k);
  bool counted = false;
  for (const std::string& name : o.backends)
    counted |= find_backend(name)->traits().uses_thread_count;
  for (const unsigned t : counted ? o.threads : std::vector<unsigned>{1}) {
    const std::string problem = k.worker_problem(values, t);
    if (!problem.empty())
      bad("-t/--threads", o.threads_spec, fmt::format("{}; {} is not", problem, t));
  }
  if (counted) check_task_room("-t/--threads", o.threads_spec, o.threads, o.ranks, o.backends);
}

// Both stages of a staged run must promise that their workers run at once (they wait on each
// other) and be different backends; the kernel must be one of roles.
void resolve_cpu_on(const raw_options& raw, const kernel& k, sweep_options& o) {
  if (raw.cpu_on.empty()) {
    if (!raw.cpu_workers.empty())
      bad("--cpu-workers", raw.cpu_workers, "--cpu-on as well (it sizes --cpu-on's stage)");
    return;
  }
  std::string able, staged;
  for (const backend* b : backends())
    if (b->traits().promises_concurrency && b->traits().uses_thread_count)
      able += (able.empty() ? "" : ", ") + std::string(b->name());
  for (const kernel_entry& entry : kernels())
    if (entry.make()->task().role) staged += (staged.empty() ? "" : ", ") + std::string(entry.name);
  const backend* b = backend_named("--cpu-on", raw.cpu_on, raw.cpu_on);
  if (b == nullptr || !b->traits().promises_concurrency || !b->traits().uses_thread_count)
    bad("--cpu-on", raw.cpu_on,
        "a backend whose workers all run at once, as a stage needs: one of " + able);
  if (!k.task().role)
    bad("--cpu-on", raw.cpu_on,
        fmt::format("a kernel of two stages ({}); kernel {} is one reduction", staged, k.name()));
  o.cpu_on = raw.cpu_on;
  o.cpu_workers = usable_cpus().cpus;
  if (!raw.cpu_workers.empty()) {
    const auto n = checked("--cpu-workers", raw.cpu_workers, parse_count);
    if (n < 1 || n > max_threads)
      bad("--cpu-workers", raw.cpu_workers,
          fmt::format("a whole number from 1 to {}", max_threads));
    o.cpu_workers = static_cast<unsigned>(n);
    check_task_room("--cpu-workers", raw.cpu_workers, {o.cpu_workers}, {}, {});
  }
}

// A sweep over ranks: counts in thread-spec form, backends that run as ranks, a launcher on
// PATH; a kernel whose work does not split by index cannot spread over more than one rank.
void resolve_ranks(const raw_options& raw, const kernel& k, sweep_options& o) {
  if (raw.ranks.empty()) {
    if (!raw.launcher.empty())
      bad("--launcher", raw.launcher, "--ranks as well (it launches a sweep's jobs of ranks)");
    return;
  }
  o.ranks_spec = raw.ranks;
  o.ranks = checked("--ranks", raw.ranks,
                    [](const std::string& s) { return parse_threads(s, usable_cpus().cpus); });
  if (raw.backends.empty() || raw.backends == "all")
    bad("--ranks", raw.ranks, "-b naming backends that run as MPI ranks (mpi, mpi+BACKEND)");
  for (const std::string& name : o.backends)
    if (!find_backend(name)->traits().runs_as_ranks)
      bad("--ranks", raw.ranks,
          fmt::format("-b naming only backends that run as MPI ranks (mpi, mpi+BACKEND); {} "
                      "runs in this process",
                      name));
  if (!raw.cpu_on.empty())
    bad("--cpu-on", raw.cpu_on, "a run without --ranks (a staged run is not spread over ranks)");
  if (k.index_space(with_defaults(o.params, k)) == 0 &&
      *std::max_element(o.ranks.begin(), o.ranks.end()) > 1)
    bad("--ranks", raw.ranks,
        fmt::format("1 for kernel {}, whose work does not split by index across ranks", k.name()));
  o.launcher = parse_choice("--launcher", raw.launcher.empty() ? "mpirun" : raw.launcher,
                            {launcher_kind::mpirun, launcher_kind::srun});
  if (!launcher_on_path(o.launcher))
    bad("--launcher", std::string(to_string(o.launcher)),
        "a launcher on PATH (mpirun: apt-get install openmpi-bin; srun: run inside Slurm)");
}

// The part of the index space this process prepares: a rank of a job only its block, so a job
// may hold more than one machine's memory; but a sweep's seq baseline measured here, and every
// backend of one process, prepare the whole.
double share_prepared_here(const sweep_options& o, const kernel& k, const param_values& values) {
  const std::size_t n = k.index_space(values);
  if (n == 0 || !o.ranks.empty()) return 1.0;  // --ranks: the seq baseline runs here
  double share = o.command == "sweep" && o.reference_baseline ? 1.0 : 0.0;
  for (const std::string& name : o.backends)
    share = std::max(
        share, static_cast<double>(find_backend(name)->owned(n).size()) / static_cast<double>(n));
  return share > 0 ? share : 1.0;
}

// A size whose memory the process cannot get is refused before anything is allocated, with the
// largest that would fit: never an mmap error, a bad_alloc or the OOM killer. Under --weak the
// size grows with the threads, so the largest count decides.
void check_memory(const sweep_options& o, const kernel& k, const raw_options& raw) {
  const memory_cost cost = k.memory();
  const param_values values = with_defaults(o.params, k);  // a default size must fit too
  if (cost.param.empty() || cost.bytes_per_unit <= 0 || !values.has(cost.param)) return;
  const unsigned threads = *std::max_element(o.threads.begin(), o.threads.end());
  const double grows = o.weak ? threads : 1.0;
  const double share = share_prepared_here(o, k, values);
  const double value = values.real(cost.param);
  const auto available =
      static_cast<double>(memory_available(threads * worker_sets_alive(o.backends)));
  if (value * grows * share * cost.bytes_per_unit <= available) return;
  // The largest named leaves a little room: the next process's own size differs by a few pages,
  // and the size named must pass the check when given.
  constexpr double slack = 4 << 20;
  const auto given = raw.params.find(cost.param);
  bad("--" + cost.param,
      given != raw.params.end() && !given->second.empty() ? given->second
                                                          : fmt::format("{:g}", value),
      fmt::format(
          "at most {:.0f}{}: {:.0f} bytes each{}, and this process can get {:.2f} GB "
          "(MemAvailable, the cgroup's memory limit, RLIMIT_AS)",
          std::floor(std::max(available - slack, 0.0) / cost.bytes_per_unit / grows / share),
          o.weak ? " per thread under --weak" : "", cost.bytes_per_unit,
          share < 1 ? fmt::format(", of which this rank holds {:.3g}%", share * 100) : "",
          available / 1e9));
}

sweep_options resolve(const raw_options& raw, const std::string& command) {
  sweep_options o;
  o.command = command;
  const kernel_entry* entry = find_kernel(raw.kernel);
  if (entry == nullptr) bad("-k/--kernel", raw.kernel, "one of " + names_of_kernels());
  o.kernel = raw.kernel;
  o.params = parse_params(raw, *entry->make());
  resolve_cpu_on(raw, *entry->make(), o);
  const std::string backends_text = raw.backends.empty() ? "all" : raw.backends;
  o.backends = parse_backends(backends_text, command);
  o.rank_job = raw.rank_job;
  resolve_ranks(raw, *entry->make(), o);
  keep_backends_that_can_run(o, *entry->make(), backends_text == "all", raw.gil);
  if (o.rank_job) o.reference_baseline = false;  // the sweep that launched the job measured it
  o.threads_spec = raw.threads.empty() ? "pow2" : raw.threads;
  const unsigned limit = usable_cpus().cpus;
  o.threads = checked("-t/--threads", o.threads_spec,
                      [&](const std::string& s) { return parse_threads(s, limit); });
  if (o.cpu_on.empty())
    check_worker_counts(o, *entry->make());
  else  // staged: the stages split the workers, and each is a task
    check_task_room("-t/--threads", o.threads_spec, o.threads, {}, o.backends);
  const auto reps = checked("--reps", raw.reps, parse_count);
  if (reps < 1 || reps > 100000) bad("--reps", raw.reps, "a whole number from 1 to 100000");
  o.reps = static_cast<unsigned>(reps);
  const auto warmup = checked("--warmup", raw.warmup, parse_count);
  if (warmup > 100000) bad("--warmup", raw.warmup, "a whole number from 0 to 100000");
  o.warmup = static_cast<unsigned>(warmup);
  o.sched = parse_choice("--schedule", raw.schedule,
                         {schedule::static_, schedule::dynamic, schedule::guided});
  o.grain = checked("--grain", raw.grain, parse_size);
  o.pin = raw.pin ? parse_choice("--pin", *raw.pin,
                                 {pin_policy::none, pin_policy::compact, pin_policy::spread})
                  : detail::default_pin(detail::process_shape());
  o.numa = parse_choice("--numa", raw.numa, {numa_policy::local, numa_policy::interleave});
  o.timeout_s = limit_seconds("--timeout", raw.timeout);
  o.timeout_text = raw.timeout.value_or("");
  o.run_timeout_s = limit_seconds("--run-timeout", raw.run_timeout);
  o.run_timeout_text = raw.run_timeout.value_or("");
  if (!raw.switch_interval.empty() && !raw.gil)
    bad("--switch-interval", raw.switch_interval, "--gil as well (it sets the GIL's interval)");
  if (raw.gil) {
    o.gil_interval_s = std::chrono::duration<double>(default_switch_interval).count();
    const std::string text = raw.switch_interval.empty() ? "5ms" : raw.switch_interval;
    if (!raw.switch_interval.empty())
      o.gil_interval_s = checked("--switch-interval", text, parse_duration);
    if (o.gil_interval_s <= 0 || o.gil_interval_s > 10)
      bad("--switch-interval", text, "a duration above zero and at most 10s, such as 5ms");
  }
  o.weak = raw.weak;
  check_memory(o, *entry->make(), raw);
  const std::string format = raw.format.empty() ? "table" : raw.format;
  o.format = parse_choice("--format", format,
                          {output_format::table, output_format::csv, output_format::json_doc});
  o.output = raw.output;
  o.csv_file = raw.csv;
  o.json_file = raw.json;
  o.plot = raw.plot;
  check_output_paths(o);
  o.colour = colour_chosen(raw.color, o.output.empty() ? STDOUT_FILENO : -1);
  o.progress = !raw.no_progress && read_by_a_person(STDERR_FILENO);
  o.probe = !raw.no_probe;
  return o;
}

int list_command() {
  fmt::print("kernels:\n");
  for (const kernel_entry& k : kernels())
    fmt::print("  {:<10} {}\n", k.name, k.make()->description());
  fmt::print("backends:\n");
  for (const backend* b : backends()) fmt::print("  {:<10} {}\n", b->name(), b->description());
  for (const backend_family& f : backend_families())
    fmt::print("  {:<10} {}\n", std::string(f.name) + "+BACKEND", f.description);
#ifndef PARLAB_HAVE_MPI
  fmt::print(
      "  {:<10} not built: MPI was not found when parlab was configured (install-deps "
      "installs Open MPI)\n",
      "mpi");
#endif
  return 0;
}

int info_command(bool as_json, bool probe);

}  // namespace

namespace {

// Why backend b cannot run this kernel as asked, as a phrase after its name; "" when it can.
std::string refusal(const backend& b, const kernel& k, const sweep_options& o, bool gil) {
  const backend_traits t = b.traits();
  const bool staged = !o.cpu_on.empty();
  if (staged && b.name() == o.cpu_on) return "runs the --cpu-on stage";
  if (t.runs_only_waits && !k.has_waiting_items())
    return fmt::format("is an event loop: it runs waits, not computation, and kernel {} computes",
                       k.name());
  // A backend that gives each process a part of the index space (mpi's ranks) needs a kernel
  // whose work splits by index; asked of the backend, so MPI starts only when one is named.
  // A sweep over ranks checks this itself, without starting MPI in the process that launches.
  if (constexpr std::size_t probe = std::size_t{1} << 20;
      o.ranks.empty() && k.index_space(with_defaults(o.params, k)) == 0 &&
      b.owned(probe).size() != probe)
    return fmt::format(
        "splits the index space across processes, and kernel {}'s work does not split by index",
        k.name());
  if (t.runs_only_waits && gil)
    return "is an event loop: its coroutines never block, so an emulated GIL has nothing to hand "
           "over";
  if ((k.traits().needs_concurrency || staged) &&
      !(t.promises_concurrency && (!staged || t.uses_thread_count)))
    return fmt::format("does not promise that all its workers run at once{}, which {} needs",
                       staged ? " and are counted by -t" : "",
                       staged ? "a staged run's first stage" : fmt::format("kernel {}", k.name()));
  return {};
}

}  // namespace

// A backend that cannot run the kernel (its workers would deadlock, or it runs only waits):
// `-b all` leaves it out and says so on stderr; naming one is exit 2, saying which can.
void keep_backends_that_can_run(sweep_options& o, const kernel& k, bool all, bool gil) {
  if (k.traits().needs_concurrency || !o.cpu_on.empty())
    o.reference_baseline = false;  // seq cannot run it
  std::vector<std::string> able, kept, unable;
  for (const backend* b : backends())
    if (refusal(*b, k, o, gil).empty()) able.emplace_back(b->name());
  std::vector<std::pair<std::string, std::vector<std::string>>> why;  // reason, backends
  for (const std::string& name : o.backends) {
    const std::string reason = refusal(*find_backend(name), k, o, gil);
    if (reason.empty()) {
      kept.push_back(name);
      continue;
    }
    unable.push_back(name);
    auto same =
        std::find_if(why.begin(), why.end(), [&](const auto& w) { return w.first == reason; });
    if (same == why.end()) same = why.insert(why.end(), {reason, {}});
    same->second.push_back(name);
  }
  if (unable.empty()) return;
  std::vector<std::string> said;
  for (const auto& [reason, names] : why) {
    std::string verb = reason.substr(0, reason.find(' '));  // "is ...", "does ...", "runs ..."
    if (names.size() > 1)
      verb = verb == "is" ? "are" : verb == "does" ? "do" : verb.substr(0, verb.size() - 1);
    said.push_back(
        fmt::format("{} {}{}", fmt::join(names, ", "), verb, reason.substr(reason.find(' '))));
  }
  const std::string because =
      fmt::format("{} (backends that can: {})", fmt::join(said, "; "), fmt::join(able, ", "));
  if (!all)
    throw usage_error(fmt::format("-b/--backend '{}': expected backends that can run it: {}",
                                  fmt::join(o.backends, ","), because));
  o.skipped = fmt::format("skipped {}: {}", fmt::join(unable, ", "), because);
  o.backends = kept;
}

namespace {

// An option given an empty value ('-t ""', '--size=') would read as one not given and run its
// default: refused, on every subcommand, with what the option takes.
void refuse_empty_values(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands()) {
    for (const CLI::Option* opt : sub->get_options()) {
      if (opt->count() == 0 || opt->get_type_size() == 0) continue;  // not given, or a flag
      const std::vector<std::string>& given = opt->results();
      if (std::none_of(given.begin(), given.end(), [](const std::string& v) { return v.empty(); }))
        continue;
      std::vector<std::string> names;
      for (const std::string& n : opt->get_snames()) names.push_back("-" + n);
      for (const std::string& n : opt->get_lnames()) names.push_back("--" + n);
      if (names.empty()) names.push_back(opt->get_name());  // a positional
      bad(fmt::format("{}", fmt::join(names, "/")), "",
          fmt::format("a value: {}", opt->get_description()));
    }
    refuse_empty_values(*sub);
  }
}

// CLI11's message, or for a switch given a value the contract's form, naming the value.
std::string parse_error_line(const std::string& what, int argc, char** argv) {
  const std::string_view tail = " was given a disallowed flag override";
  if (!what.ends_with(tail)) return what;
  std::string flag = what.substr(0, what.size() - tail.size());
  if (!flag.starts_with('-')) flag = (flag.size() == 1 ? "-" : "--") + flag;  // CLI11 drops them
  for (int i = 1; i < argc; ++i)
    if (const std::string_view arg = argv[i]; arg.starts_with(flag + "="))
      return fmt::format("{} '{}': expected no value ({} is a switch: give it alone)", flag,
                         arg.substr(flag.size() + 1), flag);
  return fmt::format("{}: expected no value ({} is a switch: give it alone)", flag, flag);
}

}  // namespace

namespace {

// The command line as CLI11 reads it: the app and the raw values its options write into, which
// outlive the parse (the options hold references to them).
struct command_line {
  CLI::App app{"parlab: measure how one kernel scales across cores on interchangeable backends"};
  bool info_json = false, info_no_probe = false;
  raw_options run_raw, sweep_raw;
  lab::lab_args lab_raw;
  compare_args compare_raw;

  command_line();
  command_line(const command_line&) = delete;
  command_line& operator=(const command_line&) = delete;
};

command_line::command_line() {
#ifdef PARLAB_HAVE_MPI
  add_backend_family(mpi_family());  // MPI itself starts only when an mpi backend runs
#endif
  app.require_subcommand(1);
  // A switch takes no value: CLI11 would read `--weak=no` as off and `--shared=2` as on.
  app.option_defaults()->disable_flag_override();
  app.footer(
      "Examples:\n"
      "  parlab list\n"
      "  parlab info --json\n"
      "  parlab run -k sum -b tbb -t 2 --size 1e8\n"
      "  parlab sweep -k sum -b all -t pow2 --size 1e8 --plot s.svg\n"
      "  parlab lab all --quick\n"
      "  parlab compare base.json new.json\n"
      "Exit codes: 0 ok; 1 a run failed, did not verify, hit a time limit or the plot failed; 2 "
      "bad usage or input; 128+N stopped by signal N (what finished is written). Details: "
      "docs/RUNNER.md");
  app.add_subcommand("list", "kernels and backends in this build");
  auto* info =
      app.add_subcommand("info", "machine and runtime facts: cores, caches, affinity, versions");
  info->add_flag("--json", info_json, "as one JSON object");
  info->add_flag("--no-probe", info_no_probe, "skip the read-bandwidth probe (~1 s)");
  auto* run = app.add_subcommand("run", "measure one kernel on one backend");
  run->footer(
      "Examples:\n  parlab run -k sum -b omp -t 2 --size 1e8\n  parlab run -k io -b threads -t 4 "
      "--tasks 4 --duration 100ms --format json");
  add_measure_options(run, run_raw, false);
  auto* sweep =
      app.add_subcommand("sweep", "the scaling report: every backend over a list of thread counts");
  sweep->footer(
      "Examples:\n"
      "  parlab sweep -k sum -t pow2 --size 1e8 --plot s.svg\n"
      "  parlab sweep -k sum -t pow2 --size 1e7 --intensity 64 --csv s.csv --json s.json\n"
      "  parlab sweep -k io -b threads,tbb -t 1..8 --tasks 32 --format csv -o io.csv\n"
      "  parlab sweep -k sum -b omp,tbb -t 1..4 --size 1e7 --weak --timeout 5min\n"
      "  parlab sweep -k sum -b mpi+omp --ranks 1,2,4 -t 1,2 --size 1e8   (one mpirun job per "
      "count)\n"
      "The seq baseline runs first, once; speedup = seq median / median, efficiency = speedup /\n"
      "threads. With 3+ thread counts each backend gets Amdahl (Gustafson with --weak) and USL\n"
      "fits. Exit codes: 0 ok; 1 a run failed, did not verify, hit a time limit or the plot\n"
      "failed; 2 bad usage or input; 128+N stopped by signal N (SIGINT 130, SIGTERM 143).");
  add_measure_options(sweep, sweep_raw, true);
  lab::add_lab_subcommand(app, lab_raw);
  add_compare_subcommand(app, compare_raw);
}

// What the command line asks for once parsed and validated: an exit code to return now (help was
// printed, or CLI11 refused the syntax), else the subcommand, and for run and sweep what to run.
struct validated {
  std::optional<int> exit_code;
  std::string command;
  std::optional<sweep_options> measure;
};

// Everything the CLI checks before it starts any work. Throws usage_error on bad input.
validated parse_and_validate(command_line& cl, int argc, char** argv) {
  try {
    cl.app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return {cl.app.exit(e), {}, {}};
    fmt::print(stderr, "parlab: {}\n", parse_error_line(e.what(), argc, argv));
    return {2, {}, {}};
  }
  refuse_empty_values(cl.app);
  validated v;
  for (const char* name : {"list", "info", "lab", "compare", "run", "sweep"})
    if (cl.app.got_subcommand(name)) v.command = name;
  if (v.command == "lab") lab::check_lab_args(cl.lab_raw);
  if (v.command == "compare") check_compare_args(cl.compare_raw);
  if (v.command == "run") v.measure = resolve(cl.run_raw, "run");
  if (v.command == "sweep") v.measure = resolve(cl.sweep_raw, "sweep");
  return v;
}

}  // namespace

int validate_only(int argc, char** argv) {
  command_line cl;
  try {
    return parse_and_validate(cl, argc, argv).exit_code.value_or(0);
  } catch (const usage_error& e) {
    fmt::print(stderr, "parlab: {}\n", e.what());
    return 2;
  }
}

int cli_main(int argc, char** argv) {
  command_line cl;
  try {
    validated v = parse_and_validate(cl, argc, argv);
    if (v.exit_code) return *v.exit_code;
    if (v.command == "list") return list_command();
    if (v.command == "info") return info_command(cl.info_json, !cl.info_no_probe);
    if (v.command == "lab") return lab::lab_command(cl.lab_raw);
    if (v.command == "compare") return compare_command(cl.compare_raw);
    return run_sweep(*v.measure);
  } catch (const usage_error& e) {
    fmt::print(stderr, "parlab: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "parlab: FAILED: {}\n", e.what());
    return 1;
  }
}

namespace {

int info_command(bool as_json, bool probe) {
  json facts = machine_facts();
  if (probe) facts["read_bandwidth"] = read_bandwidth_facts();
  if (as_json) {
    fmt::print("{}\n", facts.dump(2));
    return 0;
  }
  fmt::print("{}", info_text(facts, detail::process_shape()));
  return 0;
}

}  // namespace
}  // namespace parlab::runner
