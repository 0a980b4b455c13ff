// The sinks: CSV and JSON carry exactly the documented fields (docs/RUNNER.md), CSV writes each
// record as it completes, the table explains its flags, the composite feeds every sink and
// survives one failing, and the plot is really drawn by gnuplot.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "parlab/error.hpp"
#include "parlab/registry.hpp"
#include "runners/reporter.hpp"
#include "runners/result_file.hpp"

namespace {

using namespace parlab::runner;
namespace fs = std::filesystem;

// The record fields of docs/RUNNER.md, in order: the CSV header and the JSON record keys.
const std::vector<std::string> documented_fields{"kernel",
                                                 "backend",
                                                 "threads",
                                                 "cores",
                                                 "cpu_limit",
                                                 "oversubscribed",
                                                 "params",
                                                 "schedule",
                                                 "grain",
                                                 "pin",
                                                 "numa",
                                                 "unpinned_numa",
                                                 "worker_cpus",
                                                 "worker_nodes",
                                                 "pages_per_node",
                                                 "pages_on_worker_nodes",
                                                 "reps",
                                                 "median_s",
                                                 "min_s",
                                                 "max_s",
                                                 "stddev_s",
                                                 "cv",
                                                 "speedup",
                                                 "speedup_base_threads",
                                                 "efficiency",
                                                 "throughput",
                                                 "throughput_unit",
                                                 "gelem_per_s",
                                                 "bandwidth_fraction",
                                                 "karp_flatt",
                                                 "ideal_s",
                                                 "in_flight",
                                                 "peak_waits",
                                                 "workers_seen",
                                                 "ranks",
                                                 "threads_per_rank",
                                                 "total_workers",
                                                 "rank_time_min_s",
                                                 "rank_time_max_s",
                                                 "transport",
                                                 "binding",
                                                 "data_bytes",
                                                 "huge_page_bytes",
                                                 "peak_rss_bytes",
                                                 "vm_peak_bytes",
                                                 "bytes_per_task",
                                                 "verified",
                                                 "noisy",
                                                 "warmup_problem",
                                                 "detail",
                                                 "lesson",
                                                 "status"};

const std::vector<std::string> documented_fit_fields{"backend",
                                                     "best_speedup",
                                                     "best_threads",
                                                     "amdahl_serial_fraction",
                                                     "gustafson_serial_fraction",
                                                     "usl",
                                                     "usable_points",
                                                     "oversubscribed_points"};

// A file in a fresh directory, removed with it.
class scratch_file {
 public:
  explicit scratch_file(const std::string& name) {
    std::string pattern = (fs::temp_directory_path() / "parlab-test-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    path_ = dir_ / name;
  }
  ~scratch_file() {
    if (file_ != nullptr) std::fclose(file_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  scratch_file(const scratch_file&) = delete;
  scratch_file& operator=(const scratch_file&) = delete;

  std::FILE* open() { return file_ = std::fopen(path_.c_str(), "w"); }
  [[nodiscard]] std::string path() const { return path_.string(); }
  // What another reader sees now: only what was flushed.
  [[nodiscard]] std::string text() const {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  fs::path dir_, path_;
  std::FILE* file_ = nullptr;
};

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> split_csv_header(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string field; std::getline(in, field, ',');) out.push_back(field);
  return out;
}

record sample(const std::string& backend, unsigned threads, double speedup) {
  record r;
  r.kernel = "sum";
  r.backend = backend;
  // As the runner records it: from the registered backend's traits.
  r.uses_thread_count = parlab::find_backend(backend)->traits().uses_thread_count;
  r.threads = threads;
  r.cores = 2;
  r.params = "size=1000 intensity=0";
  r.schedule = "static";
  r.reps = 3;
  r.cpu_limit = "none";
  r.samples_s = {0.3, 0.2, 0.1};
  r.median_s = 0.2;
  r.speedup = speedup;
  r.efficiency = speedup / threads;
  r.verified = true;
  r.detail = "sum 499500, expected 499500";
  return r;
}

const json machine = {{"cpu_model", "Test CPU"},
                      {"usable_cpus", 2},
                      {"cpu_limit", "none"},
                      {"hardware_threads", 2},
                      {"governor", "performance"},
                      {"turbo", "on"},
                      {"transparent_hugepages", "madvise"}};
const json config = {
    {"command", "sweep"},    {"kernel", "sum"}, {"backend_order", {"seq", "omp"}},
    {"threads_spec", "1,2"}, {"weak", false},   {"params_text", "size=1000 intensity=0"}};

TEST(csv_reporter, header_is_the_documented_fields_then_one_line_per_record) {
  scratch_file f("out.csv");
  auto rep = make_csv_reporter(std::make_unique<output_file>(f.open()));
  rep->begin(machine, config);
  rep->add(sample("seq", 1, 1));
  rep->add(sample("omp", 2, 1.8));
  rep->end({});
  const std::vector<std::string> l = lines(f.text());
  ASSERT_EQ(l.size(), 3U);
  EXPECT_EQ(split_csv_header(l[0]), documented_fields);
  EXPECT_EQ(l[1].rfind("sum,seq,1,2,none,false,size=1000 intensity=0,static,", 0), 0U) << l[1];
  EXPECT_NE(l[2].find(",true,false,false,"), std::string::npos) << l[2];
}

TEST(csv_reporter, each_record_is_flushed_as_it_completes) {
  scratch_file f("out.csv");
  auto rep = make_csv_reporter(std::make_unique<output_file>(f.open()));
  rep->begin(machine, config);
  rep->add(sample("seq", 1, 1));
  EXPECT_EQ(lines(f.text()).size(), 2U);  // before end(): an interrupted sweep keeps it
  rep->add(sample("omp", 2, 1.8));
  EXPECT_EQ(lines(f.text()).size(), 3U);
}

TEST(csv_reporter, quotes_a_field_with_a_comma_or_a_quote) {
  scratch_file f("out.csv");
  auto rep = make_csv_reporter(std::make_unique<output_file>(f.open()));
  rep->begin(machine, config);
  record r = sample("omp", 2, 0);
  r.verified = false;
  r.detail = "wrong result: sum 1, expected \"2\"";
  rep->add(r);
  rep->end({});
  // The detail, then the empty lesson and status.
  EXPECT_NE(f.text().find(",\"wrong result: sum 1, expected \"\"2\"\"\",,\n"), std::string::npos)
      << f.text();
}

TEST(json_reporter, one_object_with_machine_config_records_and_fits) {
  scratch_file f("out.json");
  auto rep = make_json_reporter(std::make_unique<output_file>(f.open()));
  rep->begin(machine, config);
  rep->add(sample("seq", 1, 1));
  rep->add(sample("omp", 2, 1.8));
  backend_fit fit;
  fit.backend = "omp";
  fit.best_speedup = 1.8;
  fit.best_threads = 2;
  fit.amdahl_serial_fraction = 0.1;
  fit.usl = usl_fit{0.05, 0.001, 30.8, 0.99};
  rep->end({fit});
  const json doc = json::parse(f.text());
  std::vector<std::string> top;
  for (const auto& [k, v] : doc.items()) top.push_back(k);
  EXPECT_EQ(top, (std::vector<std::string>{"schema", "machine", "config", "records", "fits"}));
  EXPECT_EQ(doc["schema"], result_schema);
  EXPECT_EQ(doc["machine"]["cpu_model"], "Test CPU");
  EXPECT_EQ(doc["config"]["kernel"], "sum");
  ASSERT_EQ(doc["records"].size(), 2U);
  std::vector<std::string> keys;
  for (const auto& [k, v] : doc["records"][1].items()) keys.push_back(k);
  std::vector<std::string> want = documented_fields;
  want.push_back("samples_s");
  want.push_back("workers_seen_reps");
  EXPECT_EQ(keys, want);
  EXPECT_TRUE(doc["records"][1]["verified"].is_boolean());
  EXPECT_EQ(doc["records"][1]["samples_s"].size(), 3U);
  ASSERT_EQ(doc["fits"].size(), 1U);
  std::vector<std::string> fit_keys;
  for (const auto& [k, v] : doc["fits"][0].items()) fit_keys.push_back(k);
  EXPECT_EQ(fit_keys, documented_fit_fields);
  EXPECT_DOUBLE_EQ(doc["fits"][0]["usl"]["sigma"].get<double>(), 0.05);
  EXPECT_TRUE(doc["fits"][0]["gustafson_serial_fraction"].is_null());
  EXPECT_FALSE(doc.contains("abandoned"));
}

TEST(json_reporter, an_abandoned_document_says_why_and_keeps_what_finished) {
  scratch_file f("out.json");
  auto rep = make_json_reporter(std::make_unique<output_file>(f.open()));
  rep->begin(machine, config);
  rep->add(sample("seq", 1, 1));
  rep->abandon({}, {"--timeout 1s reached during omp t=2", ""});
  const json doc = json::parse(f.text());
  EXPECT_EQ(doc["abandoned"], "--timeout 1s reached during omp t=2");
  EXPECT_FALSE(doc.contains("interrupted"));
  EXPECT_EQ(doc["records"].size(), 1U);
}

TEST(json_reporter, a_document_cut_short_by_a_signal_names_it_and_reads_back_as_cut_short) {
  scratch_file f("out.json");
  auto rep = make_json_reporter(std::make_unique<output_file>(f.open()));
  rep->begin(machine, config);
  rep->add(sample("seq", 1, 1));
  rep->abandon({}, {"SIGTERM during omp t=2", "SIGTERM"});
  const json doc = json::parse(f.text());
  EXPECT_EQ(doc["interrupted"], true);
  EXPECT_EQ(doc["interrupted_by"], "SIGTERM");
  EXPECT_EQ(doc["abandoned"], "SIGTERM during omp t=2");
  EXPECT_EQ(parse_result_document(doc, "out.json").cut_short, "SIGTERM during omp t=2");
}

TEST(table_reporter, header_names_the_machine_and_a_legend_explains_the_flags) {
  scratch_file f("out.txt");
  auto rep = make_table_reporter(f.open(), false);
  rep->begin(machine, config);
  record r = sample("omp", 4, 1.5);
  r.oversubscribed = true;
  r.noisy = true;
  rep->add(r);
  rep->end({});
  const std::string t = f.text();
  EXPECT_NE(t.find("cpu: Test CPU"), std::string::npos) << t;
  EXPECT_NE(t.find("2 usable (no limit, 2 online)"), std::string::npos) << t;
  EXPECT_NE(t.find("governor performance"), std::string::npos) << t;
  EXPECT_NE(t.find("THP madvise"), std::string::npos) << t;
  EXPECT_NE(t.find("yes over noisy"), std::string::npos) << t;
  EXPECT_NE(t.find("flags: over = more threads than the 2 usable cpus; noisy = reps spread above "
                   "5%"),
            std::string::npos)
      << t;
  EXPECT_EQ(t.find("warmup ="), std::string::npos) << t;  // only flags that appeared
}

TEST(table_reporter, no_flag_no_legend_and_a_failure_shows_its_error) {
  scratch_file f("out.txt");
  auto rep = make_table_reporter(f.open(), false);
  rep->begin(machine, config);
  record r = sample("omp", 2, 0);
  r.verified = false;
  r.detail = "wrong result: sum 1, expected 2";
  rep->add(r);
  rep->end({});
  const std::string t = f.text();
  EXPECT_EQ(t.find("flags:"), std::string::npos) << t;
  EXPECT_NE(t.find("NO"), std::string::npos) << t;
  EXPECT_NE(t.find("  error: wrong result: sum 1, expected 2"), std::string::npos) << t;
}

TEST(table_reporter, lines_fit_80_columns_without_flags) {
  scratch_file f("out.txt");
  auto rep = make_table_reporter(f.open(), false);
  rep->begin(machine, config);
  rep->add(sample("forkpool", 128, 100.25));
  rep->end({});
  for (const std::string& line : lines(f.text())) {
    if (line.rfind("forkpool", 0) == 0 || line.rfind("backend", 0) == 0) {
      EXPECT_LE(line.size(), 80U) << line;
    }
  }
}

// A sink that counts what it was fed and may fail at the end.
class counting_sink final : public reporter {
 public:
  counting_sink(int& added, int& ended, bool fail) : added_(added), ended_(ended), fail_(fail) {}
  void begin(const json&, const json&) override {}
  void add(const record&) override { ++added_; }
  void end(const std::vector<backend_fit>&) override {
    ++ended_;
    if (fail_) throw parlab::run_error("sink failed");
  }

 private:
  int& added_;
  int& ended_;
  bool fail_;
};

TEST(composite_reporter, feeds_every_sink_and_ends_them_all_when_one_fails) {
  int added[3] = {}, ended[3] = {};
  std::vector<std::unique_ptr<reporter>> sinks;
  sinks.push_back(std::make_unique<counting_sink>(added[0], ended[0], false));
  sinks.push_back(std::make_unique<counting_sink>(added[1], ended[1], true));
  sinks.push_back(std::make_unique<counting_sink>(added[2], ended[2], false));
  auto rep = make_composite_reporter(std::move(sinks));
  rep->begin(machine, config);
  rep->add(sample("seq", 1, 1));
  rep->add(sample("omp", 2, 1.8));
  EXPECT_THROW(rep->end({}), parlab::run_error);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(added[i], 2) << i;
    EXPECT_EQ(ended[i], 1) << i;  // the sink after the failing one still wrote its output
  }
}

TEST(plot_reporter, gnuplot_really_draws_an_svg) {
  if (!gnuplot_on_path()) GTEST_SKIP() << "gnuplot is not installed (apt-get install gnuplot-nox)";
  scratch_file f("scaling.svg");
  auto rep = make_plot_reporter(f.path());
  rep->begin(machine, config);
  for (const char* b : {"seq", "omp", "tbb"})
    for (unsigned t : {1U, 2U, 4U}) rep->add(sample(b, t, t * 0.9));
  rep->end({});
  const std::string svg = f.text();
  EXPECT_EQ(svg.rfind("<?xml", 0), 0U) << svg.substr(0, 80);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("omp"), std::string::npos);  // the key names each backend
  EXPECT_NE(svg.find("efficiency"), std::string::npos);
}

TEST(plot_reporter, nothing_to_draw_is_an_error_not_an_empty_picture) {
  scratch_file f("scaling.svg");
  auto rep = make_plot_reporter(f.path());
  rep->begin(machine, config);
  rep->add(sample("seq", 1, 1));  // the baseline alone is not a scaling curve
  EXPECT_THROW(rep->end({}), parlab::run_error);
}

TEST(plot_reporter, an_abandoned_sweep_starts_no_gnuplot) {
  scratch_file f("scaling.svg");
  auto rep = make_plot_reporter(f.path());
  rep->begin(machine, config);
  rep->add(sample("omp", 2, 1.8));
  rep->abandon({}, {"--timeout", ""});
  EXPECT_FALSE(fs::exists(f.path()));
}

}  // namespace

namespace {

std::string table_with_fit(const usl_fit& u) {
  scratch_file f("fits.txt");
  auto rep = make_table_reporter(f.open(), false);
  rep->begin(machine, config);
  backend_fit fit;
  fit.backend = "omp";
  fit.best_speedup = 1.5;
  fit.best_threads = 2;
  fit.amdahl_serial_fraction = 0.3;
  fit.usl = u;
  rep->end({fit});
  return f.text();
}

TEST(table_reporter, an_undefined_r2_or_peak_is_n_a_and_a_poor_fit_hides_its_parameters) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::string equal =
      table_with_fit(usl_fit{0.1, 0, std::numeric_limits<double>::infinity(), nan});
  EXPECT_NE(equal.find("n/a poor fit"), std::string::npos) << equal;
  EXPECT_EQ(equal.find("inf"), std::string::npos) << equal;
  EXPECT_NE(equal.find("(poor fit: R2 below 0.9"), std::string::npos) << equal;

  const std::string no_peak = table_with_fit(usl_fit{1.2, 0.01, nan, 0.97});
  EXPECT_NE(no_peak.find("n/a  0.97"), std::string::npos) << no_peak;
  EXPECT_EQ(no_peak.find("inf"), std::string::npos) << no_peak;

  const std::string poor = table_with_fit(usl_fit{0.05, 0.001, 30.8, 0.42});
  EXPECT_NE(poor.find("0.42 poor fit"), std::string::npos) << poor;
  EXPECT_EQ(poor.find("0.0500"), std::string::npos) << poor;  // sigma is not printed

  const std::string good = table_with_fit(usl_fit{0.05, 0.001, 30.8, 0.99});
  EXPECT_NE(good.find("0.0500"), std::string::npos) << good;
  EXPECT_EQ(good.find("poor fit"), std::string::npos) << good;
}

TEST(json_reporter, undefined_fit_figures_are_null_and_a_poor_fit_is_marked) {
  scratch_file f("fit.json");
  auto rep = make_json_reporter(std::make_unique<output_file>(f.open()));
  rep->begin(machine, config);
  backend_fit fit;
  fit.backend = "omp";
  fit.usl = usl_fit{1.2, 0, std::numeric_limits<double>::quiet_NaN(),
                    std::numeric_limits<double>::quiet_NaN()};
  rep->end({fit});
  const json usl = json::parse(f.text())["fits"][0]["usl"];
  EXPECT_TRUE(usl["peak_threads"].is_null());
  EXPECT_FALSE(usl["peak_unbounded"].get<bool>());
  EXPECT_TRUE(usl["r_squared"].is_null());
  EXPECT_FALSE(usl["trusted"].get<bool>());
}

TEST(table_reporter, huge_page_coverage_is_a_flag_with_a_legend) {
  scratch_file f("hp.txt");
  auto rep = make_table_reporter(f.open(), false);
  rep->begin(machine, config);
  record r = sample("omp", 2, 1.9);
  r.data_bytes = std::size_t{800} << 20;
  r.huge_page_bytes = std::size_t{200} << 20;
  rep->add(r);
  rep->end({});
  const std::string t = f.text();
  EXPECT_NE(t.find("yes hp=25%"), std::string::npos) << t;
  EXPECT_NE(t.find("hp = share of the kernel's data in huge pages"), std::string::npos) << t;
}

// Placement flags: unpinned on several nodes, and data mostly away from the workers' nodes; a
// share at or above 90% (all of it, on one node) is no flag.
TEST(table_reporter, placement_off_the_workers_nodes_is_a_flag_with_a_legend) {
  scratch_file f("numa.txt");
  auto rep = make_table_reporter(f.open(), false);
  rep->begin(machine, config);
  record r = sample("omp", 2, 1.9);
  r.unpinned_numa = true;
  r.pages_on_worker_nodes = 0.5;
  rep->add(r);
  record local = sample("omp", 1, 1.0);
  local.pages_on_worker_nodes = 1;
  rep->add(local);
  rep->end({});
  const std::string t = f.text();
  EXPECT_NE(t.find("yes unpinned local=50%"), std::string::npos) << t;
  EXPECT_EQ(t.find("local=100%"), std::string::npos) << t;
  EXPECT_NE(t.find("unpinned = workers free to drift"), std::string::npos) << t;
  EXPECT_NE(t.find("local = share of the data's pages"), std::string::npos) << t;
}

}  // namespace

// The reader of result files is the JSON reporter's inverse: what a sweep of ranks reads back
// from its jobs and compare reads must be every field written, kernel fields included.
TEST(result_file, a_record_reads_back_as_written) {
  record r = sample("omp", 2, 1.8);
  r.ranks = 3;
  r.total_workers = 6;
  r.binding = "--bind-to none";
  r.workers_seen_reps = {2, 2, 2};
  r.numa = "interleave";
  r.worker_cpus = {3, 70};
  r.worker_nodes = {0, 1};
  r.pages_per_node = {{-1, 4}, {0, 100}, {1, 96}};
  r.pages_on_worker_nodes = 0.98;
  r.fields = {{"lost", std::int64_t{7}},
              {"ratio", 0.5},
              {"ok", true},
              {"word", std::string("x")},
              {"none", std::monostate{}}};
  EXPECT_EQ(to_json(record_from_json(to_json(r))), to_json(r));
}

// A record written before placement was measured reads back with none (a file of schema 1 may
// come from either); one whose pages name no node is refused.
TEST(result_file, placement_fields_are_optional_but_checked) {
  json old = to_json(sample("omp", 2, 1.8));
  for (const char* key : {"numa", "unpinned_numa", "worker_cpus", "worker_nodes", "pages_per_node",
                          "pages_on_worker_nodes"})
    old.erase(key);
  const record r = record_from_json(old);
  EXPECT_TRUE(r.worker_cpus.empty());
  EXPECT_LT(r.pages_on_worker_nodes, 0);
  json bad = to_json(sample("omp", 2, 1.8));
  bad["pages_per_node"] = {{"north", 3}};
  EXPECT_THROW(record_from_json(bad), parlab::usage_error);
}

TEST(result_file, a_document_without_schema_or_with_a_bad_record_is_refused_by_name) {
  json doc = {{"machine", machine}, {"config", config}, {"records", json::array()}};
  EXPECT_THROW(parse_result_document(doc, "a.json"), parlab::usage_error);
  doc["schema"] = result_schema + 1;
  EXPECT_THROW(parse_result_document(doc, "a.json"), parlab::usage_error);
  doc["schema"] = result_schema;
  EXPECT_TRUE(parse_result_document(doc, "a.json").records.empty());
  json bad = to_json(sample("omp", 2, 1.8));
  bad["threads"] = "two";
  doc["records"].push_back(bad);
  try {
    parse_result_document(doc, "a.json");
    ADD_FAILURE() << "a record whose threads is a word was read";
  } catch (const parlab::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("a.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("\"threads\""), std::string::npos) << e.what();
  }
}
