#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "parlab/error.hpp"
#include "parlab/registry.hpp"
#include "runners/machine.hpp"
#include "runners/measure.hpp"
#include "runners/options.hpp"

namespace parlab::runner {

json to_json(const sweep_options& o) {
  json params = json::object();
  for (const auto& [k, v] : o.params.all()) params[k] = v;
  return {{"command", o.command},
          {"kernel", o.kernel},
          {"backend_order", o.backends},
          {"threads_spec", o.threads_spec},
          {"threads", o.threads},
          {"params", params},
          {"reps", o.reps},
          {"warmup", o.warmup},
          {"schedule", to_string(o.sched)},
          {"grain", o.grain},
          {"pin", to_string(o.pin)},
          {"timeout_s", o.timeout_s},
          {"weak", o.weak}};
}

namespace {

struct output_file {
  std::FILE* file = stdout;
  ~output_file() {
    if (file != stdout && file != nullptr) std::fclose(file);
  }
};

std::unique_ptr<reporter> make_reporter(const sweep_options& o, std::FILE* out) {
  switch (o.format) {
    case output_format::csv: return make_csv_reporter(out);
    case output_format::json_doc: return make_json_reporter(out);
    case output_format::table: break;
  }
  return make_table_reporter(out, out == stdout && isatty(STDOUT_FILENO) != 0);
}

}  // namespace

int run_sweep(const sweep_options& o) {
  const kernel_entry* entry = find_kernel(o.kernel);
  if (entry == nullptr) throw usage_error(fmt::format("unknown kernel '{}'", o.kernel));
  const std::unique_ptr<kernel> k = entry->make();
  param_values values = o.params;
  values.fill_defaults(k->params());
  const std::string params = values.describe(k->params());

  output_file out;
  if (!o.output.empty()) {
    out.file = std::fopen(o.output.c_str(), "w");
    if (out.file == nullptr)
      throw usage_error(fmt::format("--output '{}': cannot write: {}", o.output, std::strerror(errno)));
  }
  const std::unique_ptr<reporter> rep = make_reporter(o, out.file);
  const cpu_allowance cpus = usable_cpus();
  rep->begin(machine_facts(), to_json(o));

  k->prepare(values);
  measure_options m;
  m.reps = o.reps;
  m.warmup = o.warmup;
  m.cores = cpus.cpus;
  m.run.sched = o.sched;
  m.run.grain = o.grain;
  m.run.pin = o.pin;

  std::vector<record> records;
  double seq_median = 0;
  bool failed = false;
  auto emit = [&](record r) {
    relate_to_baseline(r, seq_median);
    failed = failed || !r.verified;
    rep->add(r);
    records.push_back(std::move(r));
  };
  // A sweep measures the seq baseline once, first: the denominator of every speedup.
  if (o.command == "sweep") {
    m.run.threads = 1;
    record base = measure(*k, params, *find_backend("seq"), m);
    seq_median = base.verified ? base.median_s : 0;
    emit(std::move(base));
  }
  for (const std::string& name : o.backends) {
    const backend* b = find_backend(name);
    if (o.command == "sweep" && name == "seq") continue;  // already measured
    for (unsigned t : o.threads) {
      m.run.threads = t;
      emit(measure(*k, params, *b, m));
      if (name == "seq") break;  // seq ignores the thread count
    }
  }
  rep->end(o.command == "sweep" ? fit_backends(records) : std::vector<backend_fit>{});
  if (failed) fmt::print(stderr, "parlab: FAILED: at least one run failed or did not verify (see 'NO' rows)\n");
  return failed ? 1 : 0;
}

}  // namespace parlab::runner
