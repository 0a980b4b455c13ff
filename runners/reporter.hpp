#pragma once
// A sink of records. Table, CSV and JSON are each one reporter file, fed the same records.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runners/fit.hpp"
#include "runners/output_file.hpp"
#include "runners/record.hpp"

namespace parlab::runner {

// Ordered, so that CSV columns and JSON keys come in the documented order.
using json = nlohmann::ordered_json;

// Why a command ended before its last record (runners/abandon.hpp).
struct stop_reason {
  std::string reason;  // one line: "--timeout 5s reached during fork t=1", "SIGTERM during ..."
  std::string signal;  // "SIGTERM"; "" when it was --timeout
};

class reporter {
 public:
  virtual ~reporter() = default;
  // machine: the `info` facts; config: the command line as parsed.
  virtual void begin(const json& machine, const json& config) = 0;
  // Called as soon as a record is complete (CSV writes and flushes it at once).
  virtual void add(const record& r) = 0;
  virtual void end(const std::vector<backend_fit>& fits) = 0;
  // --timeout or a signal gave up with records still to come: write what was finished. A sink
  // that would start new work (the plot runs gnuplot) writes nothing.
  virtual void abandon(const std::vector<backend_fit>& fits, const stop_reason& /*why*/) {
    end(fits);
  }
};

enum class output_format { table, csv, json_doc };
std::string_view to_string(output_format f);  // "table", "csv", "json"

// Colour only when out is a terminal.
std::unique_ptr<reporter> make_table_reporter(std::unique_ptr<output_file> out, bool colour);
// The same on a stream someone else opened and closes (stdout, a test's file).
std::unique_ptr<reporter> make_table_reporter(std::FILE* out, bool colour);
// Each writes its output whole, and commits it at end() or abandon() (runners/output_file.hpp).
std::unique_ptr<reporter> make_csv_reporter(std::unique_ptr<output_file> out);
std::unique_ptr<reporter> make_json_reporter(std::unique_ptr<output_file> out);
// Collects the records and, at end(), has gnuplot draw speedup and efficiency against threads
// per backend into path (.svg or .png). end() throws run_error when gnuplot is missing or fails.
std::unique_ptr<reporter> make_plot_reporter(std::string path);
// Whether an executable gnuplot is on PATH: checked before a sweep so that a long one does not
// end in a missing plot the user could have been warned about.
bool gnuplot_on_path();
// Feeds every record to each sink in order. end() ends every sink even if one throws, then
// rethrows the first error, so a failing plot leaves the CSV and JSON written.
std::unique_ptr<reporter> make_composite_reporter(std::vector<std::unique_ptr<reporter>> sinks);

// The record's fields under their documented names (CSV columns, JSON keys).
json to_json(const record& r);
json to_json(const backend_fit& f);
// A JSON value as a CSV cell (RFC 4180): strings quoted when they hold a comma, a quote or a
// newline; booleans true/false; null empty.
std::string csv_field(const json& v);
// A kernel field's value as the table shows it: "-" when null, yes/no, 4 significant digits.
std::string field_text(const parlab::record_field& f);

}  // namespace parlab::runner
