#include "runners/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "parlab/error.hpp"

namespace parlab::runner {
namespace {

// A plain decimal or scientific number, all of the text.
bool parse_number(std::string_view text, double& out) {
  if (text.empty() || text.front() == '+' || text.front() == '-') return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && std::isfinite(out);
}

std::uint64_t whole(double v, std::string_view what) {
  if (v != std::floor(v) || v >= 9.007199254740992e15)
    throw usage_error(fmt::format("{} must be a whole number below 2^53", what));
  return static_cast<std::uint64_t>(v);
}

}  // namespace

void bad(std::string_view flag, std::string_view value, std::string_view accepted) {
  throw usage_error(fmt::format("{} '{}': expected {}", flag, value, accepted));
}

std::uint64_t parse_size(std::string_view text) {
  static constexpr std::pair<std::string_view, double> suffixes[] = {
      {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0},
      {"K", 1e3},     {"M", 1e6},        {"G", 1e9},           {"T", 1e12},
      {"k", 1e3},
  };
  const char* accepted = "a whole number such as 1000000, 1e8, 64M (10^6), 1Gi (2^30)";
  double scale = 1;
  std::string_view digits = text;
  for (const auto& [suffix, factor] : suffixes) {
    if (text.size() > suffix.size() && text.ends_with(suffix)) {
      digits = text.substr(0, text.size() - suffix.size());
      scale = factor;
      break;
    }
  }
  double v = 0;
  if (!parse_number(digits, v)) throw usage_error(accepted);
  try {
    return whole(v * scale, "a size");
  } catch (const usage_error&) {
    throw usage_error(accepted);
  }
}

std::uint64_t parse_count(std::string_view text) {
  double v = 0;
  if (!parse_number(text, v) || v != std::floor(v) || v >= 9.007199254740992e15)
    throw usage_error("a whole number, such as 5 or 1e3");
  return static_cast<std::uint64_t>(v);
}

double parse_duration(std::string_view text) {
  static constexpr std::pair<std::string_view, double> units[] = {
      {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9}, {"min", 60.0}, {"s", 1.0},
  };
  for (const auto& [unit, factor] : units) {
    if (text.size() > unit.size() && text.ends_with(unit)) {
      double v = 0;
      // Past a million seconds (11 days) a duration is a typo, and in nanoseconds it would
      // overflow the clocks it is handed to.
      if (parse_number(text.substr(0, text.size() - unit.size()), v) && v * factor <= 1e6)
        return v * factor;
      break;
    }
  }
  throw usage_error("a duration with a unit, at most 1e6s: 2s, 150ms, 500us, 1min");
}

double parse_fraction(std::string_view text) {
  double v = 0;
  if (!parse_number(text, v) || v >= 1.0) throw usage_error("a number in [0, 1), such as 0.1");
  return v;
}

double parse_percent(std::string_view text) {
  if (text.ends_with('%')) text.remove_suffix(1);
  double v = 0;
  if (!parse_number(text, v)) throw usage_error("a percentage of 0 or more, such as 5, 2.5 or 10%");
  return v;
}

std::vector<unsigned> parse_threads(std::string_view text, unsigned limit) {
  const char* accepted = "4, 1,2,4,8, 1..16, pow2 or max (counts from 1 to 4096)";
  limit = std::max(1U, limit);
  std::set<unsigned> out;
  if (text == "max") return {limit};
  if (text == "pow2") {
    for (unsigned t = 1; t < limit; t *= 2) out.insert(t);
    out.insert(limit);
    return {out.begin(), out.end()};
  }
  auto one = [&](std::string_view s) -> unsigned {
    double v = 0;
    if (!parse_number(s, v) || v != std::floor(v) || v < 1 || v > max_threads)
      throw usage_error(accepted);
    return static_cast<unsigned>(v);
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    if (const auto dots = item.find(".."); dots != std::string_view::npos) {
      const unsigned lo = one(item.substr(0, dots)), hi = one(item.substr(dots + 2));
      if (lo > hi) throw usage_error(accepted);
      for (unsigned t = lo; t <= hi; ++t) out.insert(t);
    } else {
      out.insert(one(item));
    }
    start = comma + 1;
  }
  return {out.begin(), out.end()};
}

std::string format_duration(double seconds) {
  if (seconds >= 1) return fmt::format("{:.3g} s", seconds);
  if (seconds >= 1e-3) return fmt::format("{:.3g} ms", seconds * 1e3);
  if (seconds >= 1e-6) return fmt::format("{:.3g} us", seconds * 1e6);
  return fmt::format("{:.3g} ns", seconds * 1e9);
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace parlab::runner
