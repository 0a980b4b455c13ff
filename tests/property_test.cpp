// Random points of the whole space a sweep can ask for (kernel parameters, backend, thread
// count, schedule, grain, pinning), each result equal to seq's byte for byte and verified
// exactly. For kernels whose work splits by index (index_space > 0): their data for index i
// depends on i alone, so any chunking of any backend must give seq's partial.
// It prints its seed; PARLAB_PROPERTY_SEED=N replays a failure, PARLAB_PROPERTY_CASES=N sets
// how many points (default 300).
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "parlab/engine.hpp"
#include "tests/registered_backends.hpp"

namespace {

using parlab::param_kind;

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

// A value for a parameter drawn from its kind, small enough that a case takes milliseconds.
double draw(const parlab::param_spec& p, std::mt19937_64& rng) {
  const auto uniform = [&](double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  };
  const auto whole = [&](double lo, double hi) {
    return static_cast<double>(std::uniform_int_distribution<std::uint64_t>(
        static_cast<std::uint64_t>(lo), static_cast<std::uint64_t>(hi))(rng));
  };
  const double cap = p.max_value > 0 ? p.max_value : 1e18;
  switch (p.kind) {
    case param_kind::size:
      return whole(p.min_value, std::min(cap, 200000.0));
    case param_kind::count:
      return whole(p.min_value, std::min(cap, p.min_value + 100));
    case param_kind::duration:
      return uniform(0, 100e-6);
    case param_kind::fraction:
      return uniform(0, 0.9);
    case param_kind::choice:
      return whole(0, static_cast<double>(p.choices.size() - 1));
    case param_kind::flag:
      return whole(0, 1);
  }
  return p.default_value;
}

struct point {
  const parlab::kernel_entry* kernel;
  parlab::param_values values;
  const parlab::backend* backend;
  parlab::run_options options;
};

std::string describe(const point& p, const parlab::kernel& k) {
  std::ostringstream s;
  s << p.kernel->name << " " << p.values.describe(k.params()) << " on " << p.backend->name()
    << " t=" << p.options.threads << " schedule=" << to_string(p.options.sched)
    << " grain=" << p.options.grain << " pin=" << to_string(p.options.pin);
  return s.str();
}

TEST(property, random_points_give_seqs_result) {
  const std::uint64_t seed = env_or("PARLAB_PROPERTY_SEED", std::random_device{}());
  const std::uint64_t cases = env_or("PARLAB_PROPERTY_CASES", 300);
  std::cout << "property seed: " << seed << " (replay: PARLAB_PROPERTY_SEED=" << seed
            << " ./parlab_tests --gtest_filter='property.*')" << std::endl;
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  const parlab::backend* seq = parlab::find_backend("seq");
  ASSERT_NE(seq, nullptr);

  std::vector<const parlab::kernel_entry*> splitting;
  for (const parlab::kernel_entry& e : parlab::kernels()) {
    // The tests' fault kernel (tests/fault_kernel.cpp) joins this binary's kernels, and its
    // parameters ask it to crash: it is the faults tests' device, not a claim of equality.
    if (e.name == "fault") continue;
    const auto k = e.make();
    parlab::param_values defaults;
    defaults.fill_defaults(k->params());
    if (k->index_space(defaults) > 0) splitting.push_back(&e);
  }
  ASSERT_FALSE(splitting.empty());
  const std::vector<const parlab::backend*> all(parlab::backends().begin(),
                                                parlab::backends().end());
  unsigned checked = 0;
  for (std::uint64_t c = 0; c < cases; ++c) {
    point p{splitting[rng() % splitting.size()], {}, all[rng() % all.size()], {}};
    const auto k = p.kernel->make();
    for (const parlab::param_spec& spec : k->params()) p.values.set(spec.name, draw(spec, rng));
    p.options.threads = 1 + static_cast<unsigned>(rng() % 8);
    p.options.sched = std::array{parlab::schedule::static_, parlab::schedule::dynamic,
                                 parlab::schedule::guided}[rng() % 3];
    const std::size_t n = k->index_space(p.values);
    p.options.grain = rng() % 3 == 0 ? 0 : 1 + rng() % std::max<std::size_t>(n, 1);
    p.options.pin = std::array{parlab::pin_policy::none, parlab::pin_policy::compact,
                               parlab::pin_policy::spread}[rng() % 3];
    k->prepare(p.values);
    const parlab::reduce_task task = k->task();
    if (p.backend->traits().runs_only_waits && !k->has_waiting_items()) continue;
    std::vector<std::byte> want(task.partial_size), got(task.partial_size, std::byte{0xA5});
    seq->run(task, {}, want.data());
    try {
      p.backend->run(task, p.options, got.data());
    } catch (const std::exception& e) {
      ADD_FAILURE() << "case " << c << ": " << describe(p, *k) << " threw: " << e.what();
      continue;
    }
    p.backend->release();
    EXPECT_EQ(std::memcmp(want.data(), got.data(), want.size()), 0)
        << "case " << c << ": " << describe(p, *k) << " differs from seq";
    const parlab::verdict v = k->verify(got.data());
    EXPECT_TRUE(v.ok) << "case " << c << ": " << describe(p, *k) << ": " << v.detail;
    ++checked;
    if (HasFailure()) break;  // the first failing case is the one to replay
  }
  std::cout << "property: " << checked << " points checked\n";
  EXPECT_GT(checked, cases / 2);
}

}  // namespace
