#include "runners/compare.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <set>
#include <tuple>

#include "parlab/error.hpp"
#include "runners/units.hpp"

namespace parlab::runner {

identity identity_of(const record& r, const json& config) {
  // The pin policy alone ("compact: 0 1" is "compact"): which CPUs it chose follow the machine
  // and its CPU mask, across which a comparison is meant to run.
  const std::string pin = r.pin.substr(0, r.pin.find(':'));
  identity id{r.kernel, r.params, r.backend, r.threads,   r.ranks, r.schedule, r.grain,
              pin,      r.numa,   r.binding, r.transport, "",      ""};
  const bool gil = std::any_of(r.fields.begin(), r.fields.end(),
                               [](const record_field& f) { return f.name == "gil"; });
  if (gil) {
    const auto interval = config.find("switch_interval_s");
    id.gil = interval != config.end() && interval->is_number()
                 ? format_duration(interval->get<double>())
                 : "on";
  }
  if (const auto on = config.find("cpu_on"); on != config.end() && on->is_string())
    id.cpu_on = on->get<std::string>();
  return id;
}

std::string heading(const identity& id) {
  std::string s = id.kernel + (id.params.empty() ? "" : " " + id.params);
  if (id.schedule != "static") s += " schedule=" + id.schedule;
  if (id.grain != 0) s += fmt::format(" grain={}", id.grain);
  if (!id.pin.empty()) s += " pin=" + id.pin;
  if (!id.numa.empty() && id.numa != "local") s += " numa=" + id.numa;
  if (id.ranks != 1) s += fmt::format(" ranks={}", id.ranks);
  if (!id.binding.empty()) s += " binding=" + id.binding;
  if (!id.transport.empty()) s += " transport=" + id.transport;
  if (!id.gil.empty()) s += " gil=" + id.gil;
  if (!id.cpu_on.empty()) s += " cpu-on=" + id.cpu_on;
  return s;
}

std::string describe(const identity& id) {
  return fmt::format("{} t={} ({})", id.backend, id.threads, heading(id));
}

std::string_view to_string(change c) {
  switch (c) {
    case change::faster:
      return "faster";
    case change::slower:
      return "slower";
    case change::unchanged:
      return "no significant change";
    case change::too_few_samples:
      return "too few samples";
    case change::failed:
      return "failed";
    case change::base_failed:
      return "base failed";
    case change::only_in_base:
      return "only in base";
    case change::only_in_new:
      return "only in new";
  }
  return "?";
}

double smallest_p_value_of(const entry& e) {
  return e.rounds > 0 ? smallest_signed_rank_p_value(e.rounds)
                      : smallest_p_value(e.base_samples, e.new_samples);
}

namespace {

// The bootstrap costs resamples x samples draws: pairs of very many samples, whose interval is
// narrow anyway, get fewer resamples so that a comparison stays within seconds.
std::size_t resamples_for(std::size_t samples) {
  return std::clamp<std::size_t>(10'000'000 / std::max<std::size_t>(samples, 1), 200, 10000);
}

// The same seed for every pair: comparing the same files twice prints the same intervals.
constexpr std::uint64_t bootstrap_seed = 0x5eed;

change judge(const entry& e, const compare_options& o) {
  if (smallest_p_value_of(e) >= o.alpha) return change::too_few_samples;
  if (e.test.p_value >= o.alpha) return change::unchanged;
  // Rounds: the whole interval beyond the threshold. Where the load changes within a round, the
  // rounds' ratios spread, and a median ratio past 5% with p < alpha then happens by chance at
  // about alpha per pair (a same-code comparison said "slower" at 1.125 [1.001, 1.220] while a
  // build ran beside it); an interval wholly past the threshold does not.
  const double least_slower = e.rounds > 0 ? e.ratio_ci.low : e.ratio;
  const double least_faster = e.rounds > 0 ? e.ratio_ci.high : e.ratio;
  if (least_slower > 1 + o.threshold) return change::slower;
  if (least_faster < 1 / (1 + o.threshold)) return change::faster;
  return change::unchanged;
}

entry paired(const record& base, const record& next, identity id, const compare_options& o) {
  entry e;
  e.id = std::move(id);
  e.in_base = e.in_new = true;
  e.base_samples = base.samples_s.size();
  e.new_samples = next.samples_s.size();
  e.base_median_s = base.median_s;
  e.new_median_s = next.median_s;
  if (!next.verified || !base.verified) {  // a wrong result's time is no number to compare
    e.result = next.verified ? change::base_failed : change::failed;
    e.detail = next.verified ? base.detail : next.detail;
    return e;
  }
  e.ratio = base.median_s > 0 ? next.median_s / base.median_s : 0;
  e.test = mann_whitney_u(base.samples_s, next.samples_s);
  e.resamples = resamples_for(e.base_samples + e.new_samples);
  e.ratio_ci = bootstrap_median_ratio(base.samples_s, next.samples_s, 1 - o.alpha, e.resamples,
                                      bootstrap_seed);
  e.result = judge(e, o);
  return e;
}

// A NEW record that did not verify is a failure even with nothing to compare it against.
entry unpaired(const record& r, identity id, bool in_base) {
  entry e;
  e.id = std::move(id);
  e.in_base = in_base;
  e.in_new = !in_base;
  (in_base ? e.base_samples : e.new_samples) = r.samples_s.size();
  (in_base ? e.base_median_s : e.new_median_s) = r.median_s;
  e.result = in_base ? change::only_in_base : change::only_in_new;
  if (!in_base && !r.verified) {
    e.result = change::failed;
    e.detail = r.detail;
  }
  return e;
}

// "sum size=1e6, io tasks=4": what a file measured, for the line saying nothing matched.
std::string headings_of(const result_document& doc) {
  std::vector<std::string> seen;
  for (const record& r : doc.records) {
    const std::string h = heading(identity_of(r, doc.config));
    if (std::find(seen.begin(), seen.end(), h) == seen.end()) seen.push_back(h);
  }
  return seen.empty() ? "no records" : fmt::format("{}", fmt::join(seen, "; "));
}

void check_shared(const comparison& c, const result_document& base, const result_document& next) {
  if (std::any_of(c.entries.begin(), c.entries.end(),
                  [](const entry& e) { return e.in_base && e.in_new; }))
    return;
  throw usage_error(fmt::format(
      "compare '{}' '{}': expected two results that share a measurement (the same kernel, "
      "parameters, backend, threads, ranks, schedule, grain, placement, gil and --cpu-on): {} "
      "has {}, {} has {}",
      c.base_path, c.new_path, c.base_path, headings_of(base), c.new_path, headings_of(next)));
}

std::string revision(const json& machine) {
  const auto it = machine.find("git_revision");
  return it != machine.end() && it->is_string() ? it->get<std::string>() : "";
}

// What both kinds of comparison end with: the refusal of files that share nothing, and what the
// first documents of each side say about their machines and builds.
void finish(comparison& c, const result_document& base, const result_document& next) {
  check_shared(c, base, next);
  c.machine = machine_differences(base.machine, next.machine);
  c.base_revision = revision(base.machine);
  c.new_revision = revision(next.machine);
  c.base_cut_short = base.cut_short;
  c.new_cut_short = next.cut_short;
}

}  // namespace

comparison compare_documents(const result_document& base, const result_document& next,
                             const std::string& base_path, const std::string& new_path,
                             const compare_options& options) {
  comparison c;
  c.base_path = base_path;
  c.new_path = new_path;
  c.options = options;
  // A file may hold one identity more than once (documents merged by hand): the k-th of NEW
  // pairs with the k-th of BASE.
  std::map<identity, std::deque<std::size_t>> waiting;
  for (std::size_t i = 0; i < base.records.size(); ++i)
    waiting[identity_of(base.records[i], base.config)].push_back(i);
  std::vector<bool> matched(base.records.size(), false);
  for (const record& r : next.records) {
    identity id = identity_of(r, next.config);
    auto it = waiting.find(id);
    if (it == waiting.end() || it->second.empty()) {
      c.entries.push_back(unpaired(r, std::move(id), false));
      continue;
    }
    const std::size_t i = it->second.front();
    it->second.pop_front();
    matched[i] = true;
    c.entries.push_back(paired(base.records[i], r, std::move(id), options));
  }
  for (std::size_t i = 0; i < base.records.size(); ++i)
    if (!matched[i])
      c.entries.push_back(
          unpaired(base.records[i], identity_of(base.records[i], base.config), true));
  finish(c, base, next);
  return c;
}

namespace {

// One side's records of one identity, by round: the first record of that identity in each
// round's document, null where a round lacks it.
using by_round = std::vector<const record*>;

struct side_records {
  std::map<identity, by_round> records;
  std::vector<identity> order;  // as they first appear
};

side_records collect(const std::vector<result_document>& rounds) {
  side_records side;
  for (std::size_t i = 0; i < rounds.size(); ++i)
    for (const record& r : rounds[i].records) {
      identity id = identity_of(r, rounds[i].config);
      by_round& slots = side.records[id];
      if (slots.empty()) {
        slots.assign(rounds.size(), nullptr);
        side.order.push_back(id);
      }
      if (slots[i] == nullptr) slots[i] = &r;
    }
  return side;
}

const record& first_of(const by_round& rounds) {
  return **std::find_if(rounds.begin(), rounds.end(), [](const record* r) { return r != nullptr; });
}

struct round_pairs {
  std::vector<double> base_all, new_all;  // every timed rep of each side
  std::vector<double> ratios, base_medians;
  const record *base_failure = nullptr, *new_failure = nullptr;
};

round_pairs pair_rounds(const by_round& base, const by_round& next) {
  round_pairs p;
  for (std::size_t i = 0; i < std::min(base.size(), next.size()); ++i) {
    const record *b = base[i], *n = next[i];
    for (const auto& [r, all, failure] :
         {std::tuple{b, &p.base_all, &p.base_failure}, {n, &p.new_all, &p.new_failure}}) {
      if (r == nullptr) continue;
      all->insert(all->end(), r->samples_s.begin(), r->samples_s.end());
      if (!r->verified && *failure == nullptr) *failure = r;
    }
    if (b == nullptr || n == nullptr || !b->verified || !n->verified || b->median_s <= 0) continue;
    p.ratios.push_back(n->median_s / b->median_s);
    p.base_medians.push_back(b->median_s);
  }
  return p;
}

entry paired_rounds(const by_round& base, const by_round& next, identity id,
                    const compare_options& o) {
  entry e;
  e.id = std::move(id);
  e.in_base = e.in_new = true;
  const round_pairs p = pair_rounds(base, next);
  e.base_samples = p.base_all.size();
  e.new_samples = p.new_all.size();
  e.base_median_s = summarize(p.base_all).median;
  e.new_median_s = summarize(p.new_all).median;
  if (p.base_failure != nullptr || p.new_failure != nullptr) {
    e.result = p.new_failure != nullptr ? change::failed : change::base_failed;
    e.detail = (p.new_failure != nullptr ? p.new_failure : p.base_failure)->detail;
    return e;
  }
  e.rounds = p.ratios.size();
  if (e.rounds == 0) {
    e.result = change::too_few_samples;
    return e;
  }
  e.ratio = summarize(p.ratios).median;
  std::vector<double> logs;
  for (double r : p.ratios) logs.push_back(std::log(r));
  e.test = wilcoxon_signed_rank(logs);
  e.resamples = resamples_for(e.rounds);
  e.ratio_ci = bootstrap_median(p.ratios, 1 - o.alpha, e.resamples, bootstrap_seed);
  const auto [low, high] = std::minmax_element(p.base_medians.begin(), p.base_medians.end());
  e.drift = *high / *low - 1;
  e.result = judge(e, o);
  return e;
}

std::string first_cut_short(const std::vector<result_document>& rounds) {
  for (const result_document& d : rounds)
    if (!d.cut_short.empty()) return d.cut_short;
  return "";
}

}  // namespace

comparison compare_rounds(const std::vector<result_document>& base,
                          const std::vector<result_document>& next, const std::string& base_path,
                          const std::string& new_path, const compare_options& options,
                          const interleaving& how) {
  comparison c;
  c.base_path = base_path;
  c.new_path = new_path;
  c.options = options;
  c.interleaved = how;
  const side_records b = collect(base), n = collect(next);
  for (const identity& id : n.order) {
    const auto it = b.records.find(id);
    c.entries.push_back(it == b.records.end()
                            ? unpaired(first_of(n.records.at(id)), id, false)
                            : paired_rounds(it->second, n.records.at(id), id, options));
  }
  for (const identity& id : b.order)
    if (!n.records.contains(id))
      c.entries.push_back(unpaired(first_of(b.records.at(id)), id, true));
  finish(c, base.front(), next.front());
  c.base_cut_short = first_cut_short(base);
  c.new_cut_short = first_cut_short(next);
  return c;
}

namespace {

// What moves numbers: the CPU and how much of it the process may use, the clock and paging
// policy, the OS, the build, and the runtimes' environment. Not the host's name (two nodes of
// one cluster are the same machine for this) nor the revision (the code is what is compared).
constexpr const char* moves_numbers[] = {
    "cpu_model",        "hardware_threads",   "usable_cpus", "cpu_limit", "affinity",
    "cgroup_cpu_quota", "topology",           "governor",    "turbo",     "transparent_hugepages",
    "kernel",           "build_type",         "compiler",    "flags",     "tbb_runtime_version",
    "openmp_version",   "runtime_environment"};

std::string value_text(const json& v) {
  if (v.is_null()) return "(unset)";
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// Objects are compared key by key, so that the line names the variable or the count that
// differs rather than the whole block.
void differences(const std::string& field, const json& a, const json& b,
                 std::vector<machine_difference>& out) {
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, v] : a.items()) keys.insert(k);
    for (const auto& [k, v] : b.items()) keys.insert(k);
    for (const std::string& k : keys)
      differences(field + "." + k, a.value(k, json()), b.value(k, json()), out);
    return;
  }
  if (a != b) out.push_back({field, a, b});
}

}  // namespace

std::vector<machine_difference> machine_differences(const json& base, const json& next) {
  std::vector<machine_difference> out;
  for (const char* field : moves_numbers)
    differences(field, base.value(field, json()), next.value(field, json()), out);
  return out;
}

int exit_code(const comparison& c) {
  for (const entry& e : c.entries)
    if (e.result == change::slower || e.result == change::failed) return 1;
  return 0;
}

namespace {

// The fewest paired rounds for the signed-rank test to be able to reach alpha.
std::size_t rounds_needed(double alpha) {
  std::size_t n = 1;
  while (smallest_signed_rank_p_value(n) >= alpha && n < 60) ++n;
  return n;
}

// The fewest reps a side needs for the test to be able to reach alpha, both sides alike.
std::size_t reps_needed(double alpha) {
  std::size_t n = 1;
  while (smallest_p_value(n, n) >= alpha && n < 1000) ++n;
  return n;
}

std::string too_few_warning(const comparison& c) {
  const auto few = std::count_if(c.entries.begin(), c.entries.end(), [](const entry& e) {
    return e.result == change::too_few_samples;
  });
  if (few == 0) return "";
  const entry& e = *std::find_if(c.entries.begin(), c.entries.end(), [](const entry& x) {
    return x.result == change::too_few_samples;
  });
  if (c.interleaved.rounds > 0)
    return fmt::format(
        "{} of the pairs rest on too few rounds for the test to mean anything: {} paired rounds "
        "give no p-value below {:.3g}, and --alpha is {:g}; compare with --rounds {} or more",
        few, e.rounds, smallest_p_value_of(e), c.options.alpha, rounds_needed(c.options.alpha));
  return fmt::format(
      "{} of the pairs have too few samples for the test to mean anything: {} vs {} "
      "samples give no p-value below {:.3g}, and --alpha is {:g}; measure with --reps {} or more",
      few, e.base_samples, e.new_samples, smallest_p_value(e.base_samples, e.new_samples),
      c.options.alpha, reps_needed(c.options.alpha));
}

// Two files measured at different times differ by what the machine did meanwhile, and the U
// test of their reps cannot tell that from the code: said whenever it called something a change.
std::string drift_warning(const comparison& c) {
  if (c.interleaved.rounds > 0) return "";
  const bool changed = std::any_of(c.entries.begin(), c.entries.end(), [](const entry& e) {
    return e.result == change::slower || e.result == change::faster;
  });
  if (!changed) return "";
  return "BASE and NEW were measured at different times, so what the machine did between them "
         "counts as a change here (two sweeps of the same code on a shared or virtual machine "
         "differ by up to 30%); `parlab compare --base-cmd CMD --new-cmd CMD -- sweep ...` runs "
         "them in interleaved rounds, so that drift falls on both alike";
}

}  // namespace

std::vector<std::string> warnings(const comparison& c) {
  std::vector<std::string> out;
  if (!c.machine.empty()) {
    std::vector<std::string> parts;
    for (const machine_difference& d : c.machine)
      parts.push_back(fmt::format("{} {} -> {}", d.field, value_text(d.base), value_text(d.next)));
    out.push_back(
        fmt::format("the two machine blocks differ in what moves numbers ({}): a difference may be "
                    "the machine's, not the code's",
                    fmt::join(parts, ", ")));
  }
  for (const auto& [path, why] :
       {std::pair{c.base_path, c.base_cut_short}, {c.new_path, c.new_cut_short}})
    if (!why.empty())
      out.push_back(fmt::format(
          "{} was cut short ({}): what it did not measure is listed as only in the other", path,
          why));
  if (std::string few = too_few_warning(c); !few.empty()) out.push_back(std::move(few));
  if (std::string drift = drift_warning(c); !drift.empty()) out.push_back(std::move(drift));
  return out;
}

}  // namespace parlab::runner
