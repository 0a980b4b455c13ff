#!/usr/bin/env python3
"""The process backends against hand-written programs, each run as a process of its own, in
alternating pairs (which of the two goes first alternates too), so that a slow minute of a shared
machine falls on both: the fork backend's price per worker against fork()+waitpid()
(bench/hand_written/fork_workers.cpp), its memory-bound sum against a 2-thread loop
(bench/hand_written/thread_sum.cpp), and the sharded counter on threads against one counted by
hand (bench/hand_written/sharded_counter.cpp). Prints each ratio's median [min-max] over the pairs and the
targets, met or MISSED, as the suite's summary does. Exit 1 when a command failed; a miss is
said, not an exit code (docs/PERFORMANCE.md, "Processes against hand-written programs").

usage: bench_processes.py BUILD_DIR   (BENCH_PAIRS pairs, default 7; BENCH_FORK_SIZE, default 2e8;
       BENCH_COUNTER_INCREMENTS, default 2e8)
"""
import json
import os
import statistics
import subprocess
import sys


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def parlab_record(parlab, args):
    doc = run_json([parlab, "run", *args, "--format", "json"])
    (record,) = doc["records"]
    if not record["verified"]:
        raise RuntimeError(f"parlab {' '.join(args)}: did not verify: {record.get('detail')}")
    return record


def pairs_of(n, first, second):
    """n pairs of (first(), second()), the order alternating from one pair to the next."""
    out = []
    for i in range(n):
        if i % 2 == 0:
            a = first()
            b = second()
        else:
            b = second()
            a = first()
        out.append((a, b))
    return out


def main(build):
    parlab = os.path.join(build, "parlab")
    fork_workers = os.path.join(build, "bench", "parlab_fork_workers")
    thread_sum = os.path.join(build, "bench", "parlab_thread_sum")
    sharded_counter = os.path.join(build, "bench", "parlab_sharded_counter")
    n = int(os.environ.get("BENCH_PAIRS", "7"))
    size = os.environ.get("BENCH_FORK_SIZE", "2e8")
    spawn = pairs_of(
        n,
        lambda: parlab_record(parlab, ["-k", "spawn", "-b", "fork", "-t", "2", "--reps", "20",
                                       "--warmup", "2"])["spawn_us_per_worker"],
        lambda: run_json([fork_workers, "2", "20"])["us_per_worker"])
    sums = pairs_of(
        n,
        lambda: parlab_record(parlab, ["-k", "sum", "-b", "fork", "-t", "2", "--size", size,
                                       "--reps", "5", "--no-probe"])["median_s"],
        lambda: run_json([thread_sum, size, "5", "2"])["median_s"])
    increments = os.environ.get("BENCH_COUNTER_INCREMENTS", "2e8")
    counts = pairs_of(
        n,
        lambda: parlab_record(parlab, ["-k", "counter", "--mode", "sharded", "-b", "threads",
                                       "-t", "2", "--increments", increments, "--reps", "5",
                                       "--no-probe"])["median_s"],
        lambda: run_json([sharded_counter, increments, "5", "2"])["median_s"])
    rows = [
        ("fork's price per worker / fork()+waitpid()", "price", [a / b for a, b in spawn],
         [a for a, _ in spawn], [b for _, b in spawn], "us", 1.3, "<="),
        (f"hand-written 2-thread sum / fork sum of {size}", "speed", [b / a for a, b in sums],
         [a * 1e3 for a, _ in sums], [b * 1e3 for _, b in sums], "ms", 0.9, ">="),
        (f"sharded counter of {increments} on 2 threads / hand-written", "price",
         [a / b for a, b in counts], [a * 1e3 for a, _ in counts], [b * 1e3 for _, b in counts],
         "ms", 1.5, "<="),
    ]
    print(f"bench_processes: {n} alternating pairs, each program a process of its own")
    for what, _, ratios, engine, hand, unit, target, sense in rows:
        med = statistics.median(ratios)
        print(f"  {what}: {med:.2f} [{min(ratios):.2f}-{max(ratios):.2f}] "
              f"(parlab {statistics.median(engine):.1f} {unit}, "
              f"hand-written {statistics.median(hand):.1f} {unit})")
    for what, _, ratios, _, _, _, target, sense in rows:
        med = statistics.median(ratios)
        met = med <= target if sense == "<=" else med >= target
        print(f"  [{'met' if met else 'MISSED'}] {what}: {med:.3f} (target {sense} {target})")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    try:
        sys.exit(main(sys.argv[1]))
    except (subprocess.CalledProcessError, RuntimeError, ValueError, KeyError) as e:
        print(f"bench_processes: {e}", file=sys.stderr)
        sys.exit(1)
