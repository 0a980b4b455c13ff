// The read-bandwidth probe returns a plausible number and reads what it is given. Performance
// itself stays out of unit tests: the range is loose enough for any machine, loaded or not.
#include "runners/bandwidth.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace {

TEST(bandwidth, returns_a_finite_rate_in_a_sane_range_on_64_mib) {
  const double gbs = parlab::runner::measure_read_bandwidth(std::size_t{64} << 20, 0, 3);
  EXPECT_TRUE(std::isfinite(gbs));
  EXPECT_GT(gbs, 0.5);
  EXPECT_LT(gbs, 2000.0);
}

TEST(bandwidth, one_thread_and_tiny_sizes_work) {
  EXPECT_GT(parlab::runner::measure_read_bandwidth(4096, 1, 2), 0.0);
  EXPECT_GT(parlab::runner::measure_read_bandwidth(8, 3, 2), 0.0);  // fewer elements than threads
}

TEST(bandwidth, a_stream_passes_repeatedly_over_caller_data) {
  std::vector<std::int64_t> data(100'003, 7);
  parlab::runner::read_stream stream(data, 2, 7 * 100'003);
  EXPECT_EQ(stream.bytes(), data.size() * sizeof(std::int64_t));
  for (int i = 0; i < 3; ++i) {
    EXPECT_GT(stream.pass(), 0.0);
    EXPECT_EQ(stream.workers_seen(), 2U);
  }
}

// The old probe compared each pass with its own first one, so a stream that read a block twice
// or skipped one from the start verified forever. The known total catches it at once.
TEST(bandwidth, a_total_other_than_the_known_one_is_rejected) {
  std::vector<std::int64_t> data(1000, 1);
  EXPECT_THROW(parlab::runner::read_stream(data, 2, 999), std::exception);
  EXPECT_THROW(parlab::runner::read_stream(data, 2, 1001), std::exception);
  EXPECT_NO_THROW(parlab::runner::read_stream(data, 2, 1000));
}

TEST(bandwidth, a_changed_array_is_detected_not_silently_timed) {
  std::vector<std::int64_t> data(1000, 1);
  parlab::runner::read_stream stream(data, 2, 1000);
  data[500] = 2;
  EXPECT_THROW(stream.pass(), std::exception);
}

}  // namespace
