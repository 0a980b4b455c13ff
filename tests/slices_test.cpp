// A process prepares only the slice of the index space it owns (kernel::prepare_slice, what a
// rank will do under MPI): for every registered kernel whose work splits by index, each slice
// verifies on its own, the slices' partials combine into the whole's, which verifies, and a
// slice's check refuses the whole's partial. A kernel added later is held to the same, with no
// change here; one whose work does not split refuses any slice but the whole.
#include <gtest/gtest.h>

#include <cstddef>
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
