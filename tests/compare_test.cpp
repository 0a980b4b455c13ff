// parlab compare's matching, verdicts and writers on made-up result documents.
#include "runners/compare.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "parlab/error.hpp"

namespace {

using namespace parlab::runner;

record point(const std::string& backend, unsigned threads, std::vector<double> samples) {
  record r;
  r.kernel = "sum";
  r.params = "size=1000 intensity=0";
  r.backend = backend;
  r.threads = threads;
  r.schedule = "static";
  r.reps = static_cast<unsigned>(samples.size());
  r.median_s = summarize(samples).median;
  r.samples_s = std::move(samples);
  r.verified = true;
  return r;
}

// Five samples around `median`, spread by 1%: far apart from another set when the medians
// differ by more than a few percent.
std::vector<double> around(double median) {
  return {median * 0.99, median * 0.995, median, median * 1.005, median * 1.01};
}

result_document document(std::vector<record> records) {
  result_document d;
  d.schema = result_schema;
  d.machine = {{"cpu_model", "test cpu"}, {"usable_cpus", 2}, {"git_revision", "abc"}};
  d.config = {{"kernel", "sum"}, {"switch_interval_s", 0.005}, {"cpu_on", nullptr}};
  d.records = std::move(records);
  return d;
}

comparison compare(const result_document& base, const result_document& next,
                   compare_options o = {}) {
  return compare_documents(base, next, "base.json", "new.json", o);
}

const entry& find(const comparison& c, const std::string& backend, unsigned threads) {
  for (const entry& e : c.entries)
    if (e.id.backend == backend && e.id.threads == threads) return e;
  throw std::runtime_error("no entry " + backend);
}

TEST(compare, identical_documents_show_no_change_and_exit_0) {
  const result_document d =
      document({point("seq", 1, around(1.0)), point("threads", 2, around(0.5))});
  const comparison c = compare(d, d);
  ASSERT_EQ(c.entries.size(), 2U);
  for (const entry& e : c.entries) {
    EXPECT_EQ(e.result, change::unchanged);
    EXPECT_DOUBLE_EQ(e.ratio, 1);
    EXPECT_DOUBLE_EQ(e.test.p_value, 1);
    EXPECT_LE(e.ratio_ci.low, 1);
    EXPECT_GE(e.ratio_ci.high, 1);
  }
  EXPECT_EQ(exit_code(c), 0);
  EXPECT_TRUE(c.machine.empty());
  EXPECT_TRUE(warnings(c).empty());
}

TEST(compare, twice_as_slow_is_slower_and_exit_1_twice_as_fast_is_faster) {
  const comparison c =
      compare(document({point("threads", 1, around(1.0)), point("threads", 2, around(0.5))}),
              document({point("threads", 1, around(0.5)), point("threads", 2, around(1.0))}));
  EXPECT_EQ(find(c, "threads", 1).result, change::faster);
  const entry& slow = find(c, "threads", 2);
  EXPECT_EQ(slow.result, change::slower);
  EXPECT_DOUBLE_EQ(slow.ratio, 2);
  EXPECT_NEAR(slow.test.p_value, 2.0 / 252.0, 1e-12);  // five against five, apart
  EXPECT_GT(slow.ratio_ci.low, 1.9);
  EXPECT_LT(slow.ratio_ci.high, 2.1);
  EXPECT_EQ(exit_code(c), 1);
}

TEST(compare, a_significant_change_within_the_threshold_is_no_change) {
  // 3% slower and apart (p = 0.0079): significant, but below the 5% threshold; above 2%.
  const result_document base = document({point("seq", 1, around(1.0))});
  const result_document next = document({point("seq", 1, around(1.03))});
  EXPECT_EQ(compare(base, next).entries[0].result, change::unchanged);
  EXPECT_EQ(exit_code(compare(base, next)), 0);
  EXPECT_EQ(compare(base, next, {0.02, 0.05}).entries[0].result, change::slower);
  // And a stricter alpha than five against five can reach: too few samples.
  EXPECT_EQ(compare(base, next, {0.02, 0.005}).entries[0].result, change::too_few_samples);
}

TEST(compare, overlapping_samples_are_not_significant) {
  const result_document base = document({point("seq", 1, {1.0, 1.3, 0.9, 1.2, 1.1})});
  const result_document next = document({point("seq", 1, {1.25, 0.95, 1.15, 1.05, 1.35})});
  const comparison c = compare(base, next);  // kept: e refers into it (ASan caught the temporary)
  const entry& e = c.entries[0];
  EXPECT_GT(e.test.p_value, 0.05);
  EXPECT_EQ(e.result, change::unchanged);
}

TEST(compare, three_reps_a_side_are_too_few_and_say_how_many_would_do) {
  const comparison c = compare(document({point("seq", 1, {1.0, 1.01, 0.99})}),
                               document({point("seq", 1, {2.0, 2.01, 1.99})}));
  EXPECT_EQ(c.entries[0].result, change::too_few_samples);
  EXPECT_EQ(exit_code(c), 0);
  ASSERT_EQ(warnings(c).size(), 1U);
  EXPECT_NE(warnings(c)[0].find("3 vs 3 samples give no p-value below 0.1"), std::string::npos)
      << warnings(c)[0];
  EXPECT_NE(warnings(c)[0].find("--reps 4 or more"), std::string::npos) << warnings(c)[0];
}

TEST(compare, a_new_record_that_did_not_verify_fails_whatever_its_time) {
  record broken = point("threads", 2, around(0.25));  // faster, but wrong
  broken.verified = false;
  broken.detail = "sum 41, expected 42";
  record lonely = point("threads", 4, around(0.1));
  lonely.verified = false;
  const comparison c =
      compare(document({point("threads", 2, around(0.5))}), document({broken, lonely}));
  EXPECT_EQ(find(c, "threads", 2).result, change::failed);
  EXPECT_EQ(find(c, "threads", 2).detail, "sum 41, expected 42");
  EXPECT_DOUBLE_EQ(find(c, "threads", 2).ratio, 0);  // a wrong result's time is not shown
  EXPECT_TRUE(to_json(find(c, "threads", 2))["ratio"].is_null());
  EXPECT_EQ(find(c, "threads", 4).result, change::failed);  // only in NEW, and failed
  EXPECT_EQ(exit_code(c), 1);
}

TEST(compare, a_base_record_that_did_not_verify_is_not_a_failure_of_new) {
  record broken = point("seq", 1, around(1.0));
  broken.verified = false;
  const comparison c = compare(document({broken}), document({point("seq", 1, around(2.0))}));
  EXPECT_EQ(c.entries[0].result, change::base_failed);
  EXPECT_EQ(exit_code(c), 0);
}

TEST(compare, records_of_one_file_only_are_listed_as_such) {
  const comparison c =
      compare(document({point("seq", 1, around(1.0)), point("threads", 4, around(0.3))}),
              document({point("seq", 1, around(1.0)), point("threads", 8, around(0.2))}));
  ASSERT_EQ(c.entries.size(), 3U);
  EXPECT_EQ(find(c, "threads", 8).result, change::only_in_new);
  EXPECT_EQ(find(c, "threads", 4).result, change::only_in_base);
  EXPECT_EQ(c.entries.back().id.threads, 4U);  // NEW's order, then BASE's leftovers
  EXPECT_EQ(exit_code(c), 0);
}

TEST(compare, everything_that_identifies_a_measurement_keeps_records_apart) {
  const record base = point("threads", 2, around(1.0));
  std::vector<record> variants(8, base);
  variants[0].params = "size=2000 intensity=0";
  variants[1].schedule = "dynamic";
  variants[2].grain = 512;
  variants[3].pin = "compact: 0 1";
  variants[4].ranks = 2;
  variants[5].fields.push_back({"gil", std::string("held")});
  variants[6].binding = "--bind-to none";
  variants[7].numa = "interleave";
  for (const record& v : variants) {
    const comparison c = compare(document({base, point("seq", 1, around(1.0))}),
                                 document({v, point("seq", 1, around(1.0))}));
    EXPECT_EQ(c.entries.size(), 3U) << heading(identity_of(v, document({}).config));
  }
  // What a record ran on is not part of it: a different core count still pairs.
  record fewer_cores = base;
  fewer_cores.cores = 1;
  fewer_cores.oversubscribed = true;
  EXPECT_EQ(compare(document({base}), document({fewer_cores})).entries.size(), 1U);
  // Nor are the CPUs a pin policy chose, which follow the machine and its mask: the policy is.
  record compact = base, compact_elsewhere = base;
  compact.pin = "compact: 0 1";
  compact_elsewhere.pin = "compact: 0 0";
  EXPECT_EQ(compare(document({compact}), document({compact_elsewhere})).entries.size(), 1U);
}

TEST(compare, the_gil_and_its_interval_are_part_of_the_identity) {
  record r = point("threads", 2, around(1.0));
  r.fields.push_back({"gil", std::string("held")});
  const result_document d = document({r});
  EXPECT_EQ(identity_of(r, d.config).gil, "5 ms");
  result_document other = d;
  other.config["switch_interval_s"] = 0.001;
  EXPECT_THROW(compare(d, other), parlab::usage_error);  // nothing shared
}

TEST(compare, a_repeated_identity_pairs_in_order) {
  const comparison c =
      compare(document({point("seq", 1, around(1.0)), point("seq", 1, around(2.0))}),
              document({point("seq", 1, around(1.0)), point("seq", 1, around(2.0))}));
  ASSERT_EQ(c.entries.size(), 2U);
  EXPECT_EQ(c.entries[0].result, change::unchanged);
  EXPECT_EQ(c.entries[1].result, change::unchanged);
}

TEST(compare, files_that_share_no_measurement_are_refused_naming_both) {
  record io = point("threads", 2, around(1.0));
  io.kernel = "io";
  io.params = "tasks=4";
  try {
    compare(document({point("threads", 2, around(1.0))}), document({io}));
    FAIL() << "no usage_error";
  } catch (const parlab::usage_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("base.json has sum size=1000 intensity=0"), std::string::npos) << what;
    EXPECT_NE(what.find("new.json has io tasks=4"), std::string::npos) << what;
  }
  EXPECT_THROW(compare(document({}), document({})), parlab::usage_error);
}

// What parse_result_text refuses bad.json with; "(read)" when it read it.
std::string refusal(const json& doc) {
  try {
    (void)parse_result_text(doc.dump(), "bad.json");
  } catch (const parlab::usage_error& e) {
    return e.what();
  }
  return "(read)";
}

// A malformed file is bad input (exit 2) named with what is wrong: not read past a missing key,
// not a library's exception out of compare (exit 1, "FAILED").
TEST(compare, malformed_documents_are_refused_naming_the_file_and_the_fault) {
  const json good = {{"schema", result_schema},
                     {"machine", document({}).machine},
                     {"config", document({}).config},
                     {"records", json::array({to_json(point("threads", 2, around(1.0)))})}};
  ASSERT_EQ(refusal(good), "(read)");
  json no_share = good;
  no_share["records"][0].erase("pages_on_worker_nodes");
  std::string what = refusal(no_share);
  EXPECT_NE(what.find("'bad.json'"), std::string::npos) << what;
  EXPECT_NE(what.find("a record without \"pages_on_worker_nodes\""), std::string::npos) << what;
  for (const char* block : {"machine", "config"}) {
    json flat = good;
    flat[block] = "a laptop";
    what = refusal(flat);
    EXPECT_NE(what.find("'bad.json'"), std::string::npos) << what;
    EXPECT_NE(what.find('"' + std::string(block) + "\" is not an object"), std::string::npos)
        << what;
  }
}

TEST(machine_differences, name_what_moves_numbers_down_to_the_variable) {
  json base = {{"hostname", "a"},
               {"usable_cpus", 2},
               {"governor", "performance"},
               {"git_revision", "abc"},
               {"runtime_environment", {{"OMP_WAIT_POLICY", "passive"}}}};
  json next = base;
  next["hostname"] = "b";        // not a difference that moves numbers
  next["git_revision"] = "def";  // the code under comparison
  EXPECT_TRUE(machine_differences(base, next).empty());
  next["usable_cpus"] = 1;
  next["runtime_environment"] = {{"OMP_WAIT_POLICY", "active"}, {"OMP_NUM_THREADS", "1"}};
  const auto d = machine_differences(base, next);
  ASSERT_EQ(d.size(), 3U);
  EXPECT_EQ(d[0].field, "usable_cpus");
  EXPECT_EQ(d[1].field, "runtime_environment.OMP_NUM_THREADS");
  EXPECT_TRUE(d[1].base.is_null());
  EXPECT_EQ(d[2].field, "runtime_environment.OMP_WAIT_POLICY");
  result_document a = document({point("seq", 1, around(1.0))}), b = a;
  a.machine = base;
  b.machine = next;
  const std::vector<std::string> w = warnings(compare(a, b));
  ASSERT_EQ(w.size(), 1U);
  EXPECT_NE(w[0].find("usable_cpus 2 -> 1"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("OMP_NUM_THREADS (unset) -> 1"), std::string::npos) << w[0];
}

std::string written(void (*write)(std::FILE*, const comparison&), const comparison& c) {
  char* text = nullptr;
  std::size_t size = 0;
  std::FILE* f = open_memstream(&text, &size);
  write(f, c);
  std::fclose(f);
  std::string s(text, size);
  std::free(text);
  return s;
}

TEST(compare_writers, csv_has_one_line_per_entry_with_the_json_keys) {
  const comparison c =
      compare(document({point("seq", 1, around(1.0)), point("threads", 4, around(0.3))}),
              document({point("seq", 1, around(2.0))}));
  const std::string csv = written(write_compare_csv, c);
  const std::string header = csv.substr(0, csv.find('\n'));
  EXPECT_EQ(header.rfind("kernel,params,backend,threads,", 0), 0U) << header;
  EXPECT_NE(header.find(",ratio,ratio_low,ratio_high,p_value,"), std::string::npos) << header;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
  EXPECT_NE(csv.find(",slower,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",only in base,"), std::string::npos) << csv;
  const json j = to_json(c.entries[1]);
  EXPECT_TRUE(j["ratio"].is_null());  // nothing to divide by
  EXPECT_TRUE(j["new_median_s"].is_null());
}

TEST(compare_writers, json_document_carries_the_verdicts_and_the_exit_code) {
  const comparison c =
      compare(document({point("seq", 1, around(1.0))}), document({point("seq", 1, around(2.0))}));
  const json doc = json::parse(written(write_compare_json, c));
  EXPECT_EQ(doc["exit_code"], 1);
  EXPECT_EQ(doc["base"]["file"], "base.json");
  ASSERT_EQ(doc["entries"].size(), 1U);
  EXPECT_EQ(doc["entries"][0]["verdict"], "slower");
  EXPECT_DOUBLE_EQ(doc["entries"][0]["ratio"].get<double>(), 2);
  EXPECT_EQ(doc["entries"][0]["exact_test"], true);
}

TEST(compare_writers, table_groups_rows_under_what_they_measured) {
  const comparison c =
      compare(document({point("seq", 1, around(1.0))}), document({point("seq", 1, around(2.0))}));
  const auto table = [](std::FILE* f, const comparison& x) { write_compare_table(f, x, false); };
  const std::string text = written(table, c);
  EXPECT_NE(text.find("sum size=1000 intensity=0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("2.000"), std::string::npos) << text;
  EXPECT_NE(text.find("slower"), std::string::npos) << text;
  EXPECT_NE(text.find("summary: 1 slower"), std::string::npos) << text;
}

// Rounds whose weather swings by 40% between them, the same on both sides of each round: the
// drift the interleaving keeps out of the verdict.
std::vector<result_document> rounds_of(double scale, std::size_t rounds, double jitter = 0) {
  std::vector<result_document> docs;
  for (std::size_t i = 0; i < rounds; ++i) {
    const double step = static_cast<double>(i % 3) - 1.0;  // -1, 0, 1
    const double weather = (i % 2 == 0 ? 1.0 : 1.4) * (1 + jitter * step);
    docs.push_back(document({point("threads", 2, around(0.5 * weather * scale))}));
  }
  return docs;
}

comparison compare_rounds_of(const std::vector<result_document>& base,
                             const std::vector<result_document>& next) {
  return compare_rounds(base, next, "old/parlab", "parlab", {}, {base.size(), 7});
}

TEST(compare_rounds, drift_that_falls_on_both_sides_is_no_change_and_is_reported) {
  const comparison c = compare_rounds_of(rounds_of(1, 10), rounds_of(1, 10, 0.01));
  const entry& e = c.entries.at(0);
  EXPECT_EQ(e.result, change::unchanged);
  EXPECT_EQ(e.rounds, 10U);
  EXPECT_NEAR(e.drift, 0.4, 1e-9);
  EXPECT_NEAR(e.ratio, 1, 0.011);
  EXPECT_EQ(exit_code(c), 0);
  // The same reps as two files measured apart: the U test calls the swing a change.
  result_document merged_base = rounds_of(1, 10)[0], merged_new = rounds_of(1, 10)[1];
  EXPECT_EQ(compare(merged_base, merged_new).entries[0].result, change::slower);
}

TEST(compare_rounds, a_slowdown_in_every_round_is_slower_despite_the_drift) {
  const comparison c = compare_rounds_of(rounds_of(1, 10), rounds_of(1.2, 10));
  const entry& e = c.entries.at(0);
  EXPECT_EQ(e.result, change::slower);
  EXPECT_NEAR(e.ratio, 1.2, 1e-9);
  EXPECT_DOUBLE_EQ(e.test.p_value, 2.0 / 1024);  // every round slower: the least p
  EXPECT_GT(e.ratio_ci.low, 1.19);
  EXPECT_EQ(exit_code(c), 1);
  // 3% in every round: significant, within the threshold.
  EXPECT_EQ(compare_rounds_of(rounds_of(1, 10), rounds_of(1.03, 10)).entries[0].result,
            change::unchanged);
}

// Load that changes within rounds spreads their ratios: a median past the threshold with p below
// alpha is then chance, and the interval, which reaches back inside the threshold, says so.
TEST(compare_rounds, a_median_past_the_threshold_with_an_interval_inside_it_is_no_change) {
  std::vector<result_document> base = rounds_of(1, 10), next = rounds_of(1, 10);
  const double ratios[] = {1.22, 1.15, 0.99, 1.13, 1.01, 1.2, 1.0, 1.16, 0.98, 1.12};
  for (std::size_t i = 0; i < next.size(); ++i)
    for (double& s : next[i].records[0].samples_s) s *= ratios[i];
  for (result_document& d : next) d.records[0].median_s = summarize(d.records[0].samples_s).median;
  const entry e = compare_rounds_of(base, next).entries.at(0);
  EXPECT_GT(e.ratio, 1.05);
  EXPECT_LT(e.test.p_value, 0.05);
  EXPECT_LT(e.ratio_ci.low, 1.05);
  EXPECT_EQ(e.result, change::unchanged);
}

TEST(compare_rounds, five_rounds_are_too_few_and_the_warning_says_how_many_would_do) {
  const comparison c = compare_rounds_of(rounds_of(1, 5), rounds_of(2, 5));
  EXPECT_EQ(c.entries.at(0).result, change::too_few_samples);
  const std::vector<std::string> w = warnings(c);
  ASSERT_EQ(w.size(), 1U);
  EXPECT_NE(w[0].find("--rounds 6 or more"), std::string::npos) << w[0];
}

TEST(compare_rounds, a_new_record_that_failed_in_any_round_fails) {
  std::vector<result_document> next = rounds_of(1, 10);
  next[4].records[0].verified = false;
  next[4].records[0].detail = "made up";
  const comparison c = compare_rounds_of(rounds_of(1, 10), next);
  EXPECT_EQ(c.entries.at(0).result, change::failed);
  EXPECT_EQ(c.entries.at(0).detail, "made up");
  EXPECT_EQ(exit_code(c), 1);
}

}  // namespace
