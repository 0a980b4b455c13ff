#include <algorithm>
#include <vector>

#include "runners/lab/lab.hpp"

namespace parlab::runner::lab {

// Each lesson is one file defining one of these; adding a lesson adds one line to each list.
const lesson& sequential_lesson();
const lesson& threading_lesson();
const lesson& multiprocessing_lesson();
const lesson& cpu_vs_io_lesson();
const lesson& race_lesson();
const lesson& gil_lesson();
const lesson& processes_lesson();
const lesson& primitives_lesson();
const lesson& when_to_use_lesson();
const lesson& thousands_lesson();

std::span<const lesson* const> lessons() {
  static const std::vector<const lesson*> all = [] {
    std::vector<const lesson*> v = {
        &sequential_lesson(),  &threading_lesson(), &multiprocessing_lesson(), &cpu_vs_io_lesson(),
        &race_lesson(),        &gil_lesson(),       &processes_lesson(),       &primitives_lesson(),
        &when_to_use_lesson(), &thousands_lesson(),
    };
    // In the notebook's order, wherever a line was added.
    std::sort(v.begin(), v.end(),
              [](const lesson* a, const lesson* b) { return a->number() < b->number(); });
    return v;
  }();
  return all;
}

}  // namespace parlab::runner::lab
