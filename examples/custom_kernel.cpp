// A kernel defined outside parlab's kernels/, run on every backend the engine has: what a
// program embedding parlab::engine writes. Counts the primes below n by trial division.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <parlab/engine.hpp>

namespace {

class prime_count final : public parlab::typed_kernel<std::uint64_t> {
 public:
  std::string_view name() const override { return "primes"; }
  std::string_view description() const override { return "primes below --size by trial division"; }
  std::vector<parlab::param_spec> params() const override {
    return {{"size", parlab::param_kind::size, 200000, "count primes below this", 0}};
  }
  void prepare(const parlab::param_values& v) override { n_ = v.count("size"); }
  std::uint64_t body(parlab::index_range r) const override {
    std::uint64_t found = 0;
    for (std::uint64_t i = r.begin; i < r.end; ++i) found += is_prime(i) ? 1 : 0;
    return found;
  }
  std::uint64_t combine(const std::uint64_t& a, const std::uint64_t& b) const override {
    return a + b;
  }
  parlab::verdict check(const std::uint64_t& got) const override {
    std::uint64_t want = 0;  // the reference: the same test, one index at a time, no backend
    for (std::uint64_t i = 0; i < n_; ++i) want += is_prime(i) ? 1 : 0;
    return {got == want, std::to_string(got) + " primes, expected " + std::to_string(want)};
  }
  parlab::work_amount work() const override { return {0, static_cast<double>(n_), 0}; }

 protected:
  std::size_t task_size() const override { return n_; }

 private:
  static bool is_prime(std::uint64_t x) {
    if (x < 2) return false;
    for (std::uint64_t d = 2; d * d <= x; ++d)
      if (x % d == 0) return false;
    return true;
  }
  std::uint64_t n_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  prime_count k;
  parlab::param_values values;
  values.set("size", argc > 1 ? std::atof(argv[1]) : 200000);
  values.fill_defaults(k.params());
  k.prepare(values);
  const parlab::reduce_task task = k.task();
  int failures = 0;
  for (const parlab::backend* b : parlab::backends()) {
    if (b->traits().runs_only_waits) continue;  // an event loop runs waits, not computation
    std::uint64_t result = 0;
    try {
      const parlab::run_report report = b->run(task, {.threads = 3}, &result);
      const parlab::verdict v = k.verify(&result);
      std::printf("%-8s %s  workers_seen=%u  %s\n", std::string(b->name()).c_str(),
                  v.ok ? "ok  " : "FAIL", report.workers_seen, v.detail.c_str());
      failures += v.ok ? 0 : 1;
    } catch (const parlab::run_error& e) {
      std::printf("%-8s FAIL %s\n", std::string(b->name()).c_str(), e.what());
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}
