#include <exception>

#include "runners/reporter.hpp"

namespace parlab::runner {
namespace {

class composite_reporter final : public reporter {
 public:
  explicit composite_reporter(std::vector<std::unique_ptr<reporter>> sinks)
      : sinks_(std::move(sinks)) {}

  void begin(const json& machine, const json& config) override {
    for (auto& s : sinks_) s->begin(machine, config);
  }
  void add(const record& r) override {
    for (auto& s : sinks_) s->add(r);
  }
  void end(const std::vector<backend_fit>& fits) override {
    each_then_rethrow([&](reporter& s) { s.end(fits); });
  }
  void abandon(const std::vector<backend_fit>& fits, const stop_reason& why) override {
    each_then_rethrow([&](reporter& s) { s.abandon(fits, why); });
  }

 private:
  // One sink's failure (gnuplot missing) must not cost the others their output.
  template <class F>
  void each_then_rethrow(F f) {
    std::exception_ptr first;
    for (auto& s : sinks_) {
      try {
        f(*s);
      } catch (...) {
        if (!first) first = std::current_exception();
      }
    }
    if (first) std::rethrow_exception(first);
  }

  std::vector<std::unique_ptr<reporter>> sinks_;
};

}  // namespace

std::unique_ptr<reporter> make_composite_reporter(std::vector<std::unique_ptr<reporter>> sinks) {
  return std::make_unique<composite_reporter>(std::move(sinks));
}

}  // namespace parlab::runner
