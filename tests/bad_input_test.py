#!/usr/bin/env python3
"""Walks docs/RELIABILITY.md's bad-input tables against the parlab binary (see that file).

Usage: bad_input_test.py PARLAB RELIABILITY.md
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

parlab, doc = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
failures = []


def table(name):
    """The rows (lists of cells) between a table's start and end markers."""
    text = open(doc).read()
    start = text.index(f"<!-- bad-input {name}:")
    end = text.index(f"<!-- end of bad-input {name} -->")
    rows = [line for line in text[start:end].splitlines() if line.startswith("|")]
    return [[c.strip() for c in r.strip("|").split(" | ")] for r in rows[2:]]


def code(cell):
    """The backticked pieces of a cell; `''` is the empty string."""
    return ["" if c == "''" else c for c in re.findall(r"`([^`]*)`", cell)]


def run(args, env=None):
    try:
        p = subprocess.run([parlab] + args, capture_output=True, text=True, timeout=30, env=env,
                           stdin=subprocess.DEVNULL)
        return p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        return "timeout", ""


def expect_refusal(args, names, env=None):
    rc, err = run(args, env)
    lines = err.splitlines()
    shown = " ".join(repr(a) if a == "" or " " in a else a for a in args)
    if rc != 2:
        failures.append(f"parlab {shown}: exit {rc}, expected 2 ({err.strip()[:200]})")
    elif len(lines) != 1:
        failures.append(f"parlab {shown}: {len(lines)} lines on stderr, expected 1: {err!r}")
    else:
        for n in names:
            if n not in lines[0]:
                failures.append(f"parlab {shown}: the line does not name {n!r}: {lines[0]}")


work = tempfile.mkdtemp()
os.chdir(work)
try:
    rc, err = run(["run", "-k", "sum", "-b", "seq", "-t", "1", "--size", "1e4", "--reps", "4",
                   "--no-probe", "--json", "base.json"])
    assert rc == 0, f"the run that writes base.json failed: {err}"

    covered = {}  # subcommand -> options with a row
    checked = 0
    options = table("options")
    for command, option, _accepted, refused in options:
        template = code(command)[0].split(" ")
        # run and sweep share their options: a run row is walked on both.
        commands = [template] + ([["sweep"] + template[1:]] if template[0] == "run" else [])
        for cmd in commands:
            covered.setdefault(cmd[0], set()).update(option.strip("`").split("/"))
            # PARLAB_BAD_INPUT_FIRST=1 (make asan): the first refused value of each row only.
            # Each start of an instrumented parlab costs a quarter second, and the values of one
            # row take one parsing path; the plain suite walks them all.
            values = code(refused)
            if os.environ.get("PARLAB_BAD_INPUT_FIRST") == "1":
                values = values[:1]
            for value in values:
                args = [value if a == "V" else (a[:-1] + value if a.endswith("=V") else a)
                        for a in cmd]
                expect_refusal(args, [option.strip("`"), f"'{value}'"])
                checked += 1

    combos = table("combinations")
    no_srun = dict(os.environ, PATH=":".join(
        d for d in os.environ["PATH"].split(":") if not os.path.exists(os.path.join(d, "srun"))))
    for command, names, _why in combos:
        expect_refusal(code(command)[0].split(" "), code(names), env=no_srun)

    # --plot with gnuplot off PATH: refused before any work.
    expect_refusal(["sweep", "-k", "sum", "-b", "seq", "-t", "1", "--size", "1e5", "--plot",
                    "x.svg"], ["--plot", "gnuplot"], env=dict(os.environ, PATH="/nonexistent"))

    # Every option each subcommand's --help lists has a row.
    for sub in ["run", "sweep", "lab", "compare", "info", "list"]:
        text = subprocess.run([parlab, sub, "--help"], capture_output=True, text=True).stdout
        listed = set(re.findall(r"^\s+(?:-\w,)?(--[\w-]+)", text, re.M)) - {"--help"}
        # CLI11 2.3 heads them "Positionals:", later versions "POSITIONALS:".
        pos = re.search(r"^Positionals:\n((?:\s+.*\n)+?)\n", text, re.M | re.I)
        if pos:
            listed |= set(re.findall(r"^\s+(\w+) ", pos.group(1), re.M))
        if sub != "list" and not listed:  # the pattern no longer reads CLI11's help
            failures.append(f"parlab {sub} --help: no option found in {text[:200]!r}")
        for o in sorted(listed - covered.get(sub, set())):
            failures.append(f"docs/RELIABILITY.md has no row for `parlab {sub} {o}`")

    # -t past RLIMIT_NPROC, as a user the limit holds (root is not held to it).
    as_nobody = None
    if os.geteuid() == 0 and shutil.which("setpriv") and shutil.which("prlimit"):
        as_nobody = ["prlimit", "--nproc=60", "setpriv", "--reuid", "65534", "--regid", "65534",
                     "--clear-groups", parlab]
        # The user must reach the binary and its libraries (a build under /root, mode 700, is
        # out of its reach): that is the machine's, not parlab's, and is said, not failed.
        p = subprocess.run(as_nobody + ["list"], capture_output=True, text=True, timeout=30,
                           cwd="/")
        if p.returncode != 0:
            print("bad_input: skipped the -t past RLIMIT_NPROC part: user nobody cannot run "
                  f"{parlab}: {p.stderr.strip()[:200]}")
            as_nobody = None
    else:
        print("bad_input: not root: skipped the -t past RLIMIT_NPROC part")
    if as_nobody:
        base = ["run", "-k", "sum", "-b", "fork", "--size", "1e4", "--reps", "1", "--no-probe"]
        p = subprocess.run(as_nobody + base + ["-t", "200"], capture_output=True, text=True,
                           timeout=30, cwd="/")
        m = re.search(r"expected at most (\d+):", p.stderr)
        if p.returncode != 2 or not m or "RLIMIT_NPROC" not in p.stderr:
            failures.append(f"-t 200 under --nproc=60: exit {p.returncode}: {p.stderr.strip()}")
        else:
            most = m.group(1)
            p = subprocess.run(as_nobody + base + ["-t", most], capture_output=True, text=True,
                               timeout=60, cwd="/")
            if p.returncode != 0:
                failures.append(f"-t {most}, the largest named, failed: {p.stderr.strip()}")
finally:
    os.chdir("/")
    shutil.rmtree(work)

for f in failures:
    print("FAIL:", f)
print(f"bad_input: {checked} refused values in {len(options)} option rows, {len(combos)} "
      f"combinations, {len(failures)} failures")
sys.exit(1 if failures else 0)
