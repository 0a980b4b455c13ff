#pragma once
// The command line as parsed: what `run` and `sweep` need, and the JSON "config" block.
#include <optional>
#include <string>
#include <vector>

#include "parlab/backend.hpp"
#include "parlab/params.hpp"
#include "runners/reporter.hpp"

namespace parlab::runner {

struct sweep_options {
  std::string command;  // "run" or "sweep"
  std::string kernel;
  std::vector<std::string> backends;  // in the order they run
  std::string threads_spec;
  std::vector<unsigned> threads;
  param_values params;
  unsigned reps = 5;
  unsigned warmup = 1;
  schedule sched = schedule::static_;
  std::size_t grain = 0;
  pin_policy pin = pin_policy::none;
  double timeout_s = 0;  // 0: none
  bool weak = false;
  output_format format = output_format::table;
  std::string output;  // "" = stdout
  std::string plot;    // "" = none
  bool progress = true;
};

json to_json(const sweep_options& o);

// Runs the measurements and feeds every reporter; returns the exit code (0, or 1 when any
// record failed). Progress and warnings go to stderr.
int run_sweep(const sweep_options& o);

}  // namespace parlab::runner
