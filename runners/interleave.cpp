#include "runners/interleave.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "parlab/error.hpp"
#include "runners/child_job.hpp"
#include "runners/units.hpp"

namespace parlab::runner {

namespace fs = std::filesystem;

std::vector<std::string> split_command(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

void check_plan(const interleaved_plan& plan) {
  if (plan.base_command.empty()) bad("--base-cmd", "", "a command that runs parlab");
  if (plan.new_command.empty()) bad("--new-cmd", "", "a command that runs parlab");
  const std::string args = fmt::format("{}", fmt::join(plan.arguments, " "));
  if (plan.arguments.empty() || (plan.arguments[0] != "run" && plan.arguments[0] != "sweep"))
    bad("-- ARGS", args,
        "parlab's arguments for both commands after --: run or sweep and its flags");
  for (const std::string& a : plan.arguments)
    if (a == "--json" || a.starts_with("--json="))
      bad("-- ARGS", args, "no --json: each round writes its own result file");
}

namespace {

// A directory for the rounds' files, removed with everything in it however the rounds end.
class scratch {
 public:
  scratch() {
    std::string pattern = (fs::temp_directory_path() / "parlab-compare-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
      throw run_error(fmt::format("compare: cannot create a temporary directory {}: {}", pattern,
                                  std::strerror(errno)));
    path_ = pattern;
  }
  ~scratch() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  scratch(const scratch&) = delete;
  scratch& operator=(const scratch&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::string last_line(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last.empty() ? "no message" : last;
}

result_document run_side(const scratch& dir, std::string_view flag,
                         const std::vector<std::string>& command,
                         const std::vector<std::string>& arguments, std::size_t round) {
  const std::string name = fmt::format("{}-{}", flag.substr(2, 3), round);
  std::vector<std::string> argv = command;
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  argv.insert(argv.end(), {"--json", dir.file(name + ".json")});
  const std::string err = dir.file(name + ".err");
  job_outcome out = run_child_job(argv, dir.file(name + ".json"), {"/dev/null", err});
  const std::string line = fmt::format("{}", fmt::join(argv.begin(), argv.end() - 2, " "));
  if (out.exit_code == 2)
    throw usage_error(fmt::format("{} '{}': `{}` refused its arguments: {}", flag,
                                  fmt::join(command, " "), line, last_line(err)));
  if (!out.doc)
    throw run_error(fmt::format("compare: round {}: `{}`: {}: {}", round + 1, line, out.problem,
                                last_line(err)));
  return std::move(*out.doc);
}

}  // namespace

interleaved_rounds run_interleaved(const interleaved_plan& plan) {
  check_plan(plan);
  const scratch dir;
  std::mt19937_64 rng(plan.seed);
  interleaved_rounds out;
  for (std::size_t round = 0; round < plan.rounds; ++round) {
    const bool base_first = (rng() & 1) == 0;
    for (const bool base : {base_first, !base_first}) {
      if (base)
        out.base.push_back(run_side(dir, "--base-cmd", plan.base_command, plan.arguments, round));
      else
        out.next.push_back(run_side(dir, "--new-cmd", plan.new_command, plan.arguments, round));
    }
  }
  return out;
}

}  // namespace parlab::runner
