#pragma once
// A sweep over ranks (`sweep --ranks 1,2,4`): one MPI job per rank count, started through the
// launcher a cluster uses (mpirun, or srun inside a Slurm allocation), each a `parlab sweep`
// whose records come back as a result document and join the one report.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parlab/kernel.hpp"
#include "parlab/params.hpp"
#include "runners/child_job.hpp"
#include "runners/result_file.hpp"

namespace parlab::runner {

struct sweep_options;

enum class launcher_kind { mpirun, srun };
std::string_view to_string(launcher_kind l);  // "mpirun", "srun"

// What the launch depends on, read off this process (machine_facts) or handed in by a test.
struct launch_host {
  unsigned cores = 1;  // the physical cores this process may use: what a launcher calls slots
  bool root = false;   // mpirun refuses root without --allow-run-as-root or its variables
  bool root_allowed_by_environment = false;  // OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM) are set
};
launch_host this_host();

struct rank_job {
  unsigned ranks = 1;
  std::vector<std::string> argv;   // the launcher's command, then parlab's
  std::string binding;             // the mapping and binding flags, as records show them
  std::vector<std::string> notes;  // what the launch adds that the user did not ask for, and why
};

// The launch of `ranks` ranks of at most `threads` workers each, running `parlab_argv`. A binding
// fits ranks x threads: each rank gets `threads` cores of its own while they fit, else none, so
// that a hybrid rank's threads never share one core (Open MPI binds each of 2 ranks to a core).
rank_job plan_rank_job(launcher_kind l, unsigned ranks, unsigned threads,
                       const std::vector<std::string>& parlab_argv, const launch_host& host);

// The `parlab sweep` each rank of a job runs: this executable, the sweep's measurement options
// and the kernel's values (a weak sweep's grown already), as a hidden --rank-job writing its
// JSON document to result_path.
std::vector<std::string> rank_job_arguments(const sweep_options& o, const kernel& k,
                                            const param_values& values,
                                            const std::string& result_path);

// Whether the launcher's executable is on PATH.
bool launcher_on_path(launcher_kind l);

// Runs the job (in a process group of its own, so that stopping it takes its ranks along) and
// reads the document its rank 0 wrote to result_path. The job's stderr is parlab's: a failing
// rank names itself there. The problem names the ranks ("2 ranks: mpirun exited with 1 ...").
job_outcome run_rank_job(const rank_job& job, const std::string& result_path);

}  // namespace parlab::runner
