// The spawn kernel's record: a positive cost per worker on every backend, over the workers that
// really ran; and the coverage partial it and the counter verify with.
#include <gtest/gtest.h>

#include <variant>

#include "parlab/coverage.hpp"
#include "parlab/engine.hpp"
#include "runners/measure.hpp"
#include "tests/registered_backends.hpp"

namespace {

TEST(spawn, every_backend_records_a_positive_cost_per_worker) {
  auto k = parlab::find_kernel("spawn")->make();
  k->prepare({});
  for (const parlab::backend* b : parlab::backends()) {
    if (!parlab::testing::computes(b->traits())) continue;  // tests/async_test.cpp
    parlab::runner::measure_options o;
    o.reps = 3;
    o.cores = 2;
    o.run.threads = 3;
    const parlab::runner::record r = parlab::runner::measure(*k, "", *b, o);
    ASSERT_TRUE(r.verified) << b->name() << ": " << r.detail;
    ASSERT_EQ(r.fields.size(), 1U);
    EXPECT_EQ(r.fields[0].name, "spawn_us_per_worker");
    const double per = std::get<double>(r.fields[0].value);
    EXPECT_GT(per, 0.0) << b->name();
    EXPECT_NEAR(per, r.median_s * 1e6 / r.workers_seen, 1e-9) << b->name();
  }
}

TEST(coverage, names_the_indices_not_only_their_count) {
  using parlab::coverage;
  EXPECT_TRUE((coverage::of({0, 5}) + coverage::of({5, 9})).is_exactly(9));
  EXPECT_FALSE((coverage::of({0, 2}) + coverage::of({0, 2}) + coverage::of({4, 9})).is_exactly(9));
  EXPECT_FALSE(coverage::of({1, 9}).is_exactly(9));
  EXPECT_FALSE((coverage::of({0, 9}) + coverage::of({3, 4})).is_exactly(9));
  // Same count and same sum, different indices: the squares tell them apart.
  EXPECT_EQ((coverage::of({1, 2}) + coverage::of({4, 5})).sum,
            (coverage::of({2, 3}) + coverage::of({3, 4})).sum);
  EXPECT_NE((coverage::of({1, 2}) + coverage::of({4, 5})).squares,
            (coverage::of({2, 3}) + coverage::of({3, 4})).squares);
  EXPECT_TRUE(coverage::of({0, 3'000'000'000ULL}).is_exactly(3'000'000'000ULL));
}

}  // namespace
