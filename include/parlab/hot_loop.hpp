#pragma once
// PARLAB_HOT_LOOP before a function asks GCC for an AVX2 (x86-64-v3) clone beside the baseline
// x86-64 one, chosen at load time by the CPU it runs on: one binary, fast on any x86-64, with
// no -march=native rebuild. Measured here on the int64 stream sum: 29 GB/s baseline vs 116 GB/s
// AVX2 in cache, 20 vs 32 GB/s from DRAM on one core. No AVX-512 clone: it was no faster here,
// and docs/PITFALLS.md records AVX-512 code generation running 6x slower on this CPU.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define PARLAB_HOT_LOOP __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define PARLAB_HOT_LOOP
#endif
