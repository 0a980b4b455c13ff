#pragma once
// `parlab compare BASE.json NEW.json`: two result files matched measurement by measurement, each
// pair's change judged by a Mann-Whitney U test of the samples (as Google Benchmark's compare.py
// does) with a bootstrap interval of the ratio of medians. docs/RUNNER.md, "parlab compare".
#include <compare>
#include <cstdio>
#include <string>
#include <vector>

#include "runners/reporter.hpp"
#include "runners/result_file.hpp"
#include "runners/statistics.hpp"

namespace parlab::runner {

struct compare_options {
  double threshold = 0.05;  // a change of at most this fraction is no change, whatever its p
  double alpha = 0.05;      // significance level of the test; the interval is at 1 - alpha
};

// Everything that decides what a record measured: two records of the same identity measured the
// same thing, so their times can be compared. What they ran on (cores, the machine) is not in
// it: that is what a comparison across machines or CPU masks is about.
struct identity {
  std::string kernel, params, backend;
  unsigned threads = 0, ranks = 1;
  std::string schedule;
  std::size_t grain = 0;
  std::string pin, numa, binding, transport;
  std::string gil;     // "" without --gil, else its switch interval ("5 ms")
  std::string cpu_on;  // a staged run's second backend, or ""
  auto operator<=>(const identity&) const = default;
};
// config: the document's config block (the GIL's switch interval is there, not in the record).
identity identity_of(const record& r, const json& config);
// "sum size=100000000 intensity=0": the heading of a group of rows, with what sets the group
// apart from the defaults ("schedule=dynamic", "gil=5 ms", ...).
std::string heading(const identity& id);
// "threads t=2 (sum size=...)": one measurement named in a line.
std::string describe(const identity& id);

enum class change {
  faster,           // significant (p < alpha) and more than the threshold faster
  slower,           // significant and more than the threshold slower: exit 1
  unchanged,        // not significant, or within the threshold
  too_few_samples,  // no outcome of this many samples could be significant at alpha
  failed,           // the NEW record did not verify: exit 1, whatever its time
  base_failed,      // the BASE record did not verify: nothing to compare against
  only_in_base,
  only_in_new,
};
std::string_view to_string(change c);  // "slower", "no significant change", "only in base", ...

// One measurement of either file, matched or not.
struct entry {
  identity id;
  bool in_base = false, in_new = false;
  std::size_t base_samples = 0, new_samples = 0;
  double base_median_s = 0, new_median_s = 0;
  double ratio = 0;  // new median / base median: above 1 is slower
  interval ratio_ci;
  u_test test;
  std::size_t resamples = 0;  // of the bootstrap; fewer for very many samples
  // Interleaved rounds (compare_rounds): how many pairs of rounds the verdict rests on, and the
  // drift the BASE side showed between its rounds (its largest round median over its smallest,
  // less 1): the weather the interleaving kept out of the verdict. 0 for two files.
  std::size_t rounds = 0;
  double drift = 0;
  change result = change::unchanged;
  std::string detail;  // why a record failed (its detail)
};

// The least p-value the entry's test could give: of the U test for its samples, or of the
// signed-rank test for its paired rounds. At or above alpha, no outcome can be significant.
double smallest_p_value_of(const entry& e);

// A field of the machine blocks that moves numbers and differs between the two files.
struct machine_difference {
  std::string field;  // "usable_cpus", "runtime_environment.OMP_WAIT_POLICY"
  json base, next;    // null where a block lacks the field
};

// How an interleaved comparison ran: `rounds` times BASE's and NEW's command back to back, the
// order of each pair drawn from a generator seeded with `seed`.
struct interleaving {
  std::size_t rounds = 0;  // 0: two files measured whenever they were
  std::uint64_t seed = 0;
};

struct comparison {
  std::string base_path, new_path;  // the files, or the commands of an interleaved comparison
  interleaving interleaved;
  compare_options options;
  std::vector<entry> entries;  // NEW's order, then what only BASE has
  std::vector<machine_difference> machine;
  std::string base_revision, new_revision;  // git revisions of the two builds
  std::string base_cut_short, new_cut_short;
};

// Throws usage_error when the two documents share no measurement: nothing can be compared.
comparison compare_documents(const result_document& base, const result_document& next,
                             const std::string& base_path, const std::string& new_path,
                             const compare_options& options);
// The same for rounds run interleaved: round i of BASE ran next to round i of NEW, so each pair
// of round medians gives one ratio, and the verdict is a Wilcoxon signed-rank test of their
// logarithms with a bootstrap interval of their median, drawn by round. Drift between rounds
// falls on both sides alike and leaves the ratios alone. Throws as compare_documents.
comparison compare_rounds(const std::vector<result_document>& base,
                          const std::vector<result_document>& next, const std::string& base_path,
                          const std::string& new_path, const compare_options& options,
                          const interleaving& how);
std::vector<machine_difference> machine_differences(const json& base, const json& next);
// 1 when a pair is slower beyond the threshold with significance or a NEW record failed; else 0.
int exit_code(const comparison& c);
// What a reader must see whatever the format, printed on stderr as "parlab: warning: ...": the
// machines differ, a file was cut short, pairs have too few samples for the test.
std::vector<std::string> warnings(const comparison& c);

// One writer per format, as the sweep's reporters.
json to_json(const entry& e);  // the CSV's columns and a JSON document's entries alike
void write_compare_table(std::FILE* out, const comparison& c, bool colour);
void write_compare_csv(std::FILE* out, const comparison& c);
void write_compare_json(std::FILE* out, const comparison& c);
// Throws run_error when gnuplot fails (the caller checked it is there before any work).
void draw_compare_plot(const std::string& path, const comparison& c);

}  // namespace parlab::runner
