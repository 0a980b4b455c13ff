#include <fmt/format.h>

#include <cmath>

#include "runners/compare.hpp"

namespace parlab::runner {

namespace {

json number_or_null(double v, bool present) {
  return present && std::isfinite(v) ? json(v) : json(nullptr);
}

json side(const std::string& path, const std::string& revision, const std::string& cut_short) {
  return {{"file", path},
          {"git_revision", revision},
          {"cut_short", cut_short.empty() ? json(nullptr) : json(cut_short)}};
}

}  // namespace

// Every entry has every key, null where a side is missing or a record failed, so that the CSV's
// columns hold for all of its lines.
json to_json(const entry& e) {
  const bool tested = e.in_base && e.in_new && e.resamples > 0;
  return {
      {"kernel", e.id.kernel},
      {"params", e.id.params},
      {"backend", e.id.backend},
      {"threads", e.id.threads},
      {"ranks", e.id.ranks},
      {"schedule", e.id.schedule},
      {"grain", e.id.grain},
      {"pin", e.id.pin},
      {"numa", e.id.numa},
      {"binding", e.id.binding},
      {"transport", e.id.transport},
      {"gil", e.id.gil},
      {"cpu_on", e.id.cpu_on},
      {"in_base", e.in_base},
      {"in_new", e.in_new},
      {"base_samples", e.base_samples},
      {"new_samples", e.new_samples},
      {"base_median_s", number_or_null(e.base_median_s, e.in_base)},
      {"new_median_s", number_or_null(e.new_median_s, e.in_new)},
      {"ratio", number_or_null(e.ratio, e.in_base && e.in_new && e.ratio > 0)},
      {"ratio_low", number_or_null(e.ratio_ci.low, tested)},
      {"ratio_high", number_or_null(e.ratio_ci.high, tested)},
      {"p_value", number_or_null(e.test.p_value, tested)},
      {"exact_test", tested ? json(e.test.exact) : json(nullptr)},
      {"smallest_p_value", number_or_null(smallest_p_value_of(e), tested)},
      {"test",
       tested ? json(e.rounds > 0 ? "wilcoxon signed-rank" : "mann-whitney u") : json(nullptr)},
      {"rounds", e.rounds},
      {"drift", number_or_null(e.drift, e.rounds > 1)},
      {"resamples", e.resamples},
      {"verdict", to_string(e.result)},
      {"detail", e.detail},
  };
}

void write_compare_json(std::FILE* out, const comparison& c) {
  json machine = json::array();
  for (const machine_difference& d : c.machine)
    machine.push_back({{"field", d.field}, {"base", d.base}, {"new", d.next}});
  json entries = json::array();
  for (const entry& e : c.entries) entries.push_back(to_json(e));
  const json doc = {
      {"base", side(c.base_path, c.base_revision, c.base_cut_short)},
      {"new", side(c.new_path, c.new_revision, c.new_cut_short)},
      {"threshold", c.options.threshold},
      {"alpha", c.options.alpha},
      {"confidence", 1 - c.options.alpha},
      {"interleaved", c.interleaved.rounds == 0
                          ? json(nullptr)
                          : json{{"rounds", c.interleaved.rounds}, {"seed", c.interleaved.seed}}},
      {"machine_differences", machine},
      {"warnings", warnings(c)},
      {"exit_code", exit_code(c)},
      {"entries", entries},
  };
  fmt::print(out, "{}\n", doc.dump(2));
  std::fflush(out);
}

}  // namespace parlab::runner
