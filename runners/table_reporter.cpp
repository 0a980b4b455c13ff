#include <fmt/color.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <iterator>
#include <type_traits>
#include <variant>

#include "runners/measure.hpp"
#include "runners/reporter.hpp"
#include "runners/units.hpp"

namespace parlab::runner {

std::string field_text(const parlab::record_field& f) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) return "-";
        if constexpr (std::is_same_v<T, bool>) return v ? "yes" : "no";
        if constexpr (std::is_same_v<T, double>) return fmt::format("{:.4g}", v);
        if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::string>)
          return fmt::format("{}", v);
      },
      f.value);
}

namespace {

std::string text_of(const json& j, const char* key, const char* fallback = "unknown") {
  if (!j.contains(key)) return fallback;
  const json& v = j.at(key);
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// "2 usable (no limit, 2 online)": which of affinity mask and cgroup quota bounds the sweep.
std::string cpus_line(const json& m) {
  const std::string limit = text_of(m, "cpu_limit", "none");
  std::string why = "no limit";
  if (limit == "affinity") why = "limited by the affinity mask";
  if (limit == "cgroup")
    why = fmt::format("limited by cgroup cpu.max = {} cpus", text_of(m, "cgroup_cpu_quota"));
  return fmt::format("{} usable ({}, {} online)", text_of(m, "usable_cpus"), why,
                     text_of(m, "hardware_threads"));
}

std::string omp_wait_policy(const json& m) {
  if (m.contains("runtime_environment") && m["runtime_environment"].contains("OMP_WAIT_POLICY"))
    return m["runtime_environment"]["OMP_WAIT_POLICY"].get<std::string>();
  return "unset";
}

// "final=1999234 expected=2000000 lost_updates=766": a kernel's own fields, whatever they are.
std::string fields_line(const std::vector<parlab::record_field>& fields) {
  std::vector<std::string> parts;
  for (const parlab::record_field& f : fields) parts.push_back(f.name + '=' + field_text(f));
  return fmt::format("{}", fmt::join(parts, " "));
}

// Data smaller than a few huge pages says nothing about whether huge pages were granted.
constexpr std::size_t huge_page_flag_bytes = std::size_t{8} << 20;
// Below this share of its pages on its workers' nodes, a memory-bound result is the remote
// nodes' (flagged "local=NN%").
constexpr double local_flag_share = 0.9;

// Aligned rows that fit 80 columns, printed as each record completes; the fits follow, then a
// legend for any flag that appeared, so that a reader never has to guess what "noisy" means.
class table_reporter final : public reporter {
 public:
  table_reporter(std::unique_ptr<output_file> out, bool colour)
      : out_(std::move(out)), colour_(colour) {}

  void begin(const json& machine, const json& config) override {
    weak_ = config.value("weak", false);
    usable_cpus_ = text_of(machine, "usable_cpus");
    if (weak_)
      weak_heading_ =
          fmt::format("{} {}, {} x threads (weak scaling)", text_of(config, "kernel"),
                      text_of(config, "params_text", ""), text_of(config, "weak_param", ""));
    print_header(machine, config);
    flush();  // on a terminal, at once; a file --output holds it in its temporary until the end
  }

  void add(const record& r) override {
    print_heading_if_new(r);
    print_row(r);
    if (!r.verified) say("  error: {}\n", r.detail);
    if (r.ideal_s > 0 && r.verified)
      say("  ideal {} -> efficiency {:.3f}\n", format_duration(r.ideal_s), r.ideal_s / r.median_s);
    if (r.verified && (r.ranks > 1 || !r.binding.empty()))
      say("  {} x {} = {}; a rank's own run {} to {}{}{}\n", plural(r.ranks, "rank", "ranks"),
          r.threads, plural(r.total_workers, "worker", "workers"),
          format_duration(r.rank_time_min_s), format_duration(r.rank_time_max_s),
          r.transport.empty() ? "" : " (btl " + r.transport + ")",
          r.binding.empty() ? "" : "; launched with " + r.binding);
    if (r.verified && !r.fields.empty()) say("  {}\n", fields_line(r.fields));
    if (r.verified && !r.lesson.empty()) say("  lesson: {}\n", r.lesson);
    over_ = over_ || r.oversubscribed;
    unpinned_ = unpinned_ || r.unpinned_numa;
    noisy_ = noisy_ || r.noisy;
    warmup_ = warmup_ || r.warmup_problem;
    bandwidth_ = bandwidth_ || r.bandwidth_fraction > 0;
    above_probe_ = above_probe_ || r.bandwidth_fraction > 1;
    if (r.speedup > 0) (r.speedup_base_threads == 0 ? over_seq_ : over_own_) = true;
    flush();
  }

  void end(const std::vector<backend_fit>& fits) override {
    print_fits(fits);
    print_legend();
    flush();
    out_->commit();
  }

  void abandon(const std::vector<backend_fit>& fits, const stop_reason& why) override {
    print_fits(fits);
    print_legend();
    say("abandoned: {}; the rows above are all that finished\n", why.reason);
    flush();
    out_->commit();
  }

 private:
  void print_header(const json& m, const json& c) {
    std::vector<std::string> backends;
    for (const json& b : c.value("backend_order", json::array()))
      backends.push_back(b.get<std::string>());
    say("parlab {} -k {}: backends {} (in this order), threads {}\n", text_of(c, "command"),
        text_of(c, "kernel"), fmt::join(backends, ","), text_of(c, "threads_spec"));
    say("cpu: {}\n", text_of(m, "cpu_model"));
    say("cpus: {}; governor {}; turbo {}; THP {}; OMP_WAIT_POLICY {}\n", cpus_line(m),
        text_of(m, "governor"), text_of(m, "turbo"), text_of(m, "transparent_hugepages"),
        omp_wait_policy(m));
    if (m.contains("read_bandwidth"))
      say("read bandwidth: {:.1f} GB/s (probe: {} MiB on {} threads, this run)\n",
          m["read_bandwidth"]["gbs"].get<double>(),
          m["read_bandwidth"]["bytes"].get<std::size_t>() >> 20,
          m["read_bandwidth"]["threads"].get<unsigned>());
  }

  void print_heading_if_new(const record& r) {
    // Under weak scaling every thread count has its own size: one heading for the whole sweep.
    const std::string key = weak_ ? r.kernel : r.kernel + r.params;
    if (key == heading_) return;
    heading_ = key;
    say("\n{}  ({}, {} reps)\n", weak_ ? weak_heading_ : r.kernel + " " + r.params, r.schedule,
        r.reps);
    say("{:<8} {:>4} {:>9} {:>9} {:>6} {:>7} {:>5} {:>13} {:>4}  {}\n", "backend", "thr", "median",
        "min", "cv%", weak_ ? "scaled" : "speedup", "eff", "throughput", "seen", "ok");
  }

  void print_row(const record& r) {
    const std::string speedup = r.speedup > 0 ? fmt::format("{:.2f}", r.speedup) : "-";
    const std::string eff = r.efficiency > 0 ? fmt::format("{:.2f}", r.efficiency) : "-";
    const std::string tput =
        r.throughput > 0 ? fmt::format("{:.3g} {}", r.throughput, r.throughput_unit) : "-";
    const bool timed = !r.samples_s.empty();
    say("{:<8} {:>4} {:>9} {:>9} {:>6.1f} {:>7} {:>5} {:>13} {:>4}  ", r.backend, r.threads,
        timed ? format_duration(r.median_s) : "-", timed ? format_duration(r.min_s) : "-",
        r.cv * 100, speedup, eff, tput, r.workers_seen);
    if (r.verified && !r.status.empty())  // right as checked, wrong by design: not "yes"
      print_styled(r.status, fmt::fg(fmt::terminal_color::yellow) | fmt::emphasis::bold);
    else if (r.verified)
      print_styled("yes", fmt::fg(fmt::terminal_color::green));
    else
      print_styled("NO", fmt::fg(fmt::terminal_color::red) | fmt::emphasis::bold);
    std::string flags;
    if (r.oversubscribed) flags += " over";
    if (r.noisy) flags += " noisy";
    if (r.bandwidth_fraction > 0) flags += fmt::format(" bw={:.0f}%", 100 * r.bandwidth_fraction);
    if (r.warmup_problem) flags += " warmup";
    if (r.unpinned_numa) flags += " unpinned";
    if (r.pages_on_worker_nodes >= 0 && r.pages_on_worker_nodes < local_flag_share) {
      remote_ = true;
      flags += fmt::format(" local={:.0f}%", 100 * r.pages_on_worker_nodes);
    }
    if (r.data_bytes >= huge_page_flag_bytes) {
      huge_ = true;
      flags += fmt::format(" hp={:.0f}%", 100.0 * static_cast<double>(r.huge_page_bytes) /
                                              static_cast<double>(r.data_bytes));
    }
    say("{}\n", flags);
  }

  void print_fits(const std::vector<backend_fit>& fits) {
    if (fits.empty()) return;
    bool any_model = false;
    say("\n{:<8} {:>8} {:>5} {:>8} {:>8} {:>8} {:>6} {:>5}\n", "backend", "best", "at",
        weak_ ? "gustaf_s" : "amdahl_f", "sigma", "kappa", "peak", "R2");
    for (const backend_fit& f : fits) {
      say("{:<8} {:>8.2f} {:>5}", f.backend, f.best_speedup, f.best_threads);
      const std::optional<double> serial =
          weak_ ? f.gustafson_serial_fraction : f.amdahl_serial_fraction;
      if (f.usl && serial) {
        any_model = true;
        const std::string r2 = std::isnan(f.usl->r_squared)
                                   ? std::string("n/a")
                                   : fmt::format("{:.2f}", f.usl->r_squared);
        if (f.usl->trusted()) {
          say(" {:>8.4f} {:>8.4f} {:>8.5f} {:>6} {:>5}\n", *serial, f.usl->sigma, f.usl->kappa,
              peak_text(f.usl->peak_threads), r2);
        } else {
          poor_fit_ = true;
          say(" {:>8.4f} {:>8} {:>8} {:>6} {:>5} poor fit\n", *serial, "-", "-", "-", r2);
        }
      } else {
        say(" {:>8} {:>8} {:>8} {:>6} {:>5}\n", "-", "-", "-", "-", "-");
      }
    }
    print_fit_notes(fits, any_model);
    if (poor_fit_)
      say("(poor fit: R2 below {:g} or undefined, so the USL's sigma, kappa and peak are "
          "not shown)\n",
          usl_r_squared_floor);
  }

  // Why a model is missing, with the counts it had; which points the models left out.
  void print_fit_notes(const std::vector<backend_fit>& fits, bool any_model) {
    std::size_t left_out = 0;
    std::vector<std::string> had;
    for (const backend_fit& f : fits) {
      left_out += f.oversubscribed_points;
      had.push_back(fmt::format("{} {}", f.backend, f.usable_points));
    }
    const char* model = weak_ ? "Gustafson" : "Amdahl";
    if (!any_model && left_out == 0)
      say("({} and USL fits need 3 or more thread counts)\n", model);
    else if (!any_model)
      say("({} and USL fits need 3 or more thread counts within the {} usable cpus, "
          "oversubscribed ones left out; usable counts: {})\n",
          model, usable_cpus_, fmt::join(had, ", "));
    else if (left_out > 0)
      say("(the fits leave out the {} oversubscribed points: with more workers than the {} "
          "usable cpus the time measures their sharing, not the scaling)\n",
          left_out, usable_cpus_);
  }

  // "n/a" where no peak exists (sigma >= 1), "inf" where the model never turns down (kappa 0).
  static std::string peak_text(double peak) {
    if (std::isnan(peak)) return "n/a";
    if (std::isinf(peak)) return "inf";
    return fmt::format("{:.1f}", peak);
  }

  void print_legend() {
    say("columns: min = fastest rep; cv% = spread of the reps (standard deviation over mean); "
        "seen = workers seen running (the fewest of any rep)\n");
    if (over_seq_) say("speedup, eff: over seq's median at the same parameters\n");
    if (over_own_)
      say("speedup, eff: over the same backend's median at its smallest thread count "
          "(the kernel has no seq baseline)\n");
    std::vector<std::string> parts;
    if (over_)
      parts.push_back(fmt::format("over = more threads than the {} usable cpus", usable_cpus_));
    if (noisy_)
      parts.push_back(fmt::format(
          "noisy = reps spread above {:g}% (scaled median absolute deviation over the median, "
          "which one outlier does not move)",
          noisy_cv * 100));
    if (warmup_)
      parts.push_back(fmt::format(
          "warmup = first timed rep above {:g}x the median (raise --warmup)", warmup_ratio));
    if (bandwidth_)
      parts.push_back("bw = throughput as a share of the read bandwidth probed above");
    if (above_probe_)
      parts.push_back(
          "bw above 100% = faster than the probe: a working set smaller than the probe's is "
          "served partly from cache, or the run had more workers than the probe's threads");
    if (huge_) parts.push_back("hp = share of the kernel's data in huge pages (smaps)");
    if (unpinned_)
      parts.push_back("unpinned = workers free to drift from their data's NUMA node (--pin)");
    if (remote_) parts.push_back("local = share of the data's pages on the workers' nodes");
    if (!parts.empty()) say("flags: {}\n", fmt::join(parts, "; "));
  }

  void print_styled(std::string_view text, fmt::text_style style) {
    if (colour_)
      fmt::format_to(std::back_inserter(buf_), style, "{:<3}", text);
    else
      say("{:<3}", text);
  }

  template <class... Args>
  void say(fmt::format_string<Args...> text, Args&&... args) {
    fmt::format_to(std::back_inserter(buf_), text, std::forward<Args>(args)...);
  }

  // Each piece is written whole when complete: a file --output is a replaced output_file, so an
  // earlier table of that name stays until this one is finished or abandoned.
  void flush() {
    out_->append({buf_.data(), buf_.size()});
    buf_.clear();
  }

  std::unique_ptr<output_file> out_;
  fmt::memory_buffer buf_;
  bool colour_;
  bool weak_ = false;
  std::string weak_heading_, usable_cpus_ = "usable", heading_;
  bool over_ = false, noisy_ = false, warmup_ = false, bandwidth_ = false, huge_ = false;
  bool over_seq_ = false, over_own_ = false;  // what the speedups shown were over
  bool above_probe_ = false;
  bool unpinned_ = false, remote_ = false;
  bool poor_fit_ = false;
};

}  // namespace

std::unique_ptr<reporter> make_table_reporter(std::unique_ptr<output_file> out, bool colour) {
  return std::make_unique<table_reporter>(std::move(out), colour);
}

std::unique_ptr<reporter> make_table_reporter(std::FILE* out, bool colour) {
  return make_table_reporter(std::make_unique<output_file>(out), colour);
}

}  // namespace parlab::runner
