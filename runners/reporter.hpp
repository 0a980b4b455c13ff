#pragma once
// A sink of records. Table, CSV and JSON are each one reporter file, fed the same records.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "runners/fit.hpp"
#include "runners/record.hpp"

namespace parlab::runner {

// Ordered, so that CSV columns and JSON keys come in the documented order.
using json = nlohmann::ordered_json;

class reporter {
 public:
  virtual ~reporter() = default;
  // machine: the `info` facts; config: the command line as parsed.
  virtual void begin(const json& machine, const json& config) = 0;
  // Called as soon as a record is complete (CSV writes and flushes it at once).
  virtual void add(const record& r) = 0;
  virtual void end(const std::vector<backend_fit>& fits) = 0;
};

enum class output_format { table, csv, json_doc };

// out is stdout or a file opened by the caller; colour only when out is a terminal.
std::unique_ptr<reporter> make_table_reporter(std::FILE* out, bool colour);
std::unique_ptr<reporter> make_csv_reporter(std::FILE* out);
std::unique_ptr<reporter> make_json_reporter(std::FILE* out);

// The record's fields under their documented names (CSV columns, JSON keys).
json to_json(const record& r);
json to_json(const backend_fit& f);

}  // namespace parlab::runner
