#include "parlab/params.hpp"

#include <cmath>
#include <cstdio>

#include "parlab/error.hpp"

namespace parlab {

double param_values::real(std::string_view name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) throw usage_error("missing kernel parameter --" + std::string(name));
  return it->second;
}

std::uint64_t param_values::count(std::string_view name) const {
  return static_cast<std::uint64_t>(std::llround(real(name)));
}

void param_values::fill_defaults(const std::vector<param_spec>& specs) {
  for (const param_spec& s : specs)
    if (!has(s.name)) set(s.name, s.default_value);
}

std::string param_values::describe(const std::vector<param_spec>& specs) const {
  std::string out;
  for (const param_spec& s : specs) {
    if (!has(s.name)) continue;
    if (!out.empty()) out += ' ';
    const double v = real(s.name);
    out += s.name + '=';
    if (s.kind == param_kind::choice && choice(s.name) < s.choices.size())
      out += s.choices[choice(s.name)];
    else if (s.kind == param_kind::count && count(s.name) == 0 && !s.zero_means.empty())
      out += s.zero_means;
    else if (s.kind == param_kind::count || s.kind == param_kind::size)
      out += std::to_string(count(s.name));
    else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", v);
      out += buf;
      if (s.kind == param_kind::duration) out += 's';
    }
  }
  return out;
}

}  // namespace parlab
