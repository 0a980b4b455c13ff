#pragma once
// A parlab command run as a child process that writes a result document, read back once it
// ends: each MPI job of a sweep over ranks, each round of an interleaved compare.
#include <optional>
#include <string>
#include <vector>

#include "runners/result_file.hpp"

namespace parlab::runner {

// The child's exit code (128 + the signal when one ended it), its document when it wrote one
// that parses, and otherwise why not ("" when there is a document).
struct job_outcome {
  int exit_code = 0;
  std::optional<result_document> doc;
  std::string problem;
};

struct child_output {
  // Where the child's stdout and stderr go; "" leaves them this process's.
  std::string out_path, err_path;
};

// Runs argv (argv[0] looked up on PATH) in a process group of its own, so that stopping it
// takes its descendants along, with the stop signals unblocked, and reads result_path.
job_outcome run_child_job(const std::vector<std::string>& argv, const std::string& result_path,
                          const child_output& output = {});

}  // namespace parlab::runner
