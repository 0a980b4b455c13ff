#!/usr/bin/env bash
# make tsan: ThreadSanitizer over the thread and OpenMP tests and the lesson kernels, in
# build-tsan/. clang++ with LLVM's libomp, which CMake's FindOpenMP picks for clang
# (-fopenmp=libomp, /usr/lib/llvm-14/lib/libomp.so), and Archer, libomp's TSan tool that tells
# TSan about OpenMP's barriers and tasks. g++ would link libgomp, whose uninstrumented barriers
# TSan reports as races (docs/PITFALLS.md, "Races and sanitizers").
# Left out, because TSan cannot see them: MPI (not built here: Open MPI is uninstrumented and its
# ranks are separate processes) and the tbb backend (Debian's libtbb is uninstrumented: its task
# handoffs look like races; ignore_noninstrumented_modules only silences reports inside it).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${TSAN_BUILD:-build-tsan}
jobs=${JOBS:-2}
archer=${ARCHER:-/usr/lib/llvm-14/lib/libarcher.so}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
    -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" \
    -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON -DPARLAB_BUILD_BENCH=OFF -DPARLAB_WERROR=ON >/dev/null
fi
nice -n 10 cmake --build "$build" --target parlab parlab_tests -j "$jobs"
# ldd's output is read whole before it is searched: `ldd | grep -q` under pipefail fails at
# random, when grep exits at the first match and ldd dies of SIGPIPE writing the next line (the
# CI's tsan stage failed so, on a libparlab.so that did link libomp).
libs=$(ldd "$build/libparlab.so")
if ! grep -q 'libomp' <<<"$libs"; then
  echo "tsan: $build/libparlab.so does not link LLVM's libomp; Archer cannot see its OpenMP" >&2
  exit 1
fi
[ -f "$archer" ] || { echo "tsan: no Archer at $archer (apt-get install libomp-14-dev)" >&2; exit 1; }
export OMP_TOOL_LIBRARIES="$archer" OMP_WAIT_POLICY=passive
# handle_segv=0: the fault tests crash workers with SIGSEGV on purpose and check that the crash
# is reported by its signal; TSan's own handler would make the child exit 66 instead.
export TSAN_OPTIONS="ignore_noninstrumented_modules=1 halt_on_error=1 second_deadlock_stack=1 handle_segv=0 suppressions=$PWD/scripts/sanitizers/tsan.supp ${TSAN_OPTIONS:-}"
export ARCHER_OPTIONS="verbose=1"
# Excluded suites, each for a reason TSan gives:
#   *tbb*        the tbb backend: uninstrumented libtbb (above);
#   timing       suites that assert wall time (TSan slows code 5-15x): the CMake list of them;
#   soak.*       resident memory within 8 MiB: TSan's shadow memory grows with every address used;
#   property.*   300 random points over every backend, tbb included: the backend suites below
#                cover the same code for threads, omp, fork and forkpool.
timing=$(sed -n 's/^set(PARLAB_TIMING_SUITES "\(.*\)")$/\1/p' tests/CMakeLists.txt)
filter="-*tbb*:${timing}:soak.*:property.*"
# Two shards at once (gtest's own sharding, each test in exactly one): the suite waits more than
# it computes, and one process left a core idle (124 s in one process, 66 s in two, here).
# Tests already run beside each other in ctest -j2, so two processes at once are nothing new.
shard_pids=()
for shard in 0 1; do
  GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=$shard "$build/tests/parlab_tests" \
    --gtest_filter="$filter" --gtest_brief=1 >"$build/unit-shard-$shard.log" 2>&1 &
  shard_pids+=($!)
done
unit_rc=0
for shard in 0 1; do
  wait "${shard_pids[$shard]}" || unit_rc=1
  cat "$build/unit-shard-$shard.log"
done
[ "$unit_rc" = 0 ] || { echo "tsan: the unit pass failed (logs above)" >&2; exit 1; }
# The lesson kernels through the CLI, on the backends TSan sees. The unsafe counter's lost
# updates are relaxed atomics: a race by design that is no data race, so TSan stays quiet.
parlab="$build/parlab"
for b in threads omp; do
  for mode in unsafe atomic mutex; do
    "$parlab" run -k counter -b "$b" -t 2 --increments 2e5 --mode "$mode" --reps 1 --no-probe >/dev/null
  done
  "$parlab" run -k sum -b "$b" -t 2 --size 1e6 --reps 1 --no-probe >/dev/null
  "$parlab" run -k pipeline -b "$b" -t 4 --reps 1 --no-probe >/dev/null
  "$parlab" run -k spawn -b "$b" -t 4 --reps 2 --no-probe >/dev/null
  "$parlab" run -k mixed -b "$b" -t 4 --reps 1 --no-probe >/dev/null
done
"$parlab" run -k sum -b threads -t 2 --size 1e5 --gil --reps 1 --no-probe >/dev/null
"$parlab" run -k io -b async -t 1 --tasks 100 --duration 1ms --reps 1 --no-probe >/dev/null
"$parlab" run -k mixed -b threads -t 4 --cpu-on omp --cpu-workers 2 --reps 1 --no-probe >/dev/null
echo "tsan: clean"
