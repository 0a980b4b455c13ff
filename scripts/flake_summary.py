#!/usr/bin/env python3
"""What `make flake-hunt` prints at its end: from ctest logs (--output-on-failure), one file per
run, every test that failed or was skipped in at least one run, in how many, and the first line
of its output that says why. Exit 1 when a test failed in any run, 2 when a log holds no test."""
import re
import sys
from collections import defaultdict

RESULT = re.compile(r"^\s*\d+/\d+ Test\s+#\d+: (\S+) .*?(Passed|\*\*\*\S+|Skipped|Not Run)")
END = re.compile(r"^(\d+% tests passed|The following tests|Label Time Summary|Total Test time)")
WHY = re.compile(r"FAIL|Fail|fail|error|Error|Sanitizer|expected|Expected|Timeout|took")


def results(path):
    """{test: (outcome, why)} of one log; a test run twice in it keeps its worst outcome."""
    found, current, lines = {}, None, []

    def close():
        if current and found[current][0] != "passed":
            why = next((l for l in lines if "FAIL" in l),  # a script test's own word first
                       next((l for l in lines if WHY.search(l)), lines[-1] if lines else ""))
            found[current] = (found[current][0], why.strip()[:200])

    with open(path, errors="replace") as log:
        for line in log:
            m = RESULT.match(line)
            if m:
                close()
                name, status = m.group(1), m.group(2)
                outcome = ("passed" if status == "Passed" else
                           "skipped" if "Skipped" in status or "Not Run" in status else
                           "failed")
                if found.get(name, ("passed",))[0] == "failed":
                    outcome = "failed"
                found[name] = (outcome, "")
                current, lines = name, []
            elif END.match(line):  # ctest's closing summary: no test's output any more
                close()
                current, lines = None, []
            elif current and line.strip() and not line.lstrip().startswith("Start "):
                lines.append(line.rstrip())
        close()
    return found


def main(paths):
    runs = {p: results(p) for p in paths}
    empty = [p for p, r in runs.items() if not r]
    counts = defaultdict(lambda: defaultdict(int))
    why = {}
    for found in runs.values():
        for name, (outcome, reason) in found.items():
            counts[name][outcome] += 1
            if outcome != "passed" and name not in why:
                why[name] = reason
    print(f"flake-hunt: {len(paths)} runs: " +
          ", ".join(f"{p.rsplit('/', 1)[-1]} {len(r)} tests" for p, r in runs.items()))
    failed = False
    for outcome in ("failed", "skipped"):
        names = sorted(n for n in counts if counts[n][outcome])
        print(f"flake-hunt: {len(names)} {outcome} at least once")
        for n in names:
            ran = sum(counts[n].values())
            print(f"  {n}: {outcome} in {counts[n][outcome]} of {ran} runs: {why[n]}")
        failed = failed or (outcome == "failed" and bool(names))
    for p in empty:
        print(f"flake-hunt: {p}: no test ran (the build or the pass failed before ctest)")
    return 2 if empty else 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
