#!/usr/bin/env bash
# clang-format over every C++ file git tracks; --check fails (exit 1) on the first difference.
set -euo pipefail
cd "$(dirname "$0")/.."
cf=$(command -v clang-format || command -v clang-format-14 || true)
if [ -z "$cf" ]; then
  echo "format: clang-format is not installed (bash scripts/install-deps.sh clang-format)" >&2
  exit 1
fi
if git rev-parse --git-dir >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
else
  mapfile -t files < <(find include kernels backends runners bench tests examples -name '*.[ch]pp')
fi
if [ "${1:-}" = "--check" ]; then
  "$cf" --dry-run --Werror "${files[@]}"
  echo "format: ${#files[@]} files clean"
else
  "$cf" -i "${files[@]}"
fi
