// A process prepares only the slice of the index space it owns (kernel::prepare_slice, what a
// rank will do under MPI): for every registered kernel whose work splits by index, each slice
// verifies on its own, the slices' partials combine into the whole's, which verifies, and a
// slice's check refuses the whole's partial. A kernel added later is held to the same, with no
// change here; one whose work does not split refuses any slice but the whole.
#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "backends/chunking.hpp"
#include "parlab/error.hpp"
#include "parlab/registry.hpp"
#include "tests/small_kernel_values.hpp"

namespace {

using parlab::index_range;

std::vector<std::byte> run_on_seq(const parlab::kernel& k) {
  const parlab::reduce_task task = k.task();
  std::vector<std::byte> partial(task.partial_size);
  (void)parlab::reference_backend().run(task, {}, partial.data());
  return partial;
}

// The whole space cut into 3 blocks, plus an empty slice at its end.
std::vector<index_range> slices_of(std::size_t n) {
  std::vector<index_range> out;
  for (unsigned w = 0; w < 3; ++w) out.push_back(parlab::detail::static_block(n, 3, w));
  out.push_back({n, n});
  return out;
}

TEST(slices, each_verifies_and_they_combine_into_the_whole) {
  for (const parlab::kernel_entry& e : parlab::kernels()) {
    auto whole = e.make();
    for (const double size : {2.0, 1000.0, 12345.0}) {
      const parlab::param_values v = parlab::testing::small_values(*whole, size);
      const std::size_t n = whole->index_space(v);
      if (n == 0) continue;  // does not split by index: the next test
      whole->prepare(v);
      const std::vector<std::byte> all = run_on_seq(*whole);
      ASSERT_TRUE(whole->verify(all.data()).ok) << e.name;
      const parlab::reduce_task whole_task = whole->task();
      std::vector<std::byte> combined(whole_task.partial_size);
      whole_task.identity(combined.data());
      for (const index_range r : slices_of(n)) {
        auto slice = e.make();
        slice->prepare_slice(v, r);
        const std::string where = std::string(e.name) + " [" + std::to_string(r.begin) + ", " +
                                  std::to_string(r.end) + ") of " + std::to_string(n);
        EXPECT_EQ(slice->task().n, r.size()) << where;
        const std::vector<std::byte> part = run_on_seq(*slice);
        EXPECT_TRUE(slice->verify(part.data()).ok)
            << where << ": " << slice->verify(part.data()).detail;
        if (r.size() > 0 && r.size() < n) {
          EXPECT_FALSE(slice->verify(all.data()).ok) << where << " took the whole's partial";
        }
        whole_task.combine(combined.data(), part.data());
      }
      const parlab::verdict v_all = whole->verify(combined.data());
      EXPECT_TRUE(v_all.ok) << e.name << " n=" << n << ": the slices combined: " << v_all.detail;
    }
  }
}

// What each slice's kernel computes of the whole (reduce_task::check_whole), as rank 0 applies it
// to the reduced partials: every slice once passes; a slice lost, one taken twice or a flipped
// bit fails, though each slice's own check passed. Sum and io can make that check; a kernel that
// cannot says so with nullopt and is left out here, but not every kernel may.
TEST(slices, the_whole_check_takes_every_slice_exactly_once) {
  unsigned checked = 0;
  for (const parlab::kernel_entry& e : parlab::kernels()) {
    auto probe = e.make();
    const parlab::param_values v =
        parlab::testing::small_values(*probe, 1000);  // sum at intensity 0
    const std::size_t n = probe->index_space(v);
    if (n < 3) continue;
    std::vector<std::unique_ptr<parlab::kernel>> slices;
    std::vector<std::vector<std::byte>> parts;
    for (unsigned w = 0; w < 3; ++w) {
      slices.push_back(e.make());
      slices.back()->prepare_slice(v, parlab::detail::static_block(n, 3, w));
      parts.push_back(run_on_seq(*slices.back()));
      ASSERT_TRUE(slices.back()->verify(parts.back().data()).ok) << e.name;
    }
    const parlab::reduce_task task = slices.back()->task();  // a rank's, not rank 0's: any may
    ASSERT_TRUE(task.check_whole) << e.name;
    auto whole_of = [&](const std::vector<unsigned>& order) {
      std::vector<std::byte> whole(task.partial_size);
      task.identity(whole.data());
      for (unsigned w : order) task.combine(whole.data(), parts[w].data());
      return task.check_whole(whole.data());
    };
    const auto right = whole_of({0, 1, 2});
    if (!right) continue;
    ++checked;
    EXPECT_EQ(*right, "") << e.name;
    for (const auto& order : {std::vector<unsigned>{0, 1}, std::vector<unsigned>{0, 1, 2, 0},
                              std::vector<unsigned>{1, 1, 2}}) {
      const auto wrong = whole_of(order);
      ASSERT_TRUE(wrong) << e.name;
      EXPECT_NE(*wrong, "") << e.name << " took " << order.size() << " slices for the whole";
    }
    std::vector<std::byte> flipped(task.partial_size);
    task.identity(flipped.data());
    for (const auto& part : parts) task.combine(flipped.data(), part.data());
    flipped[0] ^= std::byte{1};
    EXPECT_NE(task.check_whole(flipped.data()).value_or(""), "") << e.name << ": a bit flipped";
  }
  EXPECT_GE(checked, 2U) << "sum and io check their whole";
}

TEST(slices, out_of_range_or_unsplittable_slices_are_refused) {
  for (const parlab::kernel_entry& e : parlab::kernels()) {
    auto k = e.make();
    const parlab::param_values v = parlab::testing::small_values(*k, 1000);
    const std::size_t n = k->index_space(v);
    if (n > 0) {
      EXPECT_THROW(k->prepare_slice(v, {0, n + 1}), parlab::usage_error) << e.name;
      EXPECT_THROW(k->prepare_slice(v, {2, 1}), parlab::usage_error) << e.name;
    } else {
      EXPECT_THROW(k->prepare_slice(v, {0, 1}), parlab::usage_error) << e.name;
    }
  }
}

}  // namespace
