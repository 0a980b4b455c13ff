#pragma once
// The rounds of `parlab compare --base-cmd CMD --new-cmd CMD -- sweep ...`: both commands run
// the same parlab arguments, back to back, round after round, the order within each round drawn
// at random, so that whatever the machine does meanwhile falls on both sides alike (as Google
// Benchmark's random interleaving and hyperfine's alternating runs do).
#include <cstdint>
#include <string>
#include <vector>

#include "runners/result_file.hpp"

namespace parlab::runner {

struct interleaved_plan {
  std::vector<std::string> base_command, new_command;  // a parlab executable, with a prefix
  std::vector<std::string> arguments;                  // parlab's: run|sweep and its flags
  std::size_t rounds = 10;
  std::uint64_t seed = 0;
};

struct interleaved_rounds {
  std::vector<result_document> base, next;  // one document per round, in round order
};

// "taskset -c 0 ./parlab" as argv: split at blanks; quotes have no meaning.
std::vector<std::string> split_command(const std::string& text);
// Throws usage_error, naming the flag, for what the rounds cannot run: an empty command,
// arguments that are not a run or sweep, or that set --json (each round writes its own).
void check_plan(const interleaved_plan& plan);
// Runs the rounds. Throws usage_error when a command refuses its arguments (exit 2, its line
// quoted) and run_error when one fails without a document.
interleaved_rounds run_interleaved(const interleaved_plan& plan);

}  // namespace parlab::runner
