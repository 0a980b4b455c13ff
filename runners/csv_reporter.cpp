#include <fmt/format.h>
#include <fmt/ranges.h>

#include "runners/reporter.hpp"

namespace parlab::runner {

// A list or an object (worker_cpus, pages_per_node) is its JSON text, quoted like any field
// with a comma in it.
std::string csv_field(const json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_null()) return "";
  const std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + '"';
}

namespace {

// The record fields as columns, header first; every line is written whole as soon as its record
// is complete, so an interrupted sweep keeps what it finished and no torn line. Per-rep lists
// (samples, workers seen) are JSON-only.
class csv_reporter final : public reporter {
 public:
  explicit csv_reporter(std::unique_ptr<output_file> out) : out_(std::move(out)) {}
  void begin(const json&, const json&) override {}
  void add(const record& r) override {
    json j = to_json(r);
    j.erase("samples_s");
    j.erase("workers_seen_reps");
    std::vector<std::string> keys, fields;
    for (const auto& [key, value] : j.items()) {
      keys.push_back(key);
      fields.push_back(csv_field(value));
    }
    std::string lines = header_written_ ? "" : fmt::format("{}\n", fmt::join(keys, ","));
    header_written_ = true;
    lines += fmt::format("{}\n", fmt::join(fields, ","));
    out_->append(lines);
  }
  void end(const std::vector<backend_fit>&) override { out_->commit(); }

 private:
  std::unique_ptr<output_file> out_;
  bool header_written_ = false;
};

}  // namespace

std::unique_ptr<reporter> make_csv_reporter(std::unique_ptr<output_file> out) {
  return std::make_unique<csv_reporter>(std::move(out));
}

}  // namespace parlab::runner
