#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "kernels/mixing.hpp"
#include "parlab/hot_loop.hpp"
#include "parlab/huge_array.hpp"
#include "parlab/kernel.hpp"
#include "parlab/wait.hpp"

namespace parlab {
namespace {

// A check point (parlab::check_point, where an emulated GIL changes hands) every this many
// elements: ~10 us of streaming, ~1 ms at 64 mixing rounds; the call is a thread_local load.
constexpr std::size_t stream_check_every = std::size_t{1} << 15;
constexpr std::size_t mixed_check_every = 1024;

PARLAB_HOT_LOOP std::uint64_t stream_block(const std::int64_t* a, std::size_t begin,
                                           std::size_t end) {
  std::uint64_t s = 0;
  for (std::size_t i = begin; i < end; ++i) s += static_cast<std::uint64_t>(a[i]);
  return s;
}

// The hot loop stays a loop of its own: with the check point inside it, GCC's code for it ran at
// half the speed on 1e3-1e6 elements in cache (make bench, seq / plain loop 0.47 at 1e3).
std::uint64_t stream_sum(const std::int64_t* a, std::size_t begin, std::size_t end) {
  std::uint64_t s = 0;
  for (std::size_t b = begin; b < end; b += stream_check_every) {
    s += stream_block(a, b, std::min(end, b + stream_check_every));
    check_point();
  }
  return s;
}

PARLAB_HOT_LOOP std::uint64_t mixed_sum(const std::int64_t* a, std::size_t begin, std::size_t end,
                                        std::uint64_t rounds) {
  std::uint64_t s = 0;
  for (std::size_t i = begin; i < end; ++i) {
    auto x = static_cast<std::uint64_t>(a[i]);
    for (std::uint64_t k = 0; k < rounds; ++k) x = mix(x);
    s += x;
    if ((i - begin) % mixed_check_every == mixed_check_every - 1) check_point();
  }
  return s;
}

// Memory-bound at intensity 0 (an int64 stream, ~8 bytes per add) and compute-bound as the
// intensity grows (K mixing rounds per element). Integer sums wrap modulo 2^64, so the answer
// is exact whatever the order of the partials. The data is a[i] = i + 1 and mix is a bijection
// with mix(0) = 0, so no element maps to 0: skipping or doubling any one changes the sum.
class sum_kernel final : public typed_kernel<std::uint64_t> {
 public:
  std::string_view name() const override { return "sum"; }
  std::string_view description() const override {
    return "sum of an int64 array; --intensity K mixing rounds per element (0: memory-bound)";
  }
  std::vector<param_spec> params() const override {
    return {{"size", param_kind::size, 1e8, "elements in the array (int64)", 1},
            {"intensity",
             param_kind::count,
             0,
             "mixing rounds per element: 0 streams memory, 64+ is compute-bound",
             0,
             {},
             max_rounds}};
  }

  std::size_t index_space(const param_values& values) const override {
    return values.count("size");
  }
  void prepare(const param_values& values) override {
    prepare_slice(values, {0, index_space(values)});
  }
  // The slice's elements only, a[j] = owned.begin + j + 1: the body runs over local indices.
  void prepare_slice(const param_values& values, index_range owned) override {
    check_slice(owned, index_space(values));
    whole_ = index_space(values);
    rounds_ = values.count("intensity");
    reference_.reset();
    if (owned != owned_ || !data_.data()) {
      data_ = huge_array<std::int64_t>();  // free the old data before the new is allocated
      data_ = iota_array(owned.size(), owned.begin);
      owned_ = owned;
    }
  }

  std::uint64_t body(index_range r) const override {
    return rounds_ == 0 ? stream_sum(data_.data(), r.begin, r.end)
                        : mixed_sum(data_.data(), r.begin, r.end, rounds_);
  }
  std::uint64_t combine(const std::uint64_t& a, const std::uint64_t& b) const override {
    return a + b;
  }

  verdict check(const std::uint64_t& got) const override {
    const std::uint64_t want = expected();
    const std::string slice =
        owned_ == index_range{0, whole_}
            ? ""
            : " over [" + std::to_string(owned_.begin) + ", " + std::to_string(owned_.end) + ")";
    return {got == want, "sum " + std::to_string(got) + ", expected " + std::to_string(want) +
                             (rounds_ == 0 ? " (n(n+1)/2" : " (scalar reference") + slice + ")"};
  }

  // The whole's closed form, at intensity 0; mixed, only a loop over every index would know it.
  std::optional<verdict> check_whole(const std::uint64_t& got) const override {
    if (rounds_ != 0) return std::nullopt;
    const std::uint64_t want = iota_sum(whole_);
    return verdict{got == want, "sum of every slice " + std::to_string(got) + ", expected " +
                                    std::to_string(want) + " (n(n+1)/2 over [0, " +
                                    std::to_string(whole_) + "))"};
  }

  std::vector<const huge_array_base*> data_arrays() const override { return {&data_}; }
  memory_cost memory() const override { return {"size", sizeof(std::int64_t)}; }
  work_amount work() const override {
    const auto n = static_cast<double>(data_.size());
    return {n * sizeof(std::int64_t), n, 0, rounds_ == 0};
  }

 protected:
  std::size_t task_size() const override { return data_.size(); }

 private:
  // Intensity 0 has a closed form; otherwise an independent scalar loop over the indices (not
  // the array), computed once per parameter set.
  std::uint64_t expected() const {
    if (rounds_ == 0) return iota_sum(owned_.end) - iota_sum(owned_.begin);
    if (!reference_) {
      std::uint64_t s = 0;
      for (std::uint64_t i = owned_.begin; i < owned_.end; ++i) {
        std::uint64_t x = i + 1;
        for (std::uint64_t k = 0; k < rounds_; ++k) x = mix(x);
        s += x;
      }
      reference_ = s;
    }
    return *reference_;
  }

  huge_array<std::int64_t> data_;
  index_range owned_;      // the slice of [0, size) data_ holds
  std::size_t whole_ = 0;  // size
  std::uint64_t rounds_ = 0;
  mutable std::optional<std::uint64_t> reference_;
};

}  // namespace

std::unique_ptr<kernel> make_sum_kernel() { return std::make_unique<sum_kernel>(); }

}  // namespace parlab
