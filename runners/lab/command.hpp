#pragma once
// `parlab lab`: its flags on the CLI and the command itself.
#include <CLI/CLI.hpp>
#include <string>

namespace parlab::runner::lab {

struct lab_args {
  std::string which = "list";  // list, all, a lesson's name or number
  bool quick = false;
  std::string format = "table";
  std::string json_file;
};

void add_lab_subcommand(CLI::App& app, lab_args& args);
// Throws usage_error on a --format or lesson it does not know; writes and runs nothing.
void check_lab_args(const lab_args& args);
// The exit code: 0 when every lesson held or only a claim that depends on chance did not show;
// 1 when a measurement failed or a claim that must hold did not. Throws usage_error on bad
// input, before any work.
int lab_command(const lab_args& args);

}  // namespace parlab::runner::lab
