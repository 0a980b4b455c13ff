#include <fmt/format.h>

#include <cmath>
#include <map>
#include <string>
#include <type_traits>
#include <variant>

#include "runners/reporter.hpp"
#include "runners/result_file.hpp"

namespace parlab::runner {

std::string_view to_string(output_format f) {
  switch (f) {
    case output_format::table:
      return "table";
    case output_format::csv:
      return "csv";
    case output_format::json_doc:
      return "json";
  }
  return "?";
}

namespace {
// {"0": pages, "1": pages, "untouched": pages}: JSON keys are strings, and -1 is no node.
json pages_json(const std::map<int, std::size_t>& pages) {
  json j = json::object();
  for (const auto& [node, count] : pages) j[node < 0 ? "untouched" : std::to_string(node)] = count;
  return j;
}
}  // namespace

json to_json(const record& r) {
  json j = {
      {"kernel", r.kernel},
      {"backend", r.backend},
      {"threads", r.threads},
      {"cores", r.cores},
      {"cpu_limit", r.cpu_limit},
      {"oversubscribed", r.oversubscribed},
      {"params", r.params},
      {"schedule", r.schedule},
      {"grain", r.grain},
      {"pin", r.pin},
      {"numa", r.numa},
      {"unpinned_numa", r.unpinned_numa},
      {"worker_cpus", r.worker_cpus},
      {"worker_nodes", r.worker_nodes},
      {"pages_per_node", pages_json(r.pages_per_node)},
      {"pages_on_worker_nodes",
       r.pages_on_worker_nodes < 0 ? json(nullptr) : json(r.pages_on_worker_nodes)},
      {"reps", r.reps},
      {"median_s", r.median_s},
      {"min_s", r.min_s},
      {"max_s", r.max_s},
      {"stddev_s", r.stddev_s},
      {"cv", r.cv},
      {"speedup", r.speedup},
      {"speedup_base_threads", r.speedup_base_threads},
      {"efficiency", r.efficiency},
      {"throughput", r.throughput},
      {"throughput_unit", r.throughput_unit},
      {"gelem_per_s", r.gelem_per_s},
      {"bandwidth_fraction", r.bandwidth_fraction},
      {"karp_flatt", r.karp_flatt},
      {"ideal_s", r.ideal_s},
      {"in_flight", r.in_flight},
      {"peak_waits", r.peak_waits},
      {"workers_seen", r.workers_seen},
      {"ranks", r.ranks},
      {"threads_per_rank", r.threads},
      {"total_workers", r.total_workers},
      {"rank_time_min_s", r.rank_time_min_s},
      {"rank_time_max_s", r.rank_time_max_s},
      {"transport", r.transport},
      {"binding", r.binding},
      {"data_bytes", r.data_bytes},
      {"huge_page_bytes", r.huge_page_bytes},
      {"peak_rss_bytes", r.peak_rss_bytes},
      {"vm_peak_bytes", r.vm_peak_bytes},
      {"bytes_per_task", r.bytes_per_task},
      {"verified", r.verified},
      {"noisy", r.noisy},
      {"warmup_problem", r.warmup_problem},
      {"detail", r.detail},
      {"lesson", r.lesson},
      {"status", r.status},
      {"samples_s", r.samples_s},
      {"workers_seen_reps", r.workers_seen_reps},
  };
  // The kernel's own fields follow the standard ones, in the kernel's order.
  for (const record_field& f : r.fields) {
    std::visit(
        [&](const auto& v) {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>)
            j[f.name] = nullptr;
          else
            j[f.name] = v;
        },
        f.value);
  }
  return j;
}

namespace {
json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
}  // namespace

json to_json(const backend_fit& f) {
  json j = {{"backend", f.backend},
            {"best_speedup", f.best_speedup},
            {"best_threads", f.best_threads},
            {"amdahl_serial_fraction", nullptr},
            {"gustafson_serial_fraction", nullptr},
            {"usl", nullptr},
            {"usable_points", f.usable_points},
            {"oversubscribed_points", f.oversubscribed_points}};
  if (f.amdahl_serial_fraction) j["amdahl_serial_fraction"] = *f.amdahl_serial_fraction;
  if (f.gustafson_serial_fraction) j["gustafson_serial_fraction"] = *f.gustafson_serial_fraction;
  if (f.usl) {
    j["usl"] = {{"sigma", f.usl->sigma},
                {"kappa", f.usl->kappa},
                {"peak_threads", finite_or_null(f.usl->peak_threads)},
                {"peak_unbounded", std::isinf(f.usl->peak_threads)},
                {"r_squared", finite_or_null(f.usl->r_squared)},
                {"trusted", f.usl->trusted()}};
  }
  return j;
}

namespace {

// One object, written at the end: {machine, config, records, fits}.
class json_reporter final : public reporter {
 public:
  explicit json_reporter(std::unique_ptr<output_file> out) : out_(std::move(out)) {}
  void begin(const json& machine, const json& config) override {
    doc_ = {{"schema", result_schema},
            {"machine", machine},
            {"config", config},
            {"records", json::array()},
            {"fits", json::array()}};
  }
  void add(const record& r) override { doc_["records"].push_back(to_json(r)); }
  void end(const std::vector<backend_fit>& fits) override {
    for (const backend_fit& f : fits) doc_["fits"].push_back(to_json(f));
    out_->append(doc_.dump(2) + "\n");
    out_->commit();
  }
  // A script must tell a cut-short document from a complete one: every one cut short says why
  // in "abandoned"; one cut short by a signal also has "interrupted" and the signal's name.
  void abandon(const std::vector<backend_fit>& fits, const stop_reason& why) override {
    doc_["abandoned"] = why.reason;
    if (!why.signal.empty()) {
      doc_["interrupted"] = true;
      doc_["interrupted_by"] = why.signal;
    }
    end(fits);
  }

 private:
  std::unique_ptr<output_file> out_;
  json doc_;
};

}  // namespace

std::unique_ptr<reporter> make_json_reporter(std::unique_ptr<output_file> out) {
  return std::make_unique<json_reporter>(std::move(out));
}

}  // namespace parlab::runner
