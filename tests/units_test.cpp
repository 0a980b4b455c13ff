// The command line's value forms: sizes, counts, durations, fractions and thread specs, each
// with good values, edge values and bad ones (a bad one throws usage_error saying what is
// accepted; the CLI adds the flag and the value).
#include "runners/units.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parlab/error.hpp"

namespace {

using parlab::usage_error;
using namespace parlab::runner;
using threads = std::vector<unsigned>;

TEST(parse_size, accepts_plain_scientific_and_suffixed_forms) {
  EXPECT_EQ(parse_size("100000000"), 100000000U);
  EXPECT_EQ(parse_size("1e8"), 100000000U);
  EXPECT_EQ(parse_size("1.5e3"), 1500U);
  EXPECT_EQ(parse_size("64M"), 64000000U);
  EXPECT_EQ(parse_size("2k"), 2000U);
  EXPECT_EQ(parse_size("2K"), 2000U);
  EXPECT_EQ(parse_size("3G"), 3000000000U);
  EXPECT_EQ(parse_size("1T"), 1000000000000U);
  EXPECT_EQ(parse_size("64Ki"), 65536U);
  EXPECT_EQ(parse_size("64Mi"), 64U << 20);
  EXPECT_EQ(parse_size("1Gi"), 1U << 30);
  EXPECT_EQ(parse_size("1Ti"), std::uint64_t{1} << 40);
  EXPECT_EQ(parse_size("1.5K"), 1500U);
  EXPECT_EQ(parse_size("0"), 0U);
}

TEST(parse_size, rejects_what_is_not_a_whole_size) {
  for (const char* bad : {"", "12x", "-1", "+5", "1.5", "1e20", "M", "Gi", "1e", "0x10", " 5", "5 ",
                          "1,000", "nan", "inf", "1.0001K", "64m", "1gi"})
    EXPECT_THROW(parse_size(bad), usage_error) << "'" << bad << "'";
}

TEST(parse_size, the_message_says_what_is_accepted) {
  try {
    parse_size("12x");
    FAIL() << "no throw";
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("1Gi"), std::string::npos) << e.what();
  }
}

TEST(parse_count, accepts_whole_numbers_in_plain_or_scientific_form) {
  EXPECT_EQ(parse_count("5"), 5U);
  EXPECT_EQ(parse_count("0"), 0U);
  EXPECT_EQ(parse_count("1e3"), 1000U);
  for (const char* bad : {"", "1.5", "-2", "abc", "5k", "1e16", "2 "})
    EXPECT_THROW(parse_count(bad), usage_error) << "'" << bad << "'";
}

TEST(parse_duration, accepts_a_number_with_a_unit) {
  EXPECT_DOUBLE_EQ(parse_duration("2s"), 2.0);
  EXPECT_DOUBLE_EQ(parse_duration("150ms"), 0.150);
  EXPECT_DOUBLE_EQ(parse_duration("500us"), 500e-6);
  EXPECT_DOUBLE_EQ(parse_duration("10ns"), 10e-9);
  EXPECT_DOUBLE_EQ(parse_duration("1min"), 60.0);
  EXPECT_DOUBLE_EQ(parse_duration("0.5s"), 0.5);
  EXPECT_DOUBLE_EQ(parse_duration("1e3ms"), 1.0);
  EXPECT_DOUBLE_EQ(parse_duration("0s"), 0.0);  // --timeout refuses it, a kernel may not
}

TEST(parse_duration, rejects_a_bare_number_or_an_unknown_unit) {
  for (const char* bad : {"", "5", "s", "ms", "2 s", "-1s", "2h", "2sec", "1.5.0s", "abcms", "2S"})
    EXPECT_THROW(parse_duration(bad), usage_error) << "'" << bad << "'";
}

TEST(parse_fraction, accepts_zero_up_to_but_not_one) {
  EXPECT_DOUBLE_EQ(parse_fraction("0"), 0.0);
  EXPECT_DOUBLE_EQ(parse_fraction("0.1"), 0.1);
  EXPECT_DOUBLE_EQ(parse_fraction("0.999"), 0.999);
  for (const char* bad : {"1", "1.5", "-0.1", "", "half"})
    EXPECT_THROW(parse_fraction(bad), usage_error) << "'" << bad << "'";
}

TEST(parse_percent, a_number_of_zero_or_more_with_an_optional_percent_sign) {
  EXPECT_DOUBLE_EQ(parse_percent("5"), 5.0);
  EXPECT_DOUBLE_EQ(parse_percent("2.5"), 2.5);
  EXPECT_DOUBLE_EQ(parse_percent("10%"), 10.0);
  EXPECT_DOUBLE_EQ(parse_percent("0"), 0.0);
  EXPECT_DOUBLE_EQ(parse_percent("150"), 150.0);
  for (const char* bad : {"", "%", "-5", "five", "5%%", "5 %", "inf"})
    EXPECT_THROW(parse_percent(bad), usage_error) << "'" << bad << "'";
}

TEST(parse_threads, a_single_count) {
  EXPECT_EQ(parse_threads("4", 2), threads({4}));  // above the limit: runs, flagged later
  EXPECT_EQ(parse_threads("1", 8), threads({1}));
  EXPECT_EQ(parse_threads("4096", 8), threads({4096}));
}

TEST(parse_threads, a_list_is_sorted_and_deduplicated) {
  EXPECT_EQ(parse_threads("1,2,4,8", 8), threads({1, 2, 4, 8}));
  EXPECT_EQ(parse_threads("8,2,2,1", 8), threads({1, 2, 8}));
}

TEST(parse_threads, a_range_is_inclusive_and_mixes_with_a_list) {
  EXPECT_EQ(parse_threads("1..16", 4).size(), 16U);
  EXPECT_EQ(parse_threads("3..5", 4), threads({3, 4, 5}));
  EXPECT_EQ(parse_threads("2..2", 4), threads({2}));
  EXPECT_EQ(parse_threads("1..3,8", 4), threads({1, 2, 3, 8}));
}

TEST(parse_threads, pow2_stops_at_the_usable_cpus_and_includes_them) {
  EXPECT_EQ(parse_threads("pow2", 8), threads({1, 2, 4, 8}));
  EXPECT_EQ(parse_threads("pow2", 6), threads({1, 2, 4, 6}));
  EXPECT_EQ(parse_threads("pow2", 2), threads({1, 2}));
  EXPECT_EQ(parse_threads("pow2", 1), threads({1}));
  EXPECT_EQ(parse_threads("pow2", 0), threads({1}));  // an unknown limit still measures 1
}

TEST(parse_threads, max_is_the_usable_cpus) {
  EXPECT_EQ(parse_threads("max", 6), threads({6}));
  EXPECT_EQ(parse_threads("max", 1), threads({1}));
}

TEST(parse_threads, rejects_zero_reversed_ranges_and_garbage) {
  for (const char* bad : {"0", "", "4..2", "a", "1,,2", "1,", ",1", "4097", "1.5", "pow3", "1..",
                          "..4", "-1", "1...4", "0..4", "2-4", "MAX", "1e1000"})
    EXPECT_THROW(parse_threads(bad, 8), usage_error) << "'" << bad << "'";
}

TEST(format_duration, picks_a_readable_unit) {
  EXPECT_EQ(format_duration(2.5), "2.5 s");
  EXPECT_EQ(format_duration(0.150), "150 ms");
  EXPECT_EQ(format_duration(20e-6), "20 us");
  EXPECT_EQ(format_duration(5e-9), "5 ns");
}

}  // namespace
