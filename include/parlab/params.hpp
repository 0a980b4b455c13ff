#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parlab {

// How a kernel parameter is written on the command line and checked.
enum class param_kind {
  count,     // a whole number: 4, 1e3
  size,      // a whole number with suffixes: 1e8, 64M, 1Gi
  duration,  // seconds with a unit: 2s, 150ms, 500us
  fraction,  // a real number in [0, 1)
  choice,    // one word of a fixed list: unsafe|mutex|atomic|sharded; stored as its index
  flag,      // a switch that takes no value: 1 when given, else 0
};

// Bounds past which a kernel parameter is absurd rather than large: it would run for days or ask
// for more memory than a machine has. Kernels give them as max_value; the CLI refuses past them.
inline constexpr double max_items = 1e7;    // items, queue slots, roles
inline constexpr double max_rounds = 1e9;   // mixing rounds per element or per item
inline constexpr double max_wait_s = 3600;  // one wait, or one item's CPU work, in seconds

struct param_spec {
  std::string name;  // the long flag without dashes: "size"
  param_kind kind = param_kind::count;
  double default_value = 0;
  std::string help;
  double min_value = 0;  // inclusive lower bound for count and size
  // The accepted words of a choice, in order; its value and default_value are an index here.
  std::vector<std::string> choices = {};
  double max_value = 0;  // inclusive upper bound for count and size; 0: none
  // For a count whose 0 is decided at run time ("half the workers"): the word a record's params
  // show for 0, since the value used differs from row to row of a sweep (its record says which).
  std::string zero_means = {};

  // A choice's value for `word` (its index), or nullopt when the word is not one of them.
  [[nodiscard]] std::optional<double> choice_value(std::string_view word) const {
    for (std::size_t i = 0; i < choices.size(); ++i)
      if (choices[i] == word) return static_cast<double>(i);
    return std::nullopt;
  }
};

// Parameter values by name, in the units above (durations in seconds).
class param_values {
 public:
  void set(std::string_view name, double value) { values_[std::string(name)] = value; }
  [[nodiscard]] bool has(std::string_view name) const { return values_.contains(name); }
  [[nodiscard]] double real(std::string_view name) const;
  [[nodiscard]] std::uint64_t count(std::string_view name) const;
  // The index of a choice parameter's word in its spec's choices.
  [[nodiscard]] std::size_t choice(std::string_view name) const { return count(name); }
  [[nodiscard]] const std::map<std::string, double, std::less<>>& all() const { return values_; }

  // Fills every parameter the specs name and the values lack with its default.
  void fill_defaults(const std::vector<param_spec>& specs);
  // "size=100000000 intensity=0", in spec order, for records and tables.
  [[nodiscard]] std::string describe(const std::vector<param_spec>& specs) const;

 private:
  std::map<std::string, double, std::less<>> values_;
};

}  // namespace parlab
