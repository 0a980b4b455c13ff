#include "runners/lab/command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "parlab/error.hpp"
#include "runners/lab/lab.hpp"
#include "runners/machine.hpp"
#include "runners/output_file.hpp"
#include "runners/progress.hpp"
#include "runners/terminal.hpp"

namespace parlab::runner::lab {
namespace {

std::string accepted_lessons() {
  std::string s = "list, all, or a lesson:";
  for (const lesson* l : lessons()) s += fmt::format(" {} {},", l->number(), l->name());
  s.pop_back();
  return s;
}

std::vector<const lesson*> chosen(const std::string& which) {
  if (which == "all") return {lessons().begin(), lessons().end()};
  if (const lesson* l = find_lesson(which)) return {l};
  throw usage_error(fmt::format("lab '{}': expected {}", which, accepted_lessons()));
}

int list_lessons() {
  for (const lesson* l : lessons())
    fmt::print("{:>2}  {:<16} {}\n", l->number(), l->name(), l->claim());
  return 0;
}

void print_table(const table& t) {
  std::vector<std::size_t> width(t.header.size(), 0);
  for (std::size_t i = 0; i < t.header.size(); ++i) {
    width[i] = t.header[i].size();
    for (const auto& row : t.rows) width[i] = std::max(width[i], row[i].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s = " ";
    for (std::size_t i = 0; i < cells.size(); ++i)
      s += i == 0 ? fmt::format(" {:<{}}", cells[i], width[i])
                  : fmt::format("  {:>{}}", cells[i], width[i]);
    fmt::print("{}\n", s);
  };
  line(t.header);
  for (const auto& row : t.rows) line(row);
  for (const std::string& l : t.legend) fmt::print("    {}\n", l);
}

std::string verdict_line(const judgement& j) {
  switch (j.result) {
    case verdict::holds:
      return "holds: " + j.reason;
    case verdict::not_shown:
      return "not shown on this machine (not a failure): " + j.reason;
    case verdict::fails:
      return "does not hold on this machine: " + j.reason;
  }
  return j.reason;
}

json lesson_json(const lesson& l, const outcome& o) {
  json records = json::array();
  for (const trial& t : o.trials) {
    json r = {{"trial", t.label}, {"other_cpus", t.other_cpus}};
    r.update(to_json(t.rec));
    records.push_back(std::move(r));
  }
  return {{"name", l.name()},           {"number", l.number()},
          {"claim", l.claim()},         {"verdict", to_string(o.verdict.result)},
          {"reason", o.verdict.reason}, {"records", std::move(records)}};
}

}  // namespace

void add_lab_subcommand(CLI::App& app, lab_args& args) {
  auto* cmd =
      app.add_subcommand("lab", "a lesson of the course as a claim checked on this machine");
  cmd->add_option("lesson", args.which, "list (default), all, or a lesson's name or number")
      ->type_name("LESSON");
  cmd->add_flag("--quick", args.quick, "the smallest sizes that still show each effect");
  cmd->add_option("--format", args.format, "table|json (default table)")->type_name("FORMAT");
  cmd->add_option("--json", args.json_file, "also write the JSON document to FILE")
      ->type_name("FILE");
  cmd->footer(
      "Examples:\n  parlab lab list\n  parlab lab race\n  parlab lab 1 --quick\n  parlab lab all "
      "--quick --json lab.json\nVerdicts: holds; not shown (a claim that depends on chance did not "
      "show, or load defeated it: other processes kept at least 0.25 CPU busy, or one usable "
      "CPU); does not hold.\nExit codes: 0 every claim held or was not shown; 1 a measurement "
      "failed or a claim did not hold; 2 bad usage.");
}

void check_lab_args(const lab_args& args) {
  if (args.format != "table" && args.format != "json")
    throw usage_error(fmt::format("--format '{}': expected table|json", args.format));
  if (args.which != "list") chosen(args.which);
}

int lab_command(const lab_args& args) {
  check_lab_args(args);
  if (args.which == "list") return list_lessons();
  const std::vector<const lesson*> selected = chosen(args.which);
  // Checked now, written at the end beside its target and renamed into place: an earlier file of
  // that name survives a lesson that fails or a Ctrl-C.
  std::optional<output_file> json_out;
  if (!args.json_file.empty())
    json_out.emplace("--json", args.json_file, output_file::kind::replaced);
  const bool table = args.format == "table";
  context ctx(args.quick);
  // On a terminal only, as sweep's: a lesson runs for seconds between its claim and its table.
  progress_bar bar(read_by_a_person(STDERR_FILENO), std::vector<double>(selected.size(), 1.0));
  json results = json::array();
  int code = 0;
  for (const lesson* l : selected) {
    if (table) fmt::print("lesson {} {}: {}\n", l->number(), l->name(), l->claim());
    std::fflush(stdout);
    ctx.on_trial = [&bar, l](std::string_view trial) {
      bar.start(fmt::format("lesson {}: {}", l->number(), trial));
    };
    const outcome o = run_lesson(*l, ctx);
    bar.finish_step();
    if (table) {
      print_table(o.numbers);
      fmt::print("{}\n\n", verdict_line(o.verdict));
    }
    if (o.verdict.result == verdict::fails) code = 1;
    results.push_back(lesson_json(*l, o));
  }
  json machine = machine_facts();
  if (!ctx.bandwidth_facts().is_null()) machine["read_bandwidth"] = ctx.bandwidth_facts();
  const json doc = {{"parlab_version", machine["parlab_version"]},
                    {"quick", args.quick},
                    {"machine", std::move(machine)},
                    {"lessons", std::move(results)}};
  if (!table) fmt::print("{}\n", doc.dump(2));
  if (json_out) {
    json_out->append(doc.dump(2) + "\n");
    json_out->commit();
  }
  return code;
}

}  // namespace parlab::runner::lab
