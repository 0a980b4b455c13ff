#!/usr/bin/env bash
# make fuzz: the libFuzzer target (tests/fuzz/parlab_fuzz.cpp) built with clang++ and ASan in
# build-fuzz/, run for FUZZ_TIME seconds (default 60) from the seed corpus tests/fuzz/corpus.
# New inputs it finds go to build-fuzz/corpus, crashes to build-fuzz/artifacts/ (exit non-zero).
# MPI is left out of this tree: validating `-b mpi+...` asks the backend which indices it owns,
# which starts MPI, once per input, in the fuzzing process.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${FUZZ_BUILD:-build-fuzz}
time_s=${FUZZ_TIME:-60}
jobs=${JOBS:-2}
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
flags+=" -fno-omit-frame-pointer"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON -DPARLAB_FUZZ=ON -DPARLAB_BUILD_TESTS=OFF \
    -DPARLAB_BUILD_BENCH=OFF -DPARLAB_WERROR=ON >/dev/null
fi
nice -n 10 cmake --build "$build" --target parlab_fuzz -j "$jobs"
mkdir -p "$build/corpus" "$build/artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/sanitizers/lsan.supp:print_suppressions=0}
# -close_fd_mask=3: the CLI's own refusals on stdout/stderr would drown libFuzzer's lines (its
# reports and the sanitizers' still reach stderr). Each input gets at most 10 s and 2 GB.
"$build/tests/fuzz/parlab_fuzz" -max_total_time="$time_s" -timeout=10 -rss_limit_mb=2048 \
  -close_fd_mask=3 -dict=tests/fuzz/parlab.dict -artifact_prefix="$build/artifacts/" \
  -print_final_stats=1 "$build/corpus" tests/fuzz/corpus
