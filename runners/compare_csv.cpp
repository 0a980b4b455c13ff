#include <fmt/format.h>
#include <fmt/ranges.h>

#include "runners/compare.hpp"

namespace parlab::runner {

// One line per entry, matched or not, with the columns of to_json(entry); the warnings, which
// have no line of their own here, go to stderr as for every format.
void write_compare_csv(std::FILE* out, const comparison& c) {
  bool header = false;
  for (const entry& e : c.entries) {
    std::vector<std::string> keys, cells;
    const json j = to_json(e);  // items() refers to it: a temporary would be gone
    for (const auto& [key, value] : j.items()) {
      keys.push_back(key);
      cells.push_back(csv_field(value));
    }
    if (!header) fmt::print(out, "{}\n", fmt::join(keys, ","));
    header = true;
    fmt::print(out, "{}\n", fmt::join(cells, ","));
  }
  std::fflush(out);
}

}  // namespace parlab::runner
