#!/usr/bin/env python3
"""Every command of labs/*.md, run as written, and what each handout says about what it prints.

Usage: handouts_test.py PARLAB SOURCE_DIR

A handout's commands are its indented `./build/parlab ...` lines; each must exit 0, or the code its
comment names ("(exit 2)"). Then each handout's claims about those commands (the CLAIMS below)
are checked against what they printed: fields and words exactly, the order of costs always, and
a ratio against the range the handout quotes, with timing_margin either side, only while other
processes kept less than 0.25 CPU busy (on a shared machine the ratio is the neighbour's).
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = re.compile(r"^    \./build/parlab (?P<args>[^#]*?)\s*(?:#\s*(?P<comment>.*))?$")
TIMING_MARGIN = 2.0
BUSY_CPUS = 0.25

parlab, source = sys.argv[1], Path(sys.argv[2])
failures = []


def fail(handout, text):
    failures.append(f"{handout}: {text}")
    print(f"FAIL {handout}: {text}")


def busy_ticks():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]


class Result:
    def __init__(self, args, code, out, wall, others):
        self.args, self.code, self.out, self.wall, self.others = args, code, out, wall, others

    def field(self, name, backend=None):
        """A kernel field of the first row (of that backend) printed, as a number or a word."""
        rows = self.out if backend is None else self.out[self.out.index(f"\n{backend} ") :]
        m = re.search(rf"\b{name}=(\S+)", rows)
        if m is None:
            raise AssertionError(f"no {name}= in the output of `{self.args}`")
        try:
            return float(m.group(1))
        except ValueError:
            return m.group(1)

    def median_s(self, backend):
        m = re.search(rf"^{backend}\s+\d+\s+([\d.]+) (s|ms|us|ns)\b", self.out, re.M)
        if m is None:
            raise AssertionError(f"no {backend} row in the output of `{self.args}`")
        return float(m.group(1)) * {"s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}[m.group(2)]


def run_handout(md, workdir):
    results = []
    for line in md.read_text().splitlines():
        m = COMMAND.match(line)
        if m is None:
            continue
        args, comment = m.group("args"), m.group("comment") or ""
        want = re.search(r"\(exit (\d+)\)", comment)
        want = int(want.group(1)) if want else 0
        before, children = busy_ticks(), os.times()
        start = time.monotonic()
        p = subprocess.run([parlab, *shlex.split(args)], cwd=workdir, capture_output=True,
                           text=True, timeout=900)
        wall = time.monotonic() - start
        after, done = busy_ticks(), os.times()
        own = done.children_user + done.children_system
        own -= children.children_user + children.children_system
        others = max(0.0, ((after - before) / os.sysconf("SC_CLK_TCK") - own) / max(wall, 1e-3))
        print(f"{md.name}: `parlab {args}` exit {p.returncode}, {wall:.1f} s, "
              f"others {others:.2f} CPUs")
        if p.returncode != want:
            # The verdicts and errors first: a long run's tail may be only its last table.
            said = [l for l in (p.stdout + p.stderr).splitlines()
                    if re.match(r"(lesson \d|does not hold|parlab:|error)", l)]
            fail(md.name, f"`parlab {args}` exited {p.returncode}, the handout says {want}:\n"
                 + "\n".join(said) + f"\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
        results.append(Result(args, p.returncode, p.stdout + p.stderr, wall, others))
    return results


def quoted_range(md, pattern):
    """The range a handout quotes ("2.7x to 4.9x"), from the text that `pattern` finds."""
    m = re.search(pattern, md.read_text())
    if m is None:
        raise AssertionError(f"{md.name} no longer quotes /{pattern}/")
    return float(m.group(1)), float(m.group(2))


def check_ratio(handout, what, ratio, low, high, others):
    if others >= BUSY_CPUS:
        print(f"{handout}: {what} {ratio:.2f} not judged: other processes kept {others:.2f} "
              f"CPUs busy (at least {BUSY_CPUS} sets it aside)")
    elif not low / TIMING_MARGIN <= ratio <= high * TIMING_MARGIN:
        fail(handout, f"{what} {ratio:.2f}, the handout says {low} to {high} "
                      f"(x/{TIMING_MARGIN:g} accepted)")
    else:
        print(f"{handout}: {what} {ratio:.2f} (the handout: {low} to {high})")


def by_args(results, *words, without=None):
    """The one command whose arguments hold every word (and not `without`)."""
    hits = [r for r in results
            if all(w in r.args for w in words) and (without is None or without not in r.args)]
    if len(hits) != 1:
        raise AssertionError(f"{len(hits)} commands name {words}")
    return hits[0]


def at_most_margin_over_ideal(md, r, backend):
    """A run of waits took no less than its ideal and at most timing_margin x it: waits need no
    free CPU, so this holds on a busy machine too (lessons 1, 4, 10)."""
    m = re.search(rf"^{backend} .*\n  ideal ([\d.]+) (s|ms) ", r.out, re.M)
    if m is None:
        raise AssertionError(f"no ideal under the {backend} row of `{r.args}`")
    ideal = float(m.group(1)) * (1 if m.group(2) == "s" else 1e-3)
    median = r.median_s(backend)
    if not 0.99 * ideal <= median <= TIMING_MARGIN * ideal:
        fail(md.name, f"`{r.args}`: {backend} took {median:.3f} s, ideal {ideal:.3f} s")


def readme(md, results):
    quoted = re.search(r"lab all --quick .*?: about (\d+) s here", md.read_text())
    if quoted is None:
        raise AssertionError("README.md no longer says how long `lab all --quick` takes")
    quick = by_args(results, "lab all --quick", without="--json")
    check_ratio(md.name, "`lab all --quick` over the seconds quoted",
                quick.wall / float(quoted.group(1)), 1, 1, quick.others)
    if "does not hold" in quick.out:
        fail(md.name, "a lesson of `lab all --quick` did not hold")


def sequential(md, results):
    r = by_args(results, "--duration 2s")
    for b in ("seq", "threads", "fork"):
        at_most_margin_over_ideal(md, r, b)


def processes(md, results):
    spawn = by_args(results, "-k spawn")
    if not spawn.field("spawn_us_per_worker", "fork") > spawn.field("spawn_us_per_worker", "threads"):
        fail(md.name, "a process did not cost more to start than a thread")
    isolated = by_args(results, "--mode atomic", "threads,fork")
    if isolated.field("final", "fork") != 0 or isolated.field("isolated", "fork") != "yes":
        fail(md.name, "on fork the counter's final is not 0 and isolated yes")
    shared = by_args(results, "--shared")
    if shared.field("final") != shared.field("expected"):
        fail(md.name, "--shared did not make the count exact")


def gil(md, results):
    locked = by_args(results, "--size 2e6 --intensity 64 --gil", "seq,threads,fork")
    if locked.field("gil", "threads") != "held" or locked.field("gil", "fork") != "per-process":
        fail(md.name, "gil is not held on threads and per-process on fork")
    if locked.field("gil_unheld_checks", "threads") != 0:
        fail(md.name, "the sum's loop ran without the lock")


def threading(md, results):
    at_most_margin_over_ideal(md, by_args(results, "--duration 500ms"), "threads")


def multiprocessing(md, results):
    r = by_args(results, "-b fork -t 3")
    at_most_margin_over_ideal(md, r, "fork")
    if not re.search(r"^fork .* yes", r.out, re.M):
        fail(md.name, "the waits on fork are not `yes` in the ok column")


def race(md, results):
    ns = {mode: by_args(results, f"--mode {mode}", "-b threads").field("ns_per_increment")
          for mode in ("mutex", "atomic", "sharded")}
    if not ns["mutex"] > ns["atomic"] > ns["sharded"]:
        fail(md.name, f"the costs are not mutex > atomic > sharded: {ns}")
    low, high = quoted_range(md, r"dearer than atomic \(([\d.]+)x to ([\d.]+)x")
    check_ratio(md.name, "mutex over atomic", ns["mutex"] / ns["atomic"], low, high,
                by_args(results, "--mode mutex").others)
    forked = by_args(results, "-b fork", "--mode atomic", "4e6", without="--shared")
    if forked.field("isolated") != "yes" or "isolated: saw 0 of 4000000" not in forked.out:
        fail(md.name, "fork's status does not say `isolated: saw 0 of 4000000`")
    if by_args(results, "--shared").field("final") != 4000000:
        fail(md.name, "the --shared counter on fork is not exact")


def primitives(md, results):
    one = by_args(results, "--io-slots 1")
    two = by_args(results, "--io-slots 2", "threads,fork,forkpool")
    if one.field("max_in_io") != 1:
        fail(md.name, "with 1 I/O slot more than one producer waited")
    for b in ("threads", "fork", "forkpool"):
        if two.field("max_in_io", b) > 2:
            fail(md.name, f"with 2 I/O slots more than two producers waited on {b}")
    check_ratio(md.name, "1 I/O slot over 2", one.median_s("threads") / two.median_s("threads"),
                2, 2, max(one.others, two.others))
    small = by_args(results, "--capacity 1 --io-slots 2")
    check_ratio(md.name, "capacity 1 over capacity 2, I/O-bound",
                small.median_s("threads") / two.median_s("threads"), 1, 1, small.others)
    cpu_bound = by_args(results, "--cpu 10ms --capacity 1")
    if not cpu_bound.field("full_wait_s") > cpu_bound.field("empty_wait_s"):
        fail(md.name, "CPU-bound, the producers did not wait on a full queue most")


def when_to_use(md, results):
    threads = by_args(results, "-b threads,fork -t 16 --gil")
    split = by_args(results, "--cpu-on fork --cpu-workers 2 --gil")
    if "-b threads -t 8 --cpu-on" not in split.args or split.field("gil") != "held":
        fail(md.name, "the split under the GIL did not run held")
    low, high = quoted_range(md, r"the split ran ([\d.]+)x to ([\d.]+)x faster than\s+threads alone")
    check_ratio(md.name, "threads alone over the split, under the GIL",
                threads.median_s("threads") / split.median_s("threads"), low, high,
                max(threads.others, split.others))


def thousands(md, results):
    at_most_margin_over_ideal(md, by_args(results, "--tasks 10000 ", "-b async"), "async")
    one_thread_each = by_args(results, "-t 1000 --tasks 1000")
    per_wait = [r["bytes_per_task"] for r in json.loads(one_thread_each.out)["records"]][0]
    quoted = re.search(r"resident size by about ([\d.]+) kB", md.read_text())
    if quoted is None:
        raise AssertionError("10_thousands_of_waits.md no longer quotes a thread's resident size")
    kb = float(quoted.group(1))
    if not kb * 1e3 / TIMING_MARGIN <= per_wait <= kb * 1e3 * TIMING_MARGIN:
        fail(md.name, f"a thread per wait grew the resident size by {per_wait:.0f} B, the "
                      f"handout says about {kb} kB")


CLAIMS = {"README.md": readme, "01_sequential.md": sequential, "02_processes.md": processes,
          "03_gil.md": gil, "04_threading.md": threading, "05_multiprocessing.md": multiprocessing,
          "07_race.md": race, "08_primitives.md": primitives, "09_when_to_use.md": when_to_use,
          "10_thousands_of_waits.md": thousands}


def lesson_heads(text, indent):
    """Each lesson's first two lines as printed (its claim, its table's header), by number."""
    lines = text.splitlines()
    heads = {}
    for i, line in enumerate(lines[:-1]):
        m = re.match(rf"^{indent}lesson (\d+) ", line)
        if m:
            heads[int(m.group(1))] = (line.strip(), lines[i + 1].split())
    return heads


def check_samples(md, now):
    """A handout's quoted lesson output has the claim and the columns the tool prints today."""
    for n, (claim, header) in lesson_heads(md.read_text(), "    ").items():
        if n not in now:
            fail(md.name, f"quotes lesson {n}, which `lab all --quick` did not print")
        elif now[n] != (claim, header):
            fail(md.name, f"its quoted lesson {n} drifted from what the tool prints:\n"
                          f"  quoted: {claim}\n          {' '.join(header)}\n"
                          f"  now:    {now[n][0]}\n          {' '.join(now[n][1])}")


def main():
    everything = []
    with tempfile.TemporaryDirectory() as workdir:
        for md in sorted((source / "labs").glob("*.md")):
            results = run_handout(md, workdir)
            everything += results
            if md.name in CLAIMS:
                try:
                    CLAIMS[md.name](md, results)
                except AssertionError as e:
                    fail(md.name, str(e))
    now = lesson_heads(by_args(everything, "lab all --quick", without="--json").out, "")
    for md in sorted((source / "labs").glob("*.md")):
        check_samples(md, now)
    print(f"handouts: {len(failures)} failed")
    return 1 if failures else 0


sys.exit(main())
