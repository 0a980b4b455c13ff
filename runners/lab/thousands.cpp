#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <span>

#include "parlab/error.hpp"
#include "runners/lab/lab.hpp"
#include "runners/units.hpp"

namespace parlab::runner::lab {
namespace {

// The waits of each trial, on both backends; --quick stops at 10,000 with shorter waits.
constexpr std::array<unsigned, 5> all_waits = {10, 100, 1000, 10000, 100000};
constexpr std::size_t points_quick = 4;
constexpr double wait_s = 0.1, wait_quick_s = 0.02;
// Threads run one per wait up to the cap and several waits each beyond it. 4,000 threads are
// about 35 GB of address space here (an 8 MB stack each), well inside what the CLI allows.
constexpr unsigned thread_cap = 4000, thread_cap_quick = 1000;
static_assert(thread_cap <= max_threads);
// Where the two are compared for memory, one thread per wait in both modes; and where async
// must hold every wait in flight in about one wait's time.
constexpr unsigned compared_waits = 1000, loop_waits = 10000;
// An event loop's wait costs a coroutine frame (~200 bytes here), a thread's a stack (~8 KB
// resident): at least this factor apart, whatever the machine's noise.
constexpr double memory_factor = 5;

std::string threads_label(unsigned waits) { return fmt::format("threads, {} waits", waits); }
std::string async_label(unsigned waits) { return fmt::format("async, {} waits", waits); }

// 1,000 and 100,000: the waits as the notebook writes them.
std::string count(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// The memory columns read "-" where /proc could not be reset (peak_rss_bytes 0) or read.
bool has_memory(const record& r) { return r.peak_rss_bytes > 0; }

const trial* maybe(const std::vector<trial>& trials, const std::string& label) {
  const auto it =
      std::find_if(trials.begin(), trials.end(), [&](const trial& t) { return t.label == label; });
  return it == trials.end() ? nullptr : &*it;
}

unsigned waits_per_thread(unsigned waits, const record& r) {
  return r.threads == 0 ? 0 : (waits + r.threads - 1) / r.threads;
}

// Notebook section 10: thousands of waits. A thread per wait holds each in flight at the price
// of a stack and a kernel thread; an event loop holds every one on one thread, a coroutine frame
// each, until something on that thread computes.
class thousands final : public lesson {
 public:
  std::string_view name() const override { return "thousands"; }
  unsigned number() const override { return 10; }
  std::string_view claim() const override {
    return "async on 1 thread holds 10,000 waits in flight in about one wait's time, with at "
           "least 5x less memory per wait than a thread per wait; threads beyond a cap run "
           "several waits each and take longer";
  }

  std::vector<trial> measure(context& ctx) const override {
    const backend& threads = concurrent(worker_kind::thread);
    const backend& loop = event_loop();
    const std::span<const unsigned> points =
        std::span(all_waits).first(ctx.quick() ? points_quick : all_waits.size());
    const unsigned cap = ctx.quick() ? thread_cap_quick : thread_cap;
    const double duration = ctx.quick() ? wait_quick_s : wait_s;
    // async first: the malloc arenas that threads leave behind would count in its virtual size.
    std::vector<trial> out;
    for (const bool on_threads : {false, true})
      for (const unsigned waits : points) {
        const std::vector<setting> io = {{"tasks", static_cast<double>(waits)},
                                         {"duration", duration}};
        out.push_back(on_threads ? ctx.measure({threads_label(waits), "io", io, threads,
                                                std::min(waits, cap)})
                                 : ctx.measure({async_label(waits), "io", io, loop, 1}));
      }
    return out;
  }

  outcome judge(std::vector<trial> trials) const override {
    checks c;
    check_loop(c, find(trials, async_label(loop_waits)));
    check_memory(c, find(trials, threads_label(compared_waits)),
                 find(trials, async_label(compared_waits)));
    check_beyond_cap(c, trials);
    note_limits(c, trials);
    column threads = col::workers();
    threads.header = "threads";
    table t =
        tabulate(trials, {col::backend(), col::param("tasks", "waits"), threads, col::median(),
                          col::ideal(), efficiency(), peak_rss(), per_wait(), virtual_size()});
    return {std::move(trials), std::move(t), c.result()};
  }

 private:
  static column efficiency() {
    return {"efficiency", [](const record& r) {
              return r.ideal_s > 0 && r.median_s > 0 ? fmt::format("{:.2f}", r.ideal_s / r.median_s)
                                                     : std::string("-");
            }};
  }
  static column peak_rss() {
    return {"peak RSS", [](const record& r) {
              return has_memory(r) ? bytes(static_cast<double>(r.peak_rss_bytes)) : "-";
            }};
  }
  static column per_wait() {
    return {"bytes/wait",
            [](const record& r) { return has_memory(r) ? bytes(r.bytes_per_task) : "-"; }};
  }
  static column virtual_size() {
    return {"virtual", [](const record& r) {
              return r.vm_peak_bytes > 0 ? bytes(static_cast<double>(r.vm_peak_bytes)) : "-";
            }};
  }

  static void check_loop(checks& c, const record& r) {
    c.must(near_ideal(r) && r.threads == 1,
           fmt::format("on {} thread {} held {} waits in flight: {} (one wait: {}, at most {} "
                       "expected)",
                       r.threads, r.backend, count(loop_waits), seconds(r.median_s),
                       seconds(r.ideal_s), seconds(timing_margin * r.ideal_s)));
  }

  static void check_memory(checks& c, const record& threads, const record& loop) {
    const std::string said = fmt::format(
        "at {} waits a thread per wait grew the resident size by {} per wait, {} by {} (at "
        "least {:.0f}x less expected)",
        count(compared_waits), bytes(threads.bytes_per_task), loop.backend,
        bytes(loop.bytes_per_task), memory_factor);
    if (!has_memory(threads) || !has_memory(loop))
      return c.cannot_show(
          fmt::format("the resident size could not be measured here (/proc/self/clear_refs "
                      "cannot be written), so the memory per wait of {} and {} cannot be told "
                      "apart",
                      threads.backend, loop.backend));
    c.must(
        threads.bytes_per_task > 0 && memory_factor * loop.bytes_per_task <= threads.bytes_per_task,
        said);
  }

  // Every threads trial with more waits than threads: each thread runs its waits in a row, so the
  // run takes its waits per thread times one wait, more than timing_margin x one wait.
  static void check_beyond_cap(checks& c, std::vector<trial>& trials) {
    bool any = false;
    for (const unsigned waits : all_waits) {
      const trial* t = maybe(trials, threads_label(waits));
      if (t == nullptr || t->rec.threads >= waits) continue;
      any = true;
      const record& r = t->rec;
      const record& loop = find(trials, async_label(waits));
      const double one = loop.ideal_s;
      c.must(one > 0 && r.median_s > timing_margin * one,
             fmt::format("beyond the cap {} waits on {} threads ran up to {} each in a row: {} "
                         "(one wait: {}, more than {} expected; {} took {} for them all)",
                         count(waits), count(r.threads), waits_per_thread(waits, r),
                         seconds(r.median_s), seconds(one), seconds(timing_margin * one),
                         loop.backend, seconds(loop.median_s)));
    }
    if (!any) throw run_error("no threads trial had more waits than threads");
  }

  // Where each stops being the right tool, in this run's numbers. The address space a thread
  // maps is told from two runs of one thread per wait, so that what the process had mapped
  // before (malloc's arenas, its own stacks) does not count.
  static void note_limits(checks& c, std::vector<trial>& trials) {
    const record& few = find(trials, threads_label(compared_waits / 10));
    const record& many = find(trials, threads_label(compared_waits));
    std::vector<std::string> cost;
    if (has_memory(many)) cost.push_back(fmt::format("{} resident", bytes(many.bytes_per_task)));
    const bool mapped = many.vm_peak_bytes > few.vm_peak_bytes && many.threads > few.threads;
    if (mapped)
      cost.push_back(fmt::format("{} of address space",
                                 bytes(static_cast<double>(many.vm_peak_bytes - few.vm_peak_bytes) /
                                       (many.threads - few.threads))));
    c.note(fmt::format(
        "threads stop being the right tool at thousands of waits: each wait holds a thread, a "
        "stack and a kernel task{}{}, and {} of them took {} to run one {} wait each",
        cost.empty() ? "" : fmt::format(", here {} each", fmt::join(cost, " and ")),
        mapped ? " (a stack is mapped whole and mostly never touched)" : "", count(many.threads),
        seconds(many.median_s), seconds(many.ideal_s)));
    c.note(
        "async holds every wait on one thread, but that thread runs everything: a CPU-bound step "
        "in one task holds up every other wait, so computation goes to threads or processes "
        "beside the loop (lesson 9, when-to-use)");
  }
};

}  // namespace

const lesson& thousands_lesson() {
  static const thousands l;
  return l;
}

}  // namespace parlab::runner::lab
