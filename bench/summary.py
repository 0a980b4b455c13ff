#!/usr/bin/env python3
"""Summarise parlab_bench's Google Benchmark JSON: the engine against hand-written baselines and
against the read-bandwidth probe, and the performance targets of issues 4, 10, 11 and 12, met
or missed.

Ratios are taken within one round (the engine, the baselines and the probe of one point run back
to back, seconds apart) and the median over rounds is shown: on a shared machine bandwidth moves
by tens of percent from one minute to the next, so only ratios measured close together mean
anything.

usage: summary.py BENCH_JSON [--out FILE]
"""
import argparse
import json
import statistics
from collections import defaultdict

UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
SMALL = 100_000  # 1e3..1e5: where per-call overhead shows


def parse_name(name):
    """'sum/tbb/size:1000/round:0/threads:2/real_time' -> ('sum', 'tbb', {'size': 1000, ...})"""
    parts = [p for p in name.split("/") if p != "real_time"]
    impl = parts[1] if len(parts) > 1 and ":" not in parts[1] else ""
    args = {}
    for p in parts[1 if not impl else 2:]:
        key, _, value = p.partition(":")
        args[key] = int(value)
    return parts[0], impl, args


def load(path):
    """Times in seconds by (family, impl, size, round, threads); repetitions give their median."""
    with open(path) as f:
        doc = json.load(f)
    runs, counters, errors = defaultdict(list), {}, []
    for b in doc["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration":
            continue
        if b.get("error_occurred"):
            errors.append(f"{b['name']}: {b.get('error_message', '')}")
            continue
        family, impl, args = parse_name(b.get("run_name", b["name"]))
        key = (family, impl, args.get("size", args.get("tasks", args.get("items", 0))),
               args.get("round", 0),
               args.get("threads", 1))
        runs[key].append(b["real_time"] * UNIT_SECONDS[b.get("time_unit", "ns")])
        counters[key] = {**b, "args": args}
    return doc["context"], {k: statistics.median(v) for k, v in runs.items()}, counters, errors


def ratio(a, b):
    return a / b if a and b else None


def fmt_size(n):
    e = len(str(n)) - 1
    return f"{n / 10 ** e:g}e{e}"


def med(v):
    return v[0] if v else None


def cell(v, width=8):
    return f"{v[0]:{width}.2f}" if v else f"{'-':>{width}}"


def spread(v):
    return f"{v[0]:.2f} [{v[1]:.2f}-{v[2]:.2f}]" if v else "-"


def backend_traits(context):
    """{name: traits} in registry order, as parlab_bench wrote them (parlab_backends: each
    backend's name, baseline, worker, uses_thread_count, shares_memory, promises_concurrency);
    None when the run recorded none."""
    try:
        return {b["name"]: b for b in json.loads(context["parlab_backends"])}
    except (ValueError, TypeError, KeyError):
        return None


class Suite:
    def __init__(self, context, times, counters):
        self.context, self.times, self.counters = context, times, counters
        self.llc = last_level_cache(context)
        self.traits = backend_traits(context)

    def trait(self, b, key, default=None):
        return (self.traits or {}).get(b, {}).get(key, default)

    def own(self, b):
        """The hand-written loop backend b is compared with for its own overhead; "" if none."""
        return self.trait(b, "baseline", "")

    def of_worker(self, worker):
        return [b for b in self.traits or {} if self.trait(b, "worker") == worker]

    def reference(self):
        """The backend that ignores the thread count (seq): the one-worker reference."""
        return next((b for b in self.traits or {} if not self.trait(b, "uses_thread_count", True)),
                    None)

    def t(self, family, impl, size, rnd, threads):
        return self.times.get((family, impl, size, rnd, threads))

    def values(self, family, index, **match):
        pos = {"impl": 1, "size": 2, "round": 3, "threads": 4}
        return sorted({k[index] for k in self.times if k[0] == family and
                       all(k[pos[m]] == v for m, v in match.items())})

    def backends(self, family):
        found, order = self.values(family, 1), list(self.traits or {})
        return sorted(found, key=lambda b: (order.index(b) if b in order else len(order), b))

    def best_impl(self, size, threads):
        """The baseline with the best median time over rounds. Chosen once, not per round: the
        fastest of five noisy times is biased low, and would flatter no one but the baselines."""
        medians = {}
        for impl in self.values("baseline_sum", 1, size=size, threads=threads):
            ts = [self.t("baseline_sum", impl, size, r, threads)
                  for r in self.values("baseline_sum", 3, size=size, threads=threads)]
            ts = [t for t in ts if t]
            if ts:
                medians[impl] = statistics.median(ts)
        return min(medians, key=medians.get) if medians else None

    def best_baseline(self, size, rnd, threads):
        impl = self.best_impl(size, threads)
        return self.t("baseline_sum", impl, size, rnd, threads) if impl else None

    def best_of(self, family, impl, size, threads):
        """The fastest round: noise here only ever adds time."""
        ts = [self.t(family, impl, size, r, threads) for r in self.values(family, 3, size=size, threads=threads)]
        ts = [t for t in ts if t]
        return min(ts) if ts else None

    def probe_gbs(self, size, rnd, threads):
        return gbs(size, self.t("bandwidth_probe", "", size, rnd, threads))

    def per_round(self, family, size, threads, fn):
        """(median, min, max) of fn(round) over the rounds measured; None if none."""
        vals = [fn(r) for r in self.values(family, 3, size=size, threads=threads)]
        vals = [v for v in vals if v is not None]
        return (statistics.median(vals), min(vals), max(vals)) if vals else None

    def size_class(self, n):
        if n <= SMALL:
            return "small"
        if self.llc is None:
            return "?"
        return "LLC" if n * 8 <= self.llc else "DRAM"


def last_level_cache(context):
    """Bytes of last-level cache in the machine block the run recorded (parlab_topology, from
    hwloc: the deepest level, every instance), or None when the run recorded none."""
    try:
        caches = json.loads(context.get("parlab_topology", "{}")).get("caches", [])
        top = max(caches, key=lambda c: c["level"])
        return top["size_bytes"] * top.get("count", 1)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def gbs(n, seconds):
    return n * 8 / seconds / 1e9 if seconds else None


def header(s, out):
    c = s.context
    out.append("parlab bench summary")
    llc = f"LLC {s.llc / 2 ** 20:g} MiB" if s.llc else "LLC unknown"
    out.append(f"  machine: {c.get('parlab_cpu_model', '?')}, {c.get('parlab_usable_cpus', '?')} "
               f"usable CPUs, {llc}, THP {c.get('parlab_transparent_hugepages', '?')}"
               f" (defrag {c.get('parlab_thp_defrag', '?')})")
    if s.traits is None:
        out.append("  no backend traits in the run's context (parlab_backends): backends are not "
                   "paired with their own baselines, and no target that depends on what a backend "
                   "is (its worker kind, its own baseline) is judged")
    if s.llc is None:
        out.append("  no last-level cache size in the run's machine block (parlab_topology): sizes "
                   "above 1e5 are not classed LLC or DRAM, and the DRAM targets are not judged")
    out.append(f"  build: {c.get('parlab_compiler', '?')} {c.get('parlab_build_type', '?')}"
               f" {c.get('parlab_flags', '').strip()}, parlab {c.get('parlab_version', '?')}"
               f" ({c.get('parlab_git_revision', '?')}), run {c.get('date', '?')}")
    out.append(f"  load average at start: {c.get('load_avg', '?')}")
    for b in s.counters.values():
        if "settle_s" in b:
            state = "settled" if b.get("settled") else "still stalling: what follows is noisy"
            out.append(f"  before {b['name'].removesuffix('/real_time')}: {b['settle_freed_gb']:.1f} GB"
                       f" freed, waited {b['settle_s']:.1f} s for the machine to settle"
                       f" ({b['settle_stalls']:.0f} stalls, {b['settle_stalled_ms']:.0f} ms; {state})")
    out.append("")


def grid_table(s, title, note, fn, out):
    sizes = s.values("sum", 2)
    rows = [(b, t) for b in s.backends("sum") for t in s.values("sum", 4, impl=b)]
    out += [title, note]
    out.append(f"{'backend@threads':<16}" + "".join(f"{fmt_size(n):>8}" for n in sizes))
    out.append(f"{'size class':<16}" + "".join(f"{s.size_class(n):>8}" for n in sizes))
    results = {}
    for b, t in rows:
        vals = [fn(b, n, t) for n in sizes]
        results[(b, t)] = dict(zip(sizes, vals))
        out.append(f"{b + '@' + str(t):<16}" + "".join(cell(v) for v in vals))
    out.append("")
    return results


def vs_best(s, out):
    return grid_table(
        s, "Memory-bound sum: engine vs the best hand-written baseline at the same size and threads",
        "(best baseline time / engine time, median over rounds; 1.00 = no overhead, above 1 = faster)",
        lambda b, n, t: s.per_round("sum", n, t, lambda r: ratio(
            s.best_baseline(n, r, t), s.t("sum", b, n, r, t))), out)


def vs_own(s, out):
    return grid_table(
        s, "Per-call overhead: engine time / its own raw baseline (target <= 1.5 on 1e3..1e5)",
        "(seq: plain loop; threads: std::thread per call; tbb: parallel_reduce in a kept arena;\n"
        " omp: reduction(+:s); fork: fork() per call; forkpool: a pool of processes forked once\n"
        " by hand (procpool); every fork child inherits one array, the one it reads)",
        lambda b, n, t: s.per_round("sum", n, t, lambda r: ratio(
            s.t("sum", b, n, r, t), s.t("baseline_sum", s.own(b), n, r, t))), out)


def headline(s, out):
    """The largest size measured on all usable CPUs; nothing when that was filtered out."""
    t = int(s.context.get("parlab_usable_cpus", 0) or 0)
    sizes = s.values("sum", 2, threads=t)
    if not sizes:
        return {}, None
    n = max(sizes)
    out.append(f"Headline: memory-bound sum of {fmt_size(n)} int64 ({n * 8 / 1e9:.1f} GB) on {t} "
               f"threads, median [min-max] over rounds; best baseline: {s.best_impl(n, t)}")
    out.append(f"{'':<20}{'GB/s':>8}   {'x best baseline':<22}{'x probe':<22}")
    probe = s.per_round("sum", n, t, lambda r: s.probe_gbs(n, r, t))
    out.append(f"{'bandwidth probe':<20}{cell(probe)}")
    rows = {}
    impls = [("baseline_sum", i) for i in s.values("baseline_sum", 1, size=n, threads=t)]
    impls += [("sum", b) for b in s.backends("sum") if t in s.values("sum", 4, impl=b)]
    for fam, impl in impls:
        bw = s.per_round("sum", n, t, lambda r: gbs(n, s.t(fam, impl, n, r, t)))
        base = s.per_round("sum", n, t, lambda r: ratio(s.best_baseline(n, r, t),
                                                        s.t(fam, impl, n, r, t)))
        probe_frac = s.per_round("sum", n, t, lambda r: ratio(gbs(n, s.t(fam, impl, n, r, t)),
                                                              s.probe_gbs(n, r, t)))
        label = ("baseline " if fam == "baseline_sum" else "engine ") + impl
        rows[impl if fam == "sum" else label] = (base, probe_frac)
        out.append(f"{label:<20}{cell(bw)}   {spread(base):<22}{spread(probe_frac):<22}")
    out.append("")
    return rows, n


def span(vals):
    lo, hi = min(vals), max(vals)
    return f"{lo:.0%}" if round(lo, 2) == round(hi, 2) else f"{lo:.0%}-{hi:.0%}"


def huge_pages(s, out):
    """How much of each array sat in huge pages after its benchmarks (smaps AnonHugePages), one
    line per size: it decides what a fork costs and how fast a stream runs."""
    groups = {"engine": ("sum", "sum_compute"), "baselines": ("baseline_sum", "bandwidth_probe")}
    seen = defaultdict(lambda: defaultdict(list))
    for k, c in s.counters.items():
        for who, families in groups.items():
            if k[0] in families and "huge_fraction" in c:
                seen[k[2]][who].append(c["huge_fraction"])
    if not seen:
        return
    out.append("Huge pages: share of each array in 2 MiB pages after its benchmarks, [min-max] "
               "(smaps AnonHugePages)")
    out.append(f"{'size':<10}{'kernel data (engine)':>22}{'baselines and probe':>22}")
    for n in sorted(seen):
        cells = [span(seen[n][who]) if seen[n][who] else "-" for who in groups]
        out.append(f"{fmt_size(n):<10}" + "".join(f"{c:>22}" for c in cells))
    out.append("")


def compute_efficiency(s, out):
    sizes, ref = s.values("sum_compute", 2), s.reference()
    if not sizes or 2 not in s.values("sum_compute", 4) or ref is None:
        return {}
    n = sizes[0]
    intensity = next(c["args"].get("intensity") for k, c in s.counters.items()
                     if k[0] == "sum_compute")
    out.append(f"Compute-bound sum (size {fmt_size(n)}, intensity {intensity}): parallel efficiency"
               f" at 2 threads = T({ref}, 1) / (2 T(backend, 2)), target >= 0.95")
    out.append(f"{'':<12}{'per round: median [min-max]':<30}{'best of rounds':>14}")
    res = {}
    for b in s.backends("sum_compute"):
        if b == ref:
            continue
        res[b] = s.per_round("sum_compute", n, 2, lambda r: ratio(
            s.t("sum_compute", ref, n, r, 1), 2 * (s.t("sum_compute", b, n, r, 2) or 0)))
        best = ratio(s.best_of("sum_compute", ref, n, 1),
                     2 * (s.best_of("sum_compute", b, n, 2) or 0))
        out.append(f"  {b:<10}{spread(res[b]):<30}{best if best else 0:>14.2f}")
    out.append("")
    return res


def io_efficiency(s, out):
    tasks = s.values("io", 2)
    if not tasks:
        return {}
    n = tasks[0]
    threads = s.values("io", 4)
    ms = {t: next(c["args"].get("duration_ms") for k, c in s.counters.items()
                  if k[0] == "io" and k[4] == t) for t in threads}
    out.append(f"io: {n} waits, efficiency = ideal / wall, ideal = ceil({n} / workers) x wait; "
               f"target >= 0.97 for 100 ms waits on {n} workers")
    out.append(f"{'backend':<12}" + "".join(f"{f'@{t} ({ms[t]} ms waits)':>24}" for t in threads))
    res = {}
    for b in s.backends("io"):
        vals = [s.per_round("io", n, t, lambda r: ratio(
            s.counters.get(("io", b, n, r, t), {}).get("ideal_s"), s.t("io", b, n, r, t)))
            for t in threads]
        if threads[-1] == n and ms[threads[-1]] == 100:
            res[b] = vals[-1]
        out.append(f"{b:<12}" + "".join(f"{spread(v):>24}" for v in vals))
    raw = s.per_round("baseline_io", n, n, lambda r: ratio(
        s.counters.get(("baseline_io", "fork", n, r, n), {}).get("ideal_s"),
        s.t("baseline_io", "fork", n, r, n)))
    if raw:
        res["raw fork"] = raw
        out.append(f"{'raw fork':<12}" +
                   "".join(f"{spread(raw) if t == n else '':>24}" for t in threads) +
                   "   (fork() by hand, no engine: the floor for fork)")
    out.append("")
    return res


def per_worker_us(s, family, impl, rnd, threads):
    """A spawn run's time per worker: its spawn_us_per_worker counter, or time / workers seen."""
    c = s.counters.get((family, impl, 0, rnd, threads))
    if not c:
        return None
    if "spawn_us_per_worker" in c:
        return c["spawn_us_per_worker"]
    t, seen = s.t(family, impl, 0, rnd, threads), c.get("workers_seen")
    return t * 1e6 / seen if t and seen else None


def workers_seen(s, family, impl, threads):
    seen = sorted({c.get("workers_seen") for k, c in s.counters.items()
                   if k[:2] == (family, impl) and k[4] == threads and "workers_seen" in c})
    return "/".join(f"{v:g}" for v in seen) or "-"


def spawn_costs(s, out):
    """The price of a worker on each backend, beside the hand-written loop of the same kind (its
    own baseline) in the same round. Returns {(backend, workers): (median, min, max) ratio}."""
    if not s.values("spawn", 1):
        return {}
    out.append("spawn: the price of a worker, us per worker = run time / workers seen (threads: "
               "N - 1 std::threads plus the caller as worker 0, by hand too), median [min-max] "
               "over rounds; target engine / by hand <= 1.3 at 2 and 8 workers")
    out.append(f"{'backend@threads':<18}{'engine us':>22}{'seen':>6}   {'by hand':<10}"
               f"{'us':>20}{'seen':>6}   {'engine / by hand':<20}")
    res = {}
    for b in s.backends("spawn"):
        own = s.own(b) if s.own(b) in s.values("baseline_spawn", 1) else ""
        for t in s.values("spawn", 4, impl=b):
            eng = s.per_round("spawn", 0, t, lambda r: per_worker_us(s, "spawn", b, r, t))
            line = f"{b + '@' + str(t):<18}{spread(eng):>22}{workers_seen(s, 'spawn', b, t):>6}"
            if own:
                hand = s.per_round("spawn", 0, t, lambda r: per_worker_us(s, "baseline_spawn", own, r, t))
                res[(b, t)] = s.per_round("spawn", 0, t, lambda r: ratio(
                    per_worker_us(s, "spawn", b, r, t), per_worker_us(s, "baseline_spawn", own, r, t)))
                line += (f"   {own:<10}{spread(hand):>20}{workers_seen(s, 'baseline_spawn', own, t):>6}"
                         f"   {spread(res[(b, t)]):<20}")
            out.append(line)
    out.append("")
    return res


def gil_ratio(s, family, b, n, r, fast, slow=None, fast_family=None):
    """T(slow) / T(fast) within round r: a gain across worker counts, or a cost across families."""
    return ratio(s.t(family, b, n, r, slow), s.t(fast_family or family, b, n, r, fast))


def gil_sum(s, out):
    """The compute-bound sum with and without the emulated GIL, at 1 and 2 workers, per round."""
    sizes = s.values("sum_gil", 2)
    if not sizes:
        return {}
    n = sizes[0]
    out.append(f"The emulated GIL (--gil), compute-bound sum of {fmt_size(n)}: ms per run, gain = "
               "T(1 worker) / T(2 workers) in the same round, median [min-max] over rounds")
    out.append(f"{'backend':<10}{'gil':<12}" + "".join(f"{h:>11}" for h in (
        "free@1", "gil@1", "free@2", "gil@2")) + f"   {'gain free':<19}{'gain gil':<19}"
        f"{'gil / free gain':<19}{'gil@1 / free@1':<19}")
    res = {}
    for b in s.backends("sum_gil"):
        ms = [s.per_round(f, n, t, lambda r: 1e3 * (s.t(f, b, n, r, t) or 0) or None)
              for t in (1, 2) for f in ("sum_nogil", "sum_gil")]
        free = s.per_round("sum_nogil", n, 2, lambda r: gil_ratio(s, "sum_nogil", b, n, r, 2, 1))
        held = s.per_round("sum_gil", n, 2, lambda r: gil_ratio(s, "sum_gil", b, n, r, 2, 1))
        kept = s.per_round("sum_gil", n, 2, lambda r: ratio(
            gil_ratio(s, "sum_gil", b, n, r, 2, 1), gil_ratio(s, "sum_nogil", b, n, r, 2, 1)))
        cost = s.per_round("sum_gil", n, 1, lambda r: gil_ratio(s, "sum_gil", b, n, r, 1, 1, "sum_nogil"))
        gil = {1: "held", 0: "per-process"}.get(next((c.get("gil_held") for k, c in s.counters.items()
                                                     if k[:2] == ("sum_gil", b)), None), "?")
        res[b] = {"gain": held, "kept": kept, "cost": cost, "free": free}
        out.append(f"{b:<10}{gil:<12}" + "".join(cell(v, 11) for v in ms) +
                   "".join(f"   {spread(v):<16}" for v in (free, held, kept, cost)))
    out.append("")
    return res


def gil_io(s, out):
    """3 waits under the emulated GIL on 1 and on 3 workers: the lock is let go while waiting."""
    tasks = s.values("io_gil", 2)
    if not tasks:
        return {}
    n = tasks[0]
    out.append(f"The emulated GIL and io: {n} waits under --gil, ms per run, speedup = T(1) / T({n})"
               " in the same round")
    out.append(f"{'backend':<10}{'@1':>11}{f'@{n}':>11}   speedup")
    res = {}
    for b in s.backends("io_gil"):
        ms = [s.per_round("io_gil", n, t, lambda r: 1e3 * (s.t("io_gil", b, n, r, t) or 0) or None)
              for t in (1, n)]
        res[b] = s.per_round("io_gil", n, n, lambda r: gil_ratio(s, "io_gil", b, n, r, n, 1))
        out.append(f"{b:<10}" + "".join(cell(v, 11) for v in ms) + f"   {spread(res[b])}")
    out.append("")
    return res, n


def when_to_use(s, out):
    """Lesson 9 (issue 11): kernel mixed on one pool of threads and split over threads and a
    process backend (a staged run), with and without the emulated GIL, ratios within a round."""
    items = s.values("mixed", 2)
    if not items:
        return {}
    n, res = items[0], {}
    splits = sorted({f[len("mixed_split_"):] for f, *_ in s.times if f.startswith("mixed_split_")
                     and not f.startswith("mixed_split_gil_")})
    out.append(f"When to use what (lesson 9): {n} items of a 50 ms wait then 20 ms of work, ms per "
               "run; threads alone on 16, the split's waits on 8 threads, its work on --cpu-on")
    out.append(f"{'strategy':<28}{'no gil':>11}{'gil':>11}")
    alone = [s.per_round(f, n, 16, lambda r, f=f: 1e3 * (s.t(f, "threads", n, r, 16) or 0) or None)
             for f in ("mixed", "mixed_gil")]
    out.append(f"{'threads alone':<28}" + "".join(cell(v, 11) for v in alone))
    for p in splits:
        fams = (f"mixed_split_{p}", f"mixed_split_gil_{p}")
        ms = [s.per_round(f, n, 8, lambda r, f=f: 1e3 * (s.t(f, "threads", n, r, 8) or 0) or None)
              for f in fams]
        out.append(f"{'split, cpu on ' + p:<28}" + "".join(cell(v, 11) for v in ms))
        res[p] = {
            "gil_win": s.per_round(fams[1], n, 8, lambda r: ratio(
                s.t("mixed_gil", "threads", n, r, 16), s.t(fams[1], "threads", n, r, 8))),
            "free_gap": s.per_round(fams[0], n, 8, lambda r: ratio(
                s.t("mixed", "threads", n, r, 16), s.t(fams[0], "threads", n, r, 8))),
        }
    out.append("")
    return res


def fmt_bytes(v):
    if not v:
        return "-"
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if v >= scale:
            return f"{v / scale:.1f} {unit}B"
    return f"{v:.0f} B"


def many_waits(s, out):
    """Issue 12: waits of 100 ms on one event-loop thread (the backend that keeps every wait in
    flight, waits_per_worker 0) against Asio coroutines by hand, and threads, one wait each, for
    comparison: wall time, efficiency (ideal / wall) and memory, medians over rounds."""
    loop = next((b for b in s.traits or {} if s.trait(b, "waits_per_worker", 1) == 0), None)
    rows = [("asio by hand", "baseline_async", "asio", n, 1) for n in s.values("baseline_async", 2)]
    rows += [(f"{loop} (engine)", "io_many", loop, n, 1)
             for n in s.values("io_many", 2, impl=loop)] if loop else []
    rows += [(f"{b} (one each)", "io_many", b, n, n) for b in s.values("io_many", 1)
             if b != loop for n in s.values("io_many", 2, impl=b)]
    if not rows:
        return {}
    out.append("Thousands of waits (issue 12): 100 ms each; efficiency = ideal / wall; memory is "
               "this process's during one untimed run")
    out.append(f"{'who':<22}{'waits':>8}{'threads':>9}{'ms':>9}{'eff':>7}{'peak RSS':>11}"
               f"{'per wait':>11}{'virtual':>11}")

    def middle(vals):
        vals = [v for v in vals if v is not None]
        return statistics.median(vals) if vals else None

    def counter(fam, impl, n, t, key):
        return middle([s.counters.get((fam, impl, n, r, t), {}).get(key)
                       for r in s.values(fam, 3, impl=impl, size=n, threads=t)])

    for label, fam, impl, n, t in sorted(rows, key=lambda r: (r[3], r[0])):
        ms = middle([s.t(fam, impl, n, r, t) for r in s.values(fam, 3, impl=impl, size=n, threads=t)])
        ideal = counter(fam, impl, n, t, "ideal_s")
        eff = ratio(ideal, ms)
        out.append(f"{label:<22}{n:>8}{t:>9}{f'{1e3 * ms:.1f}' if ms else '-':>9}"
                   f"{f'{eff:.2f}' if eff else '-':>7}{fmt_bytes(counter(fam, impl, n, t, 'peak_rss_bytes')):>11}"
                   f"{fmt_bytes(counter(fam, impl, n, t, 'bytes_per_task')):>11}"
                   f"{fmt_bytes(counter(fam, impl, n, t, 'vm_peak_bytes')):>11}")
    out.append("")
    res = {}
    if loop:
        for n in s.values("io_many", 2, impl=loop):
            res[n] = {
                "time": s.per_round("io_many", n, 1, lambda r: ratio(
                    s.t("io_many", loop, n, r, 1), s.t("baseline_async", "asio", n, r, 1))),
                "memory": s.per_round("io_many", n, 1, lambda r: ratio(
                    s.counters.get(("io_many", loop, n, r, 1), {}).get("bytes_per_task"),
                    s.counters.get(("baseline_async", "asio", n, r, 1), {}).get("bytes_per_task"))),
            }
    return res


def async_targets(res, out):
    lines = []
    if 10_000 in res:
        lines.append(check("10,000 x 100 ms on 1 thread: async / Asio by hand, wall",
                           med(res[10_000]["time"]), 1.05, higher=False))
    if 100_000 in res:
        lines.append(check("100,000 x 100 ms on 1 thread: async / Asio by hand, wall",
                           med(res[100_000]["time"]), 1.0, higher=False))
        lines.append(check("100,000 x 100 ms on 1 thread: async / Asio by hand, bytes per wait",
                           med(res[100_000]["memory"]), 0.5, higher=False))
    if lines:
        out.append("Targets (issue 12: thousands of waits on one thread), each the median over rounds")
        out += lines
        out.append("")


def lesson_targets(s, spawn, gil, io, out, mixed=None):
    """Issue 10's claims, judged on what each backend declares (shares_memory), not its name."""
    lines = []
    for (b, t), v in spawn.items():
        if t in (2, 8):
            lines.append(check(f"spawn {b}@{t} per worker / by hand ({s.own(b)})", med(v), 1.3,
                               higher=False))
    for b, v in gil.items():
        if s.traits is None:
            continue
        # With no second core free, 2 workers gain nothing either way, and both GIL claims about
        # the sum hold or fail without being tested.
        untested = (f"; without --gil 2 workers gained only {med(v['free']):.2f} here: no "
                    "second core was free, so this does not test the claim"
                    if med(v["free"]) and med(v["free"]) < 1.5 else "")
        if s.trait(b, "shares_memory"):
            lines.append(check(f"--gil sum, {b}: 2 workers gain over 1", med(v["gain"]), 1.1,
                               higher=False) + untested)
            lines.append(check(f"--gil sum, {b}: cost at 1 worker, T(gil) / T(free)", med(v["cost"]),
                               1.05, higher=False))
        else:
            lines.append(check(f"--gil sum, {b}: 2 workers' gain under --gil / without",
                               med(v["kept"]), 0.9) + untested)
    io_res, n = io if io else ({}, 0)
    for b, v in io_res.items():
        lines.append(check(f"--gil io, {b}: {n} waits on {n} workers, speedup over 1", med(v), 2.7))
    for p, v in (mixed or {}).items():
        lines.append(check(f"mixed --gil: threads alone / split (cpu on {p})", med(v["gil_win"]),
                           1.5))
        lines.append(check(f"mixed without --gil: threads alone / split (cpu on {p})",
                           med(v["free_gap"]), 1.1, higher=False))
    if lines:
        out.append("Targets (issues 10 and 11: the price of a worker, the emulated GIL, when to "
                   "use what), each the median over rounds")
        out += lines
        out.append("")


def seq_vs_plain(s, out):
    """The one-worker reference backend (seq) against its own loop (plain), by size."""
    ref = s.reference()
    if ref is None:
        return {}
    res = {}
    for n in s.values("sum", 2):
        res[n] = s.per_round("sum", n, 1, lambda r: ratio(s.t("baseline_sum", s.own(ref), n, r, 1),
                                                          s.t("sum", ref, n, r, 1)))
    return res


def check(label, value, target, higher=True):
    if value is None:
        return f"  [NOT MEASURED] {label}"
    ok = value >= target if higher else value <= target
    sign = ">=" if higher else "<="
    # As many digits as it takes for the printed value to be on the side the verdict is: 0.9497
    # is a miss of >= 0.95, and "0.950" would read as a pass.
    digits = 3
    while digits < 6 and (round(value, digits) >= target if higher else
                          round(value, digits) <= target) != ok:
        digits += 1
    return f"  [{'met' if ok else 'MISSED'}] {label}: {value:.{digits}f} (target {sign} {target})"


def tally(out):
    """The count of targets met and missed, said last (BENCH_STRICT=1 makes a miss exit 1)."""
    met = sum(line.startswith("  [met]") for line in out)
    missed = [line for line in out if line.startswith("  [MISSED]")]
    out.append(f"Targets: {met} met, {len(missed)} missed, of {met + len(missed)} judged"
               + ("; the misses:" if missed else ""))
    out += missed


def noise_note(s, n):
    """How much the plain loop itself moved between rounds at size n: the floor under any
    seq / plain ratio (both run the same multiversioned loop)."""
    ref = s.reference()
    plain = s.own(ref)
    ts = [s.t("baseline_sum", plain, n, r, 1) for r in s.values("baseline_sum", 3, size=n, threads=1)]
    ts = [t for t in ts if t]
    if len(ts) < 2:
        return ""
    best = ratio(s.best_of("baseline_sum", plain, n, 1), s.best_of("sum", ref, n, 1))
    return (f"; best of rounds {best:.3f}; the plain loop itself varied {max(ts) / min(ts) - 1:.0%}"
            " across rounds there")


def targets(s, hl, hl_size, own, compute, io, seq, out):
    lines = []
    where = f"memory-bound {fmt_size(hl_size)} all cores" if hl_size else "memory-bound all cores"
    for b in s.of_worker("thread"):
        base, probe = hl.get(b, (None, None))
        lines.append(check(f"{where}, {b} / best baseline", med(base), 0.95))
        lines.append(check(f"{where}, {b} / bandwidth probe", med(probe), 0.90))
    for b in s.of_worker("process"):
        if b in hl:
            lines.append(check(f"{where}, {b} / best baseline", med(hl[b][0]), 0.90))
    worst_seq = min(((med(v), n) for n, v in seq.items() if v), default=None)
    if worst_seq:
        lines.append(check(f"seq / plain loop, worst size ({fmt_size(worst_seq[1])})", worst_seq[0],
                           0.95) + noise_note(s, worst_seq[1]))
    else:
        lines.append(check("seq / plain loop", None, 0.95))
    out.append("Targets (issue 4), each the median over rounds")
    out += [line for line in lines if "NOT MEASURED" not in line]
    missing = sum("NOT MEASURED" in line for line in lines)
    for (b, t), by_size in own.items():
        small = [(med(v), n) for n, v in by_size.items() if n <= SMALL and v]
        if small:
            worst = max(small)
            out.append(check(f"per-call overhead {b}@{t} / own baseline ({s.own(b)}), "
                             f"worst of 1e3..1e5 ({fmt_size(worst[1])})", worst[0], 1.5,
                             higher=False))
    for b, v in compute.items():
        out.append(check(f"compute-bound efficiency at 2 threads, {b}", med(v), 0.95))
    for b, v in io.items():
        if b == s.reference() or b.startswith("raw ") or not v:  # the reference runs 1 worker
            continue
        line = check(f"io 32 x 100 ms on 32 workers efficiency, {b}", med(v), 0.97)
        # The hand-written program of the backend's declared baseline, where one was measured.
        raw = f"raw {s.own(b)}"
        if raw in io:
            line += f"; {s.own(b)}() by hand reached {med(io[raw]):.3f} in the same rounds"
        out.append(line)
    if missing:
        out.append(f"  ({missing} memory-bound or seq targets not measured: filtered out)")
    out.append("")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench_json")
    parser.add_argument("--out", help="also write the summary to this file")
    args = parser.parse_args()
    try:
        context, times, counters, errors = load(args.bench_json)
    except (OSError, ValueError, KeyError) as e:
        print(f"summary: cannot read {args.bench_json} as Google Benchmark JSON: {e}")
        return 2
    s = Suite(context, times, counters)
    out = []
    header(s, out)
    hl, hl_size, own, compute, io = {}, None, {}, {}, {}
    if s.values("sum", 2):
        hl, hl_size = headline(s, out)
        vs_best(s, out)
        own = vs_own(s, out)
    huge_pages(s, out)
    seq = seq_vs_plain(s, out)
    compute = compute_efficiency(s, out)
    io = io_efficiency(s, out)
    spawn = spawn_costs(s, out)
    gil, gil_waits = gil_sum(s, out), gil_io(s, out)
    mixed = when_to_use(s, out)
    waits = many_waits(s, out)
    if hl_size and s.size_class(hl_size) != "DRAM":
        if s.llc is None:
            out.append(f"(memory-bound {fmt_size(hl_size)} targets not judged: no LLC size recorded)")
        hl, hl_size = {}, None  # the targets are for the DRAM-sized headline, filtered out here
    targets(s, hl, hl_size, own, compute, io, seq, out)
    lesson_targets(s, spawn, gil, gil_waits, out, mixed)
    async_targets(waits, out)
    tally(out)
    if errors:
        out.append("Benchmarks that failed (error, or a result that did not verify; exit 1):")
        out += [f"  {e}" for e in errors]
    text = "\n".join(line.rstrip() for line in out) + "\n"
    print(text, end="")
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
