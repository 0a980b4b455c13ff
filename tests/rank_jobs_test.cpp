// The launch of a job of ranks is a pure function of the host: checked here for hosts we do not
// have (128 cores, root or not) without starting anything.
#include "runners/rank_jobs.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace parlab::runner {
namespace {

const std::vector<std::string> parlab_argv = {"/bin/parlab", "sweep", "--rank-job"};

bool has(const rank_job& job, const std::string& flag) {
  return std::find(job.argv.begin(), job.argv.end(), flag) != job.argv.end();
}

TEST(rank_jobs, mpirun_gives_each_rank_its_threads_cores_while_they_fit) {
  const launch_host big{.cores = 128};
  const rank_job fits = plan_rank_job(launcher_kind::mpirun, 16, 8, parlab_argv, big);
  EXPECT_EQ(fits.binding, "--map-by slot:PE=8 --bind-to core");
  EXPECT_EQ(std::vector<std::string>(fits.argv.begin(), fits.argv.begin() + 3),
            (std::vector<std::string>{"mpirun", "-np", "16"}));
  EXPECT_EQ(std::vector<std::string>(fits.argv.end() - 3, fits.argv.end()), parlab_argv);
  EXPECT_TRUE(fits.notes.empty());
  const rank_job over = plan_rank_job(launcher_kind::mpirun, 64, 4, parlab_argv, big);
  EXPECT_EQ(over.binding, "--bind-to none");   // 256 workers on 128 cores: no core is a rank's
  EXPECT_FALSE(has(over, "--oversubscribe"));  // 64 ranks still have a core each
  const rank_job many = plan_rank_job(launcher_kind::mpirun, 256, 1, parlab_argv, big);
  EXPECT_TRUE(has(many, "--oversubscribe"));
  ASSERT_EQ(many.notes.size(), 1U);
  EXPECT_EQ(many.notes[0], "--oversubscribe: 256 ranks on 128 cores");
}

TEST(rank_jobs, as_root_mpirun_is_allowed_unless_the_environment_already_allows_it) {
  const rank_job root =
      plan_rank_job(launcher_kind::mpirun, 2, 1, parlab_argv, {.cores = 2, .root = true});
  EXPECT_TRUE(has(root, "--allow-run-as-root"));
  EXPECT_EQ(root.notes.size(), 1U);
  const rank_job allowed =
      plan_rank_job(launcher_kind::mpirun, 2, 1, parlab_argv,
                    {.cores = 2, .root = true, .root_allowed_by_environment = true});
  EXPECT_FALSE(has(allowed, "--allow-run-as-root"));
  EXPECT_FALSE(has(plan_rank_job(launcher_kind::mpirun, 2, 1, parlab_argv, {.cores = 2}),
                   "--allow-run-as-root"));
}

TEST(rank_jobs, srun_asks_for_pmix_and_cpus_per_task_and_overcommits_past_the_cores) {
  const rank_job job = plan_rank_job(launcher_kind::srun, 3, 2, parlab_argv, {.cores = 2});
  EXPECT_EQ(std::vector<std::string>(job.argv.begin(), job.argv.begin() + 5),
            (std::vector<std::string>{"srun", "--mpi=pmix", "--ntasks=3", "--cpus-per-task=2",
                                      "--overcommit"}));
  EXPECT_EQ(job.binding, "--cpus-per-task=2 --overcommit");
  const rank_job fits = plan_rank_job(launcher_kind::srun, 4, 32, parlab_argv, {.cores = 128});
  EXPECT_FALSE(has(fits, "--overcommit"));
  EXPECT_FALSE(has(fits, "--allow-run-as-root"));  // an mpirun flag only
}

}  // namespace
}  // namespace parlab::runner
