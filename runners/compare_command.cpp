#include "runners/compare_command.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <random>

#include "parlab/error.hpp"
#include "runners/compare.hpp"
#include "runners/gnuplot.hpp"
#include "runners/interleave.hpp"
#include "runners/terminal.hpp"
#include "runners/units.hpp"

namespace parlab::runner {
namespace {

compare_options parse_options(const compare_args& args) {
  compare_options o;
  try {
    o.threshold = parse_percent(args.threshold) / 100;
  } catch (const usage_error& e) {
    bad("--threshold", args.threshold, e.what());
  }
  double alpha = 0;
  try {
    alpha = parse_fraction(args.alpha);
  } catch (const usage_error&) {
    alpha = 0;  // refused below, with the range compare accepts
  }
  if (alpha <= 0) bad("--alpha", args.alpha, "a number above 0 and below 1, such as 0.05");
  o.alpha = alpha;
  return o;
}

// Everything about the flags is refused before a file is read: a missing gnuplot too, which
// would otherwise be found only after the report.
void check_outputs(const compare_args& args) {
  if (args.format != "table" && args.format != "csv" && args.format != "json")
    bad("--format", args.format, "table|csv|json");
  colour_chosen(args.color, -1);  // refused before anything is read
  if (args.plot.empty()) return;
  gnuplot::check_plot_path("--plot", args.plot);
}

void write_report(const compare_args& args, const comparison& c) {
  for (const std::string& w : warnings(c)) fmt::print(stderr, "parlab: warning: {}\n", w);
  std::fflush(stderr);
  if (args.format == "csv")
    write_compare_csv(stdout, c);
  else if (args.format == "json")
    write_compare_json(stdout, c);
  else
    write_compare_table(stdout, c, colour_chosen(args.color, STDOUT_FILENO));
}

}  // namespace

void add_compare_subcommand(CLI::App& app, compare_args& args) {
  auto* cmd = app.add_subcommand(
      "compare", "compare two result files (--json of run or sweep): what got slower or faster");
  cmd->add_option("files", args.positionals,
                  "BASE.json NEW.json: the result file to compare against, then the one under "
                  "test; with --base-cmd and --new-cmd, parlab's arguments after --")
      ->type_name("BASE.json NEW.json | -- run|sweep ARGS");
  cmd->add_option("--base-cmd", args.base_cmd,
                  "interleaved: the command that runs the base parlab ('./old/parlab', "
                  "'taskset -c 0 parlab'; split at blanks)")
      ->type_name("CMD");
  cmd->add_option("--new-cmd", args.new_cmd, "interleaved: the command that runs the new parlab")
      ->type_name("CMD");
  cmd->add_option("--rounds", args.rounds,
                  "interleaved: rounds of both commands, back to back in random order (default 10)")
      ->type_name("N");
  cmd->add_option("--seed", args.seed, "interleaved: the seed of the order (default: drawn)")
      ->type_name("N");
  cmd->add_option("--threshold", args.threshold,
                  "a change of at most PCT percent is no change, whatever its p (default 5)")
      ->type_name("PCT");
  cmd->add_option("--alpha", args.alpha,
                  "significance level of the U test; the interval is at 1 - alpha (default 0.05)")
      ->type_name("P");
  cmd->add_option("--format", args.format, "table|csv|json (default table)")->type_name("FORMAT");
  cmd->add_option("--color", args.color,
                  "auto|always|never: colour in the table (auto: on a terminal a person reads, "
                  "NO_COLOR unset)")
      ->type_name("WHEN");
  cmd->add_option("--plot", args.plot, "gnuplot draws the ratios as bars to FILE.svg|.png")
      ->type_name("FILE");
  cmd->footer(
      "Examples:\n"
      "  parlab sweep -k sum -b threads -t 1,2 --size 1e7 --intensity 64 --json base.json\n"
      "  parlab compare base.json new.json\n"
      "  parlab compare base.json new.json --threshold 10 --format csv\n"
      "  parlab compare --base-cmd ./old/parlab --new-cmd ./parlab -- \\\n"
      "      sweep -k sum -b threads -t 1,2 --size 2e6 --intensity 32 --reps 3\n"
      "Two files were measured at different times, and the machine's drift between them counts\n"
      "as a change; interleaved rounds put that drift on both sides and judge the ratio within\n"
      "each round (Wilcoxon signed-rank over rounds).\n"
      "Records are matched by kernel, parameters, backend, threads, ranks, schedule, grain,\n"
      "placement, gil and --cpu-on. Exit codes: 0 nothing slower; 1 a pair slower beyond the\n"
      "threshold with significance, or a NEW record that did not verify; 2 bad usage, or files\n"
      "that cannot be read or share no measurement.");
}

namespace {

// A file that cannot be read is bad input of its positional, named as a flag is: "base 'a.json':
// cannot read it".
result_document read_side(std::string_view side, const std::string& path) {
  try {
    return read_result_file(path);
  } catch (const usage_error& e) {
    throw usage_error(fmt::format("{} {}", side, e.what()));
  }
}

bool interleaved(const compare_args& args) {
  return !args.base_cmd.empty() || !args.new_cmd.empty();
}

std::uint64_t parse_seed(const std::string& text) {
  if (text.empty()) return std::random_device{}();
  try {
    std::size_t used = 0;
    const unsigned long long seed = std::stoull(text, &used);
    if (used == text.size() && text.find('-') == std::string::npos) return seed;
  } catch (const std::exception&) {
  }
  bad("--seed", text, "a whole number of 0 or more");
}

interleaved_plan plan_of(const compare_args& args) {
  interleaved_plan plan;
  plan.base_command = split_command(args.base_cmd);
  plan.new_command = split_command(args.new_cmd);
  plan.arguments = args.positionals;
  std::uint64_t rounds = 0;
  try {
    rounds = parse_count(args.rounds);
  } catch (const usage_error&) {
    rounds = 0;  // refused below, with the range accepted
  }
  if (rounds < 2 || rounds > 1000)
    bad("--rounds", args.rounds, "a whole number from 2 to 1000 (6 or more can be significant)");
  plan.rounds = rounds;
  plan.seed = parse_seed(args.seed);
  return plan;
}

}  // namespace

void check_compare_args(const compare_args& args) {
  parse_options(args);
  check_outputs(args);
  if (interleaved(args)) {
    check_plan(plan_of(args));
    return;
  }
  for (const auto& [flag, value] : {std::pair{"--rounds", args.rounds}, {"--seed", args.seed}})
    if (value != (flag == std::string_view("--rounds") ? "10" : ""))
      bad(flag, value, "only with --base-cmd and --new-cmd, which run interleaved rounds");
  if (args.positionals.size() != 2)
    bad("files", fmt::format("{}", fmt::join(args.positionals, " ")),
        "two result files, BASE.json NEW.json (or --base-cmd and --new-cmd -- run|sweep ARGS)");
}

int compare_command(const compare_args& args) {
  check_compare_args(args);
  const compare_options options = parse_options(args);
  comparison c;
  if (interleaved(args)) {
    const interleaved_plan plan = plan_of(args);
    const interleaved_rounds rounds = run_interleaved(plan);
    c = compare_rounds(rounds.base, rounds.next, args.base_cmd, args.new_cmd, options,
                       {plan.rounds, plan.seed});
  } else {
    const std::string &base_path = args.positionals[0], &new_path = args.positionals[1];
    const result_document base = read_side("base", base_path);  // read first: named first
    const result_document next = read_side("new", new_path);
    c = compare_documents(base, next, base_path, new_path, options);
  }
  write_report(args, c);
  if (!args.plot.empty()) draw_compare_plot(args.plot, c);
  return exit_code(c);
}

}  // namespace parlab::runner
