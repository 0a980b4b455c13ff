#include "runners/result_file.hpp"

#include <fmt/format.h>

#include <exception>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "parlab/error.hpp"

namespace parlab::runner {
namespace {

template <class T>
void read(const json& j, const char* key, T& into) {
  const auto it = j.find(key);
  if (it == j.end()) throw usage_error(fmt::format("a record without \"{}\"", key));
  try {
    it->get_to(into);
  } catch (const json::exception&) {
    throw usage_error(fmt::format("a record whose \"{}\" is {}", key, it->dump()));
  }
}

record_field field_from_json(const std::string& name, const json& v) {
  if (v.is_null()) return {name, std::monostate{}};
  if (v.is_boolean()) return {name, v.get<bool>()};
  if (v.is_number_integer()) return {name, v.get<std::int64_t>()};
  if (v.is_number()) return {name, v.get<double>()};
  if (v.is_string()) return {name, v.get<std::string>()};
  throw usage_error(fmt::format("a record whose field \"{}\" is {}", name, v.dump()));
}

// Numbers NaN or infinite are written as null by nlohmann; read them back as 0, as unmeasured.
void read_real(const json& j, const char* key, double& into) {
  if (const auto it = j.find(key); it != j.end() && it->is_null()) {
    into = 0;
    return;
  }
  read(j, key, into);
}

// The fields placement records gained within schema 1: a file written before has none of them.
void read_placement(const json& j, record& r) {
  if (!j.contains("numa")) return;
  read(j, "numa", r.numa);
  read(j, "unpinned_numa", r.unpinned_numa);
  read(j, "worker_cpus", r.worker_cpus);
  read(j, "worker_nodes", r.worker_nodes);
  std::map<std::string, std::size_t> pages;
  read(j, "pages_per_node", pages);
  for (const auto& [node, count] : pages) {
    try {
      r.pages_per_node[node == "untouched" ? -1 : std::stoi(node)] = count;
    } catch (const std::exception&) {
      throw usage_error(fmt::format("a record whose \"pages_per_node\" has a node \"{}\"", node));
    }
  }
  // null: the pages were not located. A missing key is read, so that read() refuses it by name.
  r.pages_on_worker_nodes = -1;
  if (const auto share = j.find("pages_on_worker_nodes"); share == j.end() || !share->is_null())
    read(j, "pages_on_worker_nodes", r.pages_on_worker_nodes);
}

}  // namespace

record record_from_json(const json& j) {
  if (!j.is_object()) throw usage_error("a record that is not an object: " + j.dump());
  record r;
  read(j, "kernel", r.kernel);
  read(j, "backend", r.backend);
  read(j, "threads", r.threads);
  read(j, "cores", r.cores);
  read(j, "cpu_limit", r.cpu_limit);
  read(j, "oversubscribed", r.oversubscribed);
  read(j, "params", r.params);
  read(j, "schedule", r.schedule);
  read(j, "grain", r.grain);
  read(j, "pin", r.pin);
  read_placement(j, r);
  read(j, "reps", r.reps);
  for (auto [key, into] : {std::pair{"median_s", &r.median_s},
                           {"min_s", &r.min_s},
                           {"max_s", &r.max_s},
                           {"stddev_s", &r.stddev_s},
                           {"cv", &r.cv},
                           {"speedup", &r.speedup},
                           {"efficiency", &r.efficiency},
                           {"throughput", &r.throughput},
                           {"gelem_per_s", &r.gelem_per_s},
                           {"bandwidth_fraction", &r.bandwidth_fraction},
                           {"karp_flatt", &r.karp_flatt},
                           {"ideal_s", &r.ideal_s},
                           {"rank_time_min_s", &r.rank_time_min_s},
                           {"rank_time_max_s", &r.rank_time_max_s},
                           {"bytes_per_task", &r.bytes_per_task}})
    read_real(j, key, *into);
  read(j, "speedup_base_threads", r.speedup_base_threads);
  read(j, "throughput_unit", r.throughput_unit);
  read(j, "in_flight", r.in_flight);
  read(j, "peak_waits", r.peak_waits);
  read(j, "workers_seen", r.workers_seen);
  read(j, "ranks", r.ranks);
  read(j, "total_workers", r.total_workers);
  read(j, "transport", r.transport);
  read(j, "binding", r.binding);
  read(j, "data_bytes", r.data_bytes);
  read(j, "huge_page_bytes", r.huge_page_bytes);
  read(j, "peak_rss_bytes", r.peak_rss_bytes);
  read(j, "vm_peak_bytes", r.vm_peak_bytes);
  read(j, "verified", r.verified);
  read(j, "noisy", r.noisy);
  read(j, "warmup_problem", r.warmup_problem);
  read(j, "detail", r.detail);
  read(j, "lesson", r.lesson);
  if (j.contains("status")) read(j, "status", r.status);  // absent from files before it existed
  read(j, "samples_s", r.samples_s);
  read(j, "workers_seen_reps", r.workers_seen_reps);
  // Every key the standard record writes is read above; the rest are the kernel's own.
  static const json standard = to_json(record{});
  for (const auto& [key, value] : j.items())
    if (!standard.contains(key)) r.fields.push_back(field_from_json(key, value));
  return r;
}

result_document parse_result_document(const json& doc, const std::string& source) {
  const auto fail = [&](const std::string& why) {
    throw usage_error(fmt::format("'{}': not a parlab result document of schema {}: {}", source,
                                  result_schema, why));
  };
  if (!doc.is_object()) fail("not a JSON object");
  if (!doc.contains("schema"))
    fail("it has no \"schema\" (written before result files carried one, or not by parlab)");
  if (doc["schema"] != result_schema) fail("its schema is " + doc["schema"].dump());
  result_document out;
  out.schema = result_schema;
  for (const char* key : {"machine", "config", "records"})
    if (!doc.contains(key)) fail(fmt::format("it has no \"{}\"", key));
  // Readers look fields up in the two blocks by name, which only an object has.
  for (const char* key : {"machine", "config"})
    if (!doc[key].is_object()) fail(fmt::format("\"{}\" is not an object", key));
  if (!doc["records"].is_array()) fail("\"records\" is not a list");
  out.machine = doc["machine"];
  out.config = doc["config"];
  // "abandoned" says why in words; a document of an older parlab may have only the signal.
  for (const char* key : {"interrupted_by", "abandoned"})
    if (doc.contains(key) && doc[key].is_string()) out.cut_short = doc[key].get<std::string>();
  try {
    for (const json& r : doc["records"]) out.records.push_back(record_from_json(r));
  } catch (const usage_error& e) {
    fail(e.what());
  }
  return out;
}

result_document parse_result_text(std::string_view text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw usage_error(fmt::format("'{}': not JSON: {}", source, e.what()));
  }
  return parse_result_document(doc, source);
}

result_document read_result_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw usage_error(fmt::format("'{}': cannot read it", path));
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return parse_result_text(text, path);
}

}  // namespace parlab::runner
