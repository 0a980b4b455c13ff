#!/usr/bin/env bash
# The repository stands on its own: nothing cites a design or pitfalls document kept outside it
# (the patterns below), and every docs/*.md or labs/*.md that code or docs name exists.
# usage: tests/self_contained_test.sh SOURCE_DIR
set -uo pipefail
cd "$1" || exit 1
failures=0
files=$(find . -path ./build -prune -o -path ./.git -prune -o -path './build-*' -prune -o \
  -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.md' -o -name '*.sh' -o -name '*.py' \
  -o -name 'CMakeLists.txt' -o -name 'Makefile' \) -print)
# shellcheck disable=SC2086  # a list of paths without spaces
if out=$(grep -n -e '\.\./shared' -e 'DESIGN\.md' $files | grep -v '^./tests/self_contained_test.sh'); then
  echo "FAIL: cites a document outside the repository:"
  echo "$out"
  failures=1
fi
# shellcheck disable=SC2086
for doc in $(grep -oh -E '\b(docs|labs)/[A-Za-z_]+\.md' $files | sort -u); do
  [ -f "$doc" ] || { echo "FAIL: $doc is cited but does not exist"; failures=1; }
done
[ "$failures" -eq 0 ] && echo "self-contained: every cited document is in the repository"
exit "$failures"
