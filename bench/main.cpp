// parlab_bench: the Google Benchmark suite behind `make bench` (scripts/bench.sh runs it and
// summarises bench.json). Besides Google Benchmark's flags it takes:
//   --size_max=N   the headline memory-bound size (default 2e8 int64 = 1.6 GB)
//   --rounds=N     how many times each memory-bound group is repeated (default 3)
//   --settle       run nothing; wait until the machine stops stalling, as the suite does after
//                  freeing gigabytes, and report it (bench/settle.hpp)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bench/grid.hpp"
#include "bench/settle.hpp"
#include "bench/suite.hpp"
#include "runners/gil.hpp"
#include "runners/machine.hpp"

namespace parlab::bench {
namespace {

// CPython's default switch interval (sys.getswitchinterval()), as `--gil` uses by default.
constexpr std::chrono::milliseconds gil_switch_interval = runner::default_switch_interval;

// A backend that ignores the thread count (seq): measuring it at 2, 4 ... would repeat one number.
bool runs_at(const backend& b, unsigned threads) {
  // An event loop runs waits only: it has a group of its own (register_async).
  return !b.traits().runs_only_waits && (b.traits().uses_thread_count || threads == 1);
}

engine_case make_case(std::string family, std::string_view kernel, param_values values,
                      std::vector<std::string> names, std::vector<std::int64_t> args) {
  engine_case c{std::move(family), find_kernel(kernel), std::move(values), std::move(names),
                std::move(args)};
  c.values.fill_defaults(c.kernel->make()->params());
  return c;
}

// One point of the grid: the probe, then each backend right after its own baseline, so that the
// pair runs a second apart (bandwidth drifts by 10-20% over the few seconds a point takes).
void register_sum_point(std::size_t n, unsigned round, unsigned threads, prepared& store) {
  register_probe(n, round, threads, store.data);
  std::set<std::string_view> done;
  param_values v;
  v.set("size", static_cast<double>(n));
  v.set("intensity", 0);
  engine_case c =
      make_case("sum", "sum", v, {"size", "round"}, {static_cast<std::int64_t>(n), round});
  c.beside_baselines = true;
  for (const backend* b : backends()) {
    if (!runs_at(*b, threads)) continue;
    if (const std::string_view own = own_baseline(*b); !own.empty() && done.insert(own).second)
      register_baseline(own, n, round, threads, store);
    register_engine(c, *b, threads, store);
  }
  for (std::string_view impl : baseline_names())  // those no backend claimed
    if (done.insert(impl).second) register_baseline(impl, n, round, threads, store);
}

void register_compute(const grid& g, prepared& store) {
  param_values v;
  v.set("size", static_cast<double>(g.compute_size));
  v.set("intensity", g.intensity);
  for (unsigned round = 0; round < g.rounds; ++round) {
    const engine_case c =
        make_case("sum_compute", "sum", v, {"size", "intensity", "round"},
                  {static_cast<std::int64_t>(g.compute_size), g.intensity, round});
    for (unsigned t : thread_counts(g.cores))
      for (const backend* b : backends())
        if (runs_at(*b, t)) register_engine(c, *b, t, store);
  }
}

// The process backends, or the others: the suite forks before the thread pools grow (below).
std::vector<const backend*> backends_of(bool processes) {
  std::vector<const backend*> out;
  for (const backend* b : backends())
    if ((b->traits().worker == worker_kind::process) == processes) out.push_back(b);
  return out;
}

// Lesson 2's claim, the price of a worker beside the same started and finished by hand, each
// pair back to back: at 2 and 8 workers (the points) and over the thread grid. The
// process backends first, for the reason given for io below.
void register_spawn(const grid& g, prepared& store) {
  std::vector<unsigned> counts = thread_counts(g.cores);
  counts.insert(counts.end(), {2, 8});
  std::ranges::sort(counts);
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  for (const bool processes : {true, false})
    for (unsigned round = 0; round < g.rounds; ++round) {
      const engine_case c = make_case("spawn", "spawn", {}, {"round"}, {round});
      for (unsigned t : counts)
        for (const backend* b : backends_of(processes)) {
          if (!runs_at(*b, t)) continue;
          register_spawn_baseline(own_baseline(*b), t, round, store);  // where one exists
          register_engine(c, *b, t, store);
        }
    }
}

// Lesson 3's claims: the compute-bound sum with and without the emulated GIL at 1 and 2
// workers, back to back, and 3 waits of 100 ms under it on 1 and 3. Only on backends that
// promise concurrency (a claim about 2 workers needs 2 running), and io only where workers
// share the caller's memory: processes hold a lock each, which the sum already shows. The sums
// of a round before its waits: the kernel is prepared again whenever it changes.
void register_gil(const grid& g, prepared& store) {
  param_values sum_v, io_v;
  sum_v.set("size", static_cast<double>(g.compute_size));
  sum_v.set("intensity", g.intensity);
  io_v.set("tasks", 3);
  io_v.set("duration", 0.1);
  const auto size = static_cast<std::int64_t>(g.compute_size);
  for (unsigned round = 0; round < g.rounds; ++round) {
    engine_case plain = make_case("sum_nogil", "sum", sum_v, {"size", "intensity", "round"},
                                  {size, g.intensity, round});
    engine_case held = plain;
    held.family = "sum_gil";
    held.gil_interval = gil_switch_interval;
    engine_case io =
        make_case("io_gil", "io", io_v, {"tasks", "duration_ms", "round"}, {3, 100, round});
    io.gil_interval = gil_switch_interval;
    for (const backend* b : backends())
      if (b->traits().promises_concurrency)
        for (unsigned t : {1U, 2U}) {
          register_engine(plain, *b, t, store);
          register_engine(held, *b, t, store);
        }
    for (const backend* b : backends())
      if (b->traits().promises_concurrency && b->traits().shares_memory)
        for (unsigned t : {1U, 3U}) register_engine(io, *b, t, store);
  }
}

// The first backend of plain threads, all running at once, as many as asked: what a user who
// reaches for threads writes.
const backend* thread_pool() {
  for (const backend* b : backends()) {
    const backend_traits t = b->traits();
    if (t.worker == worker_kind::thread && t.promises_concurrency && t.uses_thread_count &&
        !t.runs_only_waits)
      return b;
  }
  return nullptr;
}

// Lesson 9's claims (kernel mixed: 48 items, each a 50 ms wait then 20 ms of computation), under
// the emulated GIL and without, back to back in each round: one pool of 16 threads, and the split,
// its waits on 8 threads and its computation handed to each process backend with as many
// workers as there are CPUs (a staged run, --cpu-on).
void register_mixed(const grid& g, prepared& store) {
  param_values v;
  v.set("items", 48);
  v.set("duration", 0.05);
  v.set("cpu", 0.02);
  const backend* threads = thread_pool();
  if (threads == nullptr) return;
  for (unsigned round = 0; round < g.rounds; ++round)
    for (const bool gil : {false, true}) {
      engine_case alone =
          make_case(gil ? "mixed_gil" : "mixed", "mixed", v, {"items", "round"}, {48, round});
      if (gil) alone.gil_interval = gil_switch_interval;
      register_engine(alone, *threads, 16, store);
      for (const backend* p : backends_of(true)) {
        if (!p->traits().promises_concurrency || !p->traits().uses_thread_count) continue;
        engine_case split = alone;
        split.family =
            std::string(gil ? "mixed_split_gil" : "mixed_split") + "_" + std::string(p->name());
        split.cpu_on = p;
        split.cpu_workers = g.cores;
        register_engine(split, *threads, 8, store);
      }
    }
}

// The io target, 32 waits of 100 ms on 32 workers, in every round; over the thread grid
// the waits are 10 ms, because one worker takes 32 of them in a row.
void register_io(const grid& g, prepared& store) {
  auto io_case = [&](int duration_ms, unsigned round) {
    param_values v;
    v.set("tasks", g.io_workers);
    v.set("duration", duration_ms / 1000.0);
    return make_case("io", "io", v, {"tasks", "duration_ms", "round"},
                     {g.io_workers, duration_ms, round});
  };
  for (unsigned t : thread_counts(g.cores))
    for (const backend* b : backends())
      if (t != g.io_workers && runs_at(*b, t)) register_engine(io_case(10, 0), *b, t, store);
  // The process backends first, all rounds: a fork copies the page tables of every thread stack
  // the parent holds, and once tbb and omp have grown pools of 32 (62 idle threads here) 32
  // forks took 16 ms instead of 5 (`parlab run -k io -b tbb,omp,fork -t 32`: fork at 0.86).
  for (const bool processes : {true, false}) {
    for (unsigned round = 0; round < g.rounds; ++round) {
      if (processes) register_io_baseline(g.io_workers, 100, round);
      for (const backend* b : backends_of(processes))
        if (runs_at(*b, g.io_workers))
          register_engine(io_case(100, round), *b, g.io_workers, store);
    }
  }
}

// Issue 12's claims: 10,000 and 100,000 waits of 100 ms on one event-loop thread against Asio
// coroutines written by hand, each pair back to back; and threads for comparison, 1,000 and
// 4,000 waits on as many threads; each with its memory.
void register_async(const grid& g, prepared& store) {
  const backend* loop = nullptr;
  for (const backend* b : backends())
    if (loop == nullptr && b->traits().waits_per_worker == 0) loop = b;
  const backend* threads = thread_pool();
  auto waits = [](std::size_t tasks, unsigned round) {
    param_values v;
    v.set("tasks", static_cast<double>(tasks));
    v.set("duration", 0.1);
    engine_case c = make_case("io_many", "io", v, {"tasks", "duration_ms", "round"},
                              {static_cast<std::int64_t>(tasks), 100, round});
    c.measure_memory = true;
    return c;
  };
  for (unsigned round = 0; round < g.rounds; ++round) {
    for (const std::size_t tasks : {10'000, 100'000}) {
      register_async_baseline(tasks, 100, round);
      if (loop != nullptr) register_engine(waits(tasks, round), *loop, 1, store);
    }
    if (threads != nullptr)
      for (const unsigned tasks : {1'000U, 4'000U})
        register_engine(waits(tasks, round), *threads, tasks, store);
  }
}

// As the runner refuses them: a kernel whose roles need each other runs only on a backend that
// promises concurrency, and only at a worker count its values accept.
bool runs_case(const engine_case& c, const backend& b, unsigned threads) {
  const auto k = c.kernel->make();
  if (k->traits().needs_concurrency && !b.traits().promises_concurrency) return false;
  return runs_at(b, threads) && k->worker_problem(c.values, threads).empty();
}

// A kernel added later is measured with its defaults over the thread grid, with no code here.
void register_other_kernels(const grid& g, prepared& store) {
  for (const kernel_entry& k : parlab::kernels()) {
    if (k.name == "sum" || k.name == "io" || k.name == "spawn" || k.name == "mixed")
      continue;  // registered above
    const engine_case c = make_case(std::string(k.name), k.name, {}, {"round"}, {0});
    for (unsigned t : thread_counts(g.cores))
      for (const backend* b : backends())
        if (runs_case(c, *b, t)) register_engine(c, *b, t, store);
  }
}

// The memory-bound sums last: their arrays are gigabytes, and after a large free the guest
// stalls for tens of seconds (bench/settle.hpp), so no timed group may follow them. Their own
// ratios are against hand-written loops in the same state, so the thread pools the groups
// before them grew cost both sides alike.
void register_suite(const grid& g, prepared& store) {
  register_compute(g, store);
  // Before io: its 32 workers grow tbb's and omp's pools to 32, and a fork copies their stacks.
  register_spawn(g, store);
  register_gil(g, store);
  register_mixed(g, store);
  register_io(g, store);
  register_async(g, store);
  register_other_kernels(g, store);
  for (std::size_t n : sum_sizes(g.max_size))
    for (unsigned round = 0; round < g.rounds; ++round)
      for (unsigned t : thread_counts(g.cores)) register_sum_point(n, round, t, store);
}

// Takes --size_max, --rounds and --settle out of argv; false on a bad value.
bool parse_own_flags(int& argc, char** argv, grid& g, bool& settle_only) {
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--settle") {
      settle_only = true;
      continue;
    }
    try {
      if (arg.starts_with("--size_max=")) {
        g.max_size = static_cast<std::size_t>(std::stod(std::string(arg.substr(11))));
        if (g.max_size < 1000) throw std::invalid_argument("below 1000");
        continue;
      }
      if (arg.starts_with("--rounds=")) {
        g.rounds = static_cast<unsigned>(std::stoul(std::string(arg.substr(9))));
        if (g.rounds == 0) throw std::invalid_argument("zero");
        continue;
      }
    } catch (const std::exception&) {
      std::fprintf(stderr, "parlab_bench: bad value in %s (--size_max >= 1000, --rounds >= 1)\n",
                   argv[i]);
      return false;
    }
    argv[out++] = argv[i];
  }
  argc = out;
  return true;
}

// The selected word of a sysfs choice such as "always defer [madvise] never"; "" if unreadable.
std::string sysfs_choice(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  const std::size_t open = line.find('['), close = line.find(']');
  return open < close && close != std::string::npos ? line.substr(open + 1, close - open - 1) : "";
}

// `parlab info` in bench.json's context: the machine facts that move the numbers. THP's defrag
// mode too: whether a fault waits for a huge page decides how much of each array gets one (the
// huge_fraction counters measure it per benchmark).
void add_machine_context() {
  const runner::json facts = runner::machine_facts();
  for (auto it = facts.begin(); it != facts.end(); ++it)
    benchmark::AddCustomContext(it.key().starts_with("parlab_") ? it.key() : "parlab_" + it.key(),
                                it->is_string() ? it->get<std::string>() : it->dump());
  const std::string defrag = sysfs_choice("/sys/kernel/mm/transparent_hugepage/defrag");
  benchmark::AddCustomContext("parlab_thp_defrag", defrag.empty() ? "unknown" : defrag);
}

// The backends as they declare themselves (backend_traits), for the summary: it pairs each
// with its own baseline and judges each target by what the backend is, never by its name.
void add_backends_context() {
  runner::json list = runner::json::array();
  for (const backend* b : backends()) {
    const backend_traits t = b->traits();
    list.push_back({{"name", b->name()},
                    {"baseline", t.baseline},
                    {"worker", to_string(t.worker)},
                    {"uses_thread_count", t.uses_thread_count},
                    {"shares_memory", t.shares_memory},
                    {"promises_concurrency", t.promises_concurrency},
                    {"waits_per_worker", t.waits_per_worker},
                    {"runs_only_waits", t.runs_only_waits}});
  }
  benchmark::AddCustomContext("parlab_backends", list.dump());
}

}  // namespace
}  // namespace parlab::bench

int main(int argc, char** argv) {
  using namespace parlab::bench;
  grid g;
  g.cores = parlab::runner::usable_cpus().cpus;
  benchmark::Initialize(&argc, argv);
  bool settle_only = false;
  if (!parse_own_flags(argc, argv, g, settle_only)) return 2;
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  if (settle_only) {
    const settle_report r = wait_until_settled(g.cores);
    std::printf("%s after %.1f s: %u stalls of all %u CPUs, %.0f ms in all\n",
                r.settled ? "settled" : "still stalling", r.waited_s, r.stalls, g.cores,
                r.stalled_ms);
    return 0;
  }
  add_machine_context();
  add_backends_context();
  // Both outlive every benchmark: they are destroyed after RunSpecifiedBenchmarks returns.
  prepared store;
  store.cores = g.cores;
  register_suite(g, store);
  if (benchmark::RunSpecifiedBenchmarks() == 0) {
    std::fprintf(
        stderr,
        "parlab_bench: no benchmark matches the filter (--benchmark_list_tests lists them)\n");
    benchmark::Shutdown();
    return 2;
  }
  benchmark::Shutdown();
  return 0;
}
