#include "runners/compare_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "parlab/error.hpp"
#include "runners/compare.hpp"
#include "runners/gnuplot.hpp"
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
    write_compare_table(stdout, c, isatty(STDOUT_FILENO) != 0);
}

}  // namespace

void add_compare_subcommand(CLI::App& app, compare_args& args) {
  auto* cmd = app.add_subcommand(
      "compare", "compare two result files (--json of run or sweep): what got slower or faster");
  cmd->add_option("base", args.base, "the result file to compare against")
      ->type_name("BASE.json")
      ->required();
  cmd->add_option("new", args.next, "the result file under test")
      ->type_name("NEW.json")
      ->required();
  cmd->add_option("--threshold", args.threshold,
                  "a change of at most PCT percent is no change, whatever its p (default 5)")
      ->type_name("PCT");
  cmd->add_option("--alpha", args.alpha,
                  "significance level of the U test; the interval is at 1 - alpha (default 0.05)")
      ->type_name("P");
  cmd->add_option("--format", args.format, "table|csv|json (default table)")->type_name("FORMAT");
  cmd->add_option("--plot", args.plot, "gnuplot draws the ratios as bars to FILE.svg|.png")
      ->type_name("FILE");
  cmd->footer(
      "Examples:\n"
      "  parlab sweep -k sum -b threads -t 1,2 --size 1e7 --intensity 64 --json base.json\n"
      "  parlab compare base.json new.json\n"
      "  parlab compare base.json new.json --threshold 10 --format csv\n"
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

}  // namespace

void check_compare_args(const compare_args& args) {
  parse_options(args);
  check_outputs(args);
}

int compare_command(const compare_args& args) {
  check_compare_args(args);
  const compare_options options = parse_options(args);
  const result_document base = read_side("base", args.base);
  const result_document next = read_side("new", args.next);
  const comparison c = compare_documents(base, next, args.base, args.next, options);
  write_report(args, c);
  if (!args.plot.empty()) draw_compare_plot(args.plot, c);
  return exit_code(c);
}

}  // namespace parlab::runner
