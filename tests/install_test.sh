#!/usr/bin/env bash
# `make install` and find_package(parlab) end to end: installs the build tree into a scratch
# prefix, builds tests/consumer (examples/custom_kernel.cpp against parlab::engine) with only
# CMAKE_PREFIX_PATH pointing there, runs it on every backend, and runs the installed CLI.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR [CMAKE] [CXX_COMPILER]
set -euo pipefail
build=$1
src=$2
cmake=${3:-cmake}
cxx=${4:-c++}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

fail() { echo "FAIL install: $*" >&2; exit 1; }

"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; fail "cmake --install $build --prefix $prefix"; }
for f in bin/parlab include/parlab/engine.hpp lib/cmake/parlab/parlabConfig.cmake; do
  [ -e "$prefix/$f" ] || fail "$f was not installed"
done

# A clean environment: the consumer must find parlab through CMAKE_PREFIX_PATH alone.
"$cmake" -S "$src/tests/consumer" -B "$tmp/consumer" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix" \
  -DPARLAB_EXAMPLE="$src/examples/custom_kernel.cpp" >"$tmp/configure.log" 2>&1 ||
  { cat "$tmp/configure.log"; fail "configuring the consumer"; }
grep -q "parlab .* found in $prefix/" "$tmp/configure.log" ||
  { cat "$tmp/configure.log"; fail "find_package(parlab) did not pick the installed copy"; }
"$cmake" --build "$tmp/consumer" -j 2 >"$tmp/build.log" 2>&1 ||
  { cat "$tmp/build.log"; fail "building the consumer against the installed headers"; }

# Run from elsewhere, so nothing resolves relative to the build tree.
rc=0
out=$(cd / && "$tmp/consumer/custom_kernel" 100000) || rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "custom_kernel exited $rc"
for b in seq threads tbb omp fork; do
  grep -qE "^$b +ok" <<<"$out" || fail "custom_kernel did not print ok for backend $b"
done

list=$(cd / && env -u LD_LIBRARY_PATH "$prefix/bin/parlab" list) || { echo "$list"; fail "installed parlab list failed"; }
echo "$list"
for name in sum io seq threads tbb omp fork; do
  grep -qE "^ +$name " <<<"$list" || fail "installed parlab list lacks $name"
done
echo "install: ok (prefix $prefix)"
