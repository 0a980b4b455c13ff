// The race kernel keeps each mode's promise on every backend: mutex, atomic and sharded exact
// where the counter is shared; processes isolated from a private counter (final 0, the lesson)
// unless --shared; sharded exact everywhere, since its counts travel as the partial; unsafe
// never above expected (never asserted to lose: a run may lose none). Backends are chosen by
// their traits.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <tuple>
#include <variant>

#include "parlab/engine.hpp"
#include "runners/measure.hpp"
#include "tests/registered_backends.hpp"
#include "tests/small_kernel_values.hpp"

namespace {

using parlab::runner::record;

const char* const modes[] = {"unsafe", "mutex", "atomic", "sharded"};

record count_on(const parlab::backend& b, unsigned threads, std::size_t mode, bool shared) {
  const auto k = parlab::testing::prepared(
      "counter",
      {{"increments", 100'000}, {"mode", static_cast<double>(mode)}, {"shared", shared ? 1 : 0}});
  parlab::runner::measure_options o;
  o.reps = 2;
  o.warmup = 1;
  o.cores = 2;
  o.run.threads = threads;
  return parlab::runner::measure(*k, "", b, o);
}

template <class T>
T field(const record& r, const std::string& name) {
  for (const parlab::record_field& f : r.fields)
    if (f.name == name) return std::get<T>(f.value);
  ADD_FAILURE() << "no field " << name;
  return T{};
}

class counter_modes
    : public testing::TestWithParam<std::tuple<std::string, unsigned, std::size_t, bool>> {
 protected:
  void TearDown() override {
    for (const parlab::backend* b : parlab::backends()) b->release();
  }
};

TEST_P(counter_modes, keep_their_promise) {
  const auto& [name, threads, mode, shared] = GetParam();
  const parlab::backend& b = *parlab::find_backend(name);
  const record r = count_on(b, threads, mode, shared);
  ASSERT_TRUE(r.verified) << r.detail;
  const auto final_value = field<std::int64_t>(r, "final");
  const auto expected = field<std::int64_t>(r, "expected");
  EXPECT_EQ(expected, 100'000);
  const bool isolated = field<bool>(r, "isolated");
  const bool processes = b.traits().worker == parlab::worker_kind::process;
  const bool sees_all = shared || !processes || std::string(modes[mode]) == "sharded";
  EXPECT_EQ(isolated, !sees_all) << r.detail;
  if (!sees_all) {
    EXPECT_EQ(final_value, 0) << "a child's increments reached the parent's private counter";
    EXPECT_NE(r.lesson.find("own copy of the counter"), std::string::npos) << r.lesson;
    // The status says what the parent's counter shows, not "yes" and not "lost 0".
    EXPECT_EQ(r.status, "isolated: saw 0 of 100000");
  } else if (std::string(modes[mode]) == "unsafe") {
    EXPECT_LE(final_value, expected);
    const auto lost = field<std::int64_t>(r, "lost_updates");
    EXPECT_EQ(lost, expected - final_value);
    // Wrong by design when it lost some: said so in the status, never a plain "yes".
    EXPECT_EQ(r.status, lost > 0 ? "raced: lost " + std::to_string(lost) : "");
  } else {
    EXPECT_EQ(final_value, expected) << modes[mode] << " on " << name;
    EXPECT_EQ(field<std::int64_t>(r, "lost_updates"), 0);
    EXPECT_EQ(r.status, "");
  }
  EXPECT_EQ(field<bool>(r, "started_together"), b.traits().promises_concurrency);
  EXPECT_GT(field<double>(r, "ns_per_increment"), 0.0);
}

INSTANTIATE_TEST_SUITE_P(all, counter_modes,
                         testing::Combine(testing::ValuesIn(parlab::testing::backend_names()),
                                          testing::Values(1U, 2U, 5U),
                                          testing::Values(0U, 1U, 2U, 3U), testing::Bool()),
                         [](const auto& p) {
                           return std::get<0>(p.param) + "_t" +
                                  std::to_string(std::get<1>(p.param)) + "_" +
                                  modes[std::get<2>(p.param)] +
                                  (std::get<3>(p.param) ? "_shared" : "_private");
                         });

TEST(counter, a_mode_is_a_choice_and_the_record_names_it) {
  auto k = parlab::find_kernel("counter")->make();
  parlab::param_values v;
  v.set("mode", 2);
  v.fill_defaults(k->params());
  EXPECT_NE(v.describe(k->params()).find("mode=atomic"), std::string::npos)
      << v.describe(k->params());
}

}  // namespace
