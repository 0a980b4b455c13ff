#pragma once
// Parsing of the command line's value forms: sizes (1e8, 64M, 1Gi), durations (2s, 150ms),
// thread specs (4, 1,2,4,8, 1..16, pow2, max). Each throws parlab::usage_error with a message
// saying what is accepted; the caller adds the flag and the value.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parlab::runner {

// Bad input on the command line: throws usage_error "FLAG 'VALUE': expected ACCEPTED", the one
// line every refusal prints before exit code 2.
[[noreturn]] void bad(std::string_view flag, std::string_view value, std::string_view accepted);

std::uint64_t parse_size(std::string_view text);
std::uint64_t parse_count(std::string_view text);
double parse_duration(std::string_view text);  // seconds
double parse_fraction(std::string_view text);  // [0, 1)
double parse_percent(std::string_view text);   // 0 or more, an optional trailing %: 5, 2.5, 10%
// The most workers any count on the command line may ask for (-t, --cpu-workers).
inline constexpr unsigned max_threads = 4096;
// `limit` is the CPUs this process may use: pow2 and max stop there.
std::vector<unsigned> parse_threads(std::string_view text, unsigned limit);

// "1.5 s", "150 ms", "20 us": the shortest readable form of a duration.
std::string format_duration(double seconds);
// "1 rank", "3 ranks".
std::string plural(std::size_t n, std::string_view one, std::string_view many);

}  // namespace parlab::runner
