#pragma once
// `parlab compare BASE.json NEW.json`: its flags on the CLI and the command itself.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace parlab::runner {

struct compare_args {
  // BASE.json NEW.json; or, with --base-cmd and --new-cmd, parlab's arguments after --
  std::vector<std::string> positionals;
  std::string threshold = "5", alpha = "0.05", format = "table", plot, color = "auto";
  std::string base_cmd, new_cmd, rounds = "10", seed;  // an interleaved comparison
};

void add_compare_subcommand(CLI::App& app, compare_args& args);
// Throws usage_error on a bad flag (a missing gnuplot for --plot too); reads no file.
void check_compare_args(const compare_args& args);
// The exit code: 1 when a pair is slower beyond the threshold with significance or a NEW record
// did not verify (or the plot failed), else 0. Throws usage_error, before reading anything
// else, on a bad flag, and for a file it cannot read or two that share no measurement.
int compare_command(const compare_args& args);

}  // namespace parlab::runner
