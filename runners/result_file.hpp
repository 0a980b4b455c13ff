#pragma once
// The one reader of parlab's JSON result documents (the JSON reporter's output): what a sweep of
// ranks reads back from each job it launched, and what `parlab compare` reads.
#include <string>
#include <string_view>
#include <vector>

#include "runners/record.hpp"
#include "runners/reporter.hpp"

namespace parlab::runner {

// The version of the document's layout, written as "schema" by the JSON reporter. A reader
// refuses another: a field that changed meaning would otherwise be compared as if it had not.
inline constexpr int result_schema = 1;

struct result_document {
  int schema = 0;
  json machine, config;
  std::vector<record> records;
  std::string cut_short;  // why the document ended early (--timeout, a signal); "" when complete
};

// The inverse of to_json(record): the standard fields by name, every other key a kernel field in
// the document's order. Throws usage_error naming the field that is missing or of the wrong type.
record record_from_json(const json& j);
// `source` names the document in errors ("base.json"). Throws usage_error when the document is
// not a parlab result of this schema.
result_document parse_result_document(const json& doc, const std::string& source);
// A document's text, as read from a file (what the fuzz target feeds, tests/fuzz).
result_document parse_result_text(std::string_view text, const std::string& source);
result_document read_result_file(const std::string& path);

}  // namespace parlab::runner
