#include "tests/fuzz/fuzz_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "parlab/error.hpp"
#include "parlab/registry.hpp"
#include "runners/cli.hpp"
#include "runners/compare.hpp"
#include "runners/result_file.hpp"
#include "runners/units.hpp"

namespace parlab::fuzz {
namespace {

using namespace parlab::runner;

void choice_words(std::string_view text) {
  for (const kernel_entry& entry : kernels())
    for (const param_spec& p : entry.make()->params())
      if (p.kind == param_kind::choice) (void)p.choice_value(text);
}

// One argument a line, as a shell would pass them; CLI11 keeps pointers into `args`.
void validate_command_line(std::string_view text) {
  std::vector<std::string> args{"parlab"};
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    args.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int code = validate_only(static_cast<int>(args.size()), argv.data());
  if (code != 0 && code != 2)
    throw std::logic_error(fmt::format("validate_only returned {}, not 0 or 2", code));
}

// A document compare read is compared with itself, as `parlab compare F F` would: whatever the
// parser let through must not crash the matching or the statistics, and no pair may change.
void compare_with_itself(std::string_view text) {
  const result_document doc = parse_result_text(text, "fuzz.json");
  const comparison c = compare_documents(doc, doc, "fuzz.json", "fuzz.json", {});
  for (const entry& e : c.entries)
    if (e.result == change::slower || e.result == change::faster)
      throw std::logic_error(
          fmt::format("{} is {} than itself", describe(e.id), to_string(e.result)));
  (void)exit_code(c);
  (void)warnings(c);
}

void run_parser(std::string_view parser, std::string_view text) {
  if (parser == "size") (void)parse_size(text);
  if (parser == "count") (void)parse_count(text);
  if (parser == "duration") (void)parse_duration(text);
  if (parser == "fraction") (void)parse_fraction(text);
  if (parser == "percent") (void)parse_percent(text);
  // The CPU limit comes from the text's length, so that pow2 and max meet several limits.
  if (parser == "threads") (void)parse_threads(text, 1 + static_cast<unsigned>(text.size() % 64));
  if (parser == "choice") choice_words(text);
  if (parser == "result") compare_with_itself(text);
  if (parser == "cli") validate_command_line(text);
}

}  // namespace

void one_input(std::string_view input) {
  const std::size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return;
  try {
    run_parser(input.substr(0, newline), input.substr(newline + 1));
  } catch (const usage_error&) {
    // a refusal: what bad input must get
  }
}

}  // namespace parlab::fuzz
