#include "runners/rank_jobs.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "parlab/error.hpp"
#include "runners/machine.hpp"
#include "runners/options.hpp"
#include "runners/signals.hpp"
#include "runners/units.hpp"

extern char** environ;

namespace parlab::runner {

std::string_view to_string(launcher_kind l) { return l == launcher_kind::srun ? "srun" : "mpirun"; }

launch_host this_host() {
  launch_host h;
  const json topo = machine_facts().value("topology", json::object());
  const unsigned usable = usable_cpus().cpus;
  const unsigned cores = topo.value("cores", 0U), pus = topo.value("pus", 0U);
  // The usable CPUs in whole cores: hardware threads of one core are one slot to a launcher.
  h.cores = cores > 0 && pus >= cores ? std::max(1U, usable * cores / pus) : usable;
  h.root = geteuid() == 0;
  h.root_allowed_by_environment = std::getenv("OMPI_ALLOW_RUN_AS_ROOT") != nullptr &&
                                  std::getenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM") != nullptr;
  return h;
}

namespace {

void add_mpirun_flags(rank_job& job, unsigned threads, const launch_host& host) {
  const unsigned ranks = job.ranks;
  job.argv = {"mpirun", "-np", std::to_string(ranks)};
  if (host.root && !host.root_allowed_by_environment) {
    job.argv.emplace_back("--allow-run-as-root");
    job.notes.emplace_back("--allow-run-as-root: parlab runs as root, which mpirun refuses else");
  }
  if (ranks > host.cores) {
    job.argv.emplace_back("--oversubscribe");
    job.notes.push_back(fmt::format("--oversubscribe: {} ranks on {} cores", ranks, host.cores));
  }
  const std::vector<std::string> binding =
      ranks * threads <= host.cores
          ? std::vector<std::string>{"--map-by", fmt::format("slot:PE={}", threads), "--bind-to",
                                     "core"}
          : std::vector<std::string>{"--bind-to", "none"};
  job.argv.insert(job.argv.end(), binding.begin(), binding.end());
  job.binding = fmt::format("{}", fmt::join(binding, " "));
}

void add_srun_flags(rank_job& job, unsigned threads, const launch_host& host) {
  job.argv = {"srun", "--mpi=pmix", fmt::format("--ntasks={}", job.ranks),
              fmt::format("--cpus-per-task={}", threads)};
  job.binding = job.argv.back();
  if (job.ranks * threads > host.cores) {
    job.argv.emplace_back("--overcommit");
    job.binding += " --overcommit";
    job.notes.push_back(fmt::format("--overcommit: {} ranks x {} threads on {} cores", job.ranks,
                                    threads, host.cores));
  }
}

}  // namespace

rank_job plan_rank_job(launcher_kind l, unsigned ranks, unsigned threads,
                       const std::vector<std::string>& parlab_argv, const launch_host& host) {
  rank_job job;
  job.ranks = ranks;
  if (l == launcher_kind::srun)
    add_srun_flags(job, threads, host);
  else
    add_mpirun_flags(job, threads, host);
  job.argv.insert(job.argv.end(), parlab_argv.begin(), parlab_argv.end());
  return job;
}

namespace {

// A value as its flag takes it: the forms runners/units.hpp parses.
std::string value_text(const param_spec& p, double v) {
  switch (p.kind) {
    case param_kind::size:
    case param_kind::count:
      return fmt::format("{:.0f}", v);
    case param_kind::duration:
      return fmt::format("{}s", v);
    case param_kind::choice:
      return p.choices.at(static_cast<std::size_t>(v));
    case param_kind::fraction:
    case param_kind::flag:
      break;
  }
  return fmt::format("{}", v);
}

std::string this_executable() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw run_error("cannot find this executable for the ranks to run: " + ec.message());
  return exe.string();
}

}  // namespace

std::vector<std::string> rank_job_arguments(const sweep_options& o, const kernel& k,
                                            const param_values& values,
                                            const std::string& result_path) {
  std::vector<std::string> a = {this_executable(),
                                "sweep",
                                "--rank-job",
                                "-k",
                                o.kernel,
                                "-b",
                                fmt::format("{}", fmt::join(o.backends, ",")),
                                "-t",
                                fmt::format("{}", fmt::join(o.threads, ",")),
                                "--reps",
                                std::to_string(o.reps),
                                "--warmup",
                                std::to_string(o.warmup),
                                "--schedule",
                                std::string(to_string(o.sched)),
                                "--grain",
                                std::to_string(o.grain),
                                "--pin",
                                std::string(to_string(o.pin)),
                                "--numa",
                                std::string(to_string(o.numa))};
  if (o.gil_interval_s > 0)
    a.insert(a.end(), {"--gil", "--switch-interval", fmt::format("{}s", o.gil_interval_s)});
  if (o.weak) a.emplace_back("--weak");
  if (o.run_timeout_s > 0) a.insert(a.end(), {"--run-timeout", o.run_timeout_text});
  for (const param_spec& p : k.params()) {
    if (!values.has(p.name)) continue;
    const double v = values.real(p.name);
    if (p.kind == param_kind::flag) {
      if (v != 0) a.push_back("--" + p.name);
      continue;
    }
    a.insert(a.end(), {"--" + p.name, value_text(p, v)});
  }
  a.insert(a.end(), {"--format", "json", "-o", result_path, "--no-progress", "--no-probe"});
  return a;
}

bool launcher_on_path(launcher_kind l) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "";
  while (!dirs.empty()) {
    const std::size_t colon = std::min(dirs.find(':'), dirs.size());
    const std::filesystem::path candidate =
        std::filesystem::path(dirs.substr(0, colon)) / std::string(to_string(l));
    if (access(candidate.c_str(), X_OK) == 0) return true;
    dirs.remove_prefix(std::min(colon + 1, dirs.size()));
  }
  return false;
}

job_outcome run_rank_job(const rank_job& job, const std::string& result_path) {
  job_outcome out = run_child_job(job.argv, result_path);
  if (!out.problem.empty())
    out.problem = fmt::format("{}: {}", plural(job.ranks, "rank", "ranks"), out.problem);
  return out;
}

}  // namespace parlab::runner
