#include <fmt/color.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "runners/compare.hpp"
#include "runners/units.hpp"

namespace parlab::runner {
namespace {

std::string revision_text(const std::string& rev) { return rev.empty() ? "" : " (" + rev + ")"; }

void print_header(std::FILE* out, const comparison& c) {
  fmt::print(out, "compare {}{} -> {}{}\n", c.base_path, revision_text(c.base_revision), c.new_path,
             revision_text(c.new_revision));
  if (c.interleaved.rounds == 0) {
    fmt::print(out,
               "ratio = new median / base median; slower or faster: Mann-Whitney U p < {:g} and "
               "the ratio beyond {:g}%; interval: {:g}% bootstrap\n",
               c.options.alpha, c.options.threshold * 100, (1 - c.options.alpha) * 100);
    return;
  }
  fmt::print(out,
             "interleaved: {} rounds, each running base and new back to back in random order "
             "(--seed {})\n"
             "ratio = median over rounds of new / base in the same round; slower or faster: "
             "Wilcoxon signed-rank p < {:g} and the whole interval beyond {:g}%; interval: {:g}% "
             "bootstrap over rounds\n",
             c.interleaved.rounds, c.interleaved.seed, c.options.alpha, c.options.threshold * 100,
             (1 - c.options.alpha) * 100);
}

// The weather the interleaving kept out of the verdicts: how far the same point of BASE moved
// from round to round, against which a same-round ratio is judged.
void print_noise(std::FILE* out, const comparison& c) {
  const entry* widest = nullptr;
  for (const entry& e : c.entries)
    if (e.rounds > 1 && (widest == nullptr || e.drift > widest->drift)) widest = &e;
  if (widest == nullptr) return;
  fmt::print(out,
             "noise seen: base's medians moved by up to {:.1f}% from round to round ({} t={}); "
             "each verdict rests on ratios within a round, where that drift falls on both\n",
             widest->drift * 100, widest->id.backend, widest->id.threads);
}

struct widths {
  std::size_t backend = 7;
};

std::string ratio_cells(const entry& e) {
  if (!(e.in_base && e.in_new) || e.ratio <= 0)
    return fmt::format("{:>6}  {:>15}  {:>6}", "", "", "");
  if (e.resamples == 0) return fmt::format("{:>6.3f}  {:>15}  {:>6}", e.ratio, "", "");
  return fmt::format("{:>6.3f}  {:>15}  {:>6.2g}", e.ratio,
                     fmt::format("[{:.3f}, {:.3f}]", e.ratio_ci.low, e.ratio_ci.high),
                     e.test.p_value);
}

std::string verdict_text(const entry& e, bool colour) {
  const std::string_view words = to_string(e.result);
  if (!colour) return std::string(words);
  if (e.result == change::slower || e.result == change::failed)
    return fmt::format(fg(fmt::terminal_color::red), "{}", words);
  if (e.result == change::faster) return fmt::format(fg(fmt::terminal_color::green), "{}", words);
  return std::string(words);
}

void print_row(std::FILE* out, const entry& e, const widths& w, bool colour) {
  const auto median = [](bool present, double s) { return present ? format_duration(s) : "-"; };
  fmt::print(out, "  {:<{}} {:>4}  {:>9}  {:>9}  {}  {}\n", e.id.backend, w.backend, e.id.threads,
             median(e.in_base, e.base_median_s), median(e.in_new, e.new_median_s), ratio_cells(e),
             verdict_text(e, colour));
  if (!e.detail.empty()) fmt::print(out, "  {:<{}} error: {}\n", "", w.backend, e.detail);
}

void print_summary(std::FILE* out, const comparison& c) {
  std::map<change, std::size_t> counts;
  for (const entry& e : c.entries) ++counts[e.result];
  std::string line;
  for (const auto& [result, n] : counts)
    line += fmt::format("{}{} {}", line.empty() ? "" : ", ", n, to_string(result));
  fmt::print(out, "summary: {}\n", line);
}

}  // namespace

// Rows grouped under the heading of what they measured (kernel, parameters, ...), in the order
// the groups first appear; each row a backend at a thread count.
void write_compare_table(std::FILE* out, const comparison& c, bool colour) {
  print_header(out, c);
  widths w;
  std::vector<std::string> order;
  std::map<std::string, std::vector<const entry*>> groups;
  for (const entry& e : c.entries) {
    w.backend = std::max(w.backend, e.id.backend.size());
    const std::string h = heading(e.id);
    if (!groups.contains(h)) order.push_back(h);
    groups[h].push_back(&e);
  }
  for (const std::string& h : order) {
    fmt::print(out, "{}\n  {:<{}} {:>4}  {:>9}  {:>9}  {:>6}  {:>15}  {:>6}  {}\n", h, "backend",
               w.backend, "thr", "base", "new", "ratio",
               fmt::format("{:g}% interval", (1 - c.options.alpha) * 100), "p", "verdict");
    for (const entry* e : groups[h]) print_row(out, *e, w, colour);
  }
  print_noise(out, c);
  print_summary(out, c);
  std::fflush(out);
}

}  // namespace parlab::runner
