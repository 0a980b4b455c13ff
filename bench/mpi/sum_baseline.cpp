// The MPI program a user would write by hand for parlab's `-k sum -b mpi`: each rank fills and
// sums its own block of a[i] = i + 1 (the same data and split as the sum kernel's), and
// MPI_Reduce adds the partials on rank 0. The block sits in transparent huge pages, as an HPC
// programmer would put it and as parlab does (with THP on "madvise", 4 KiB pages would make
// this loop 2.5x slower here: that is a TLB benchmark, not the engine's overhead). A rep is timed
// as parlab times one: barrier, clock, sum, reduce, barrier, the slowest rank's time. It also times
// MPI_Reduce of one 8-byte partial alone, the cost a rep pays beyond the sum. scripts/bench_mpi.sh
// runs it beside parlab.
//
// usage: mpirun -np R parlab_mpi_baseline SIZE REPS
// prints one JSON object on rank 0: {"ranks", "size", "median_s", "reduce_us", "verified"}
#include <mpi.h>
#include <sys/mman.h>

#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "parlab/hot_loop.hpp"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The loop of its own: summed straight into a variable whose address MPI_Reduce takes, GCC
// stored it to memory every iteration and did not vectorise (2x slower here).
// The same code generation as the sum kernel's loop and the other baselines' (an AVX2 clone chosen
// at load time): the ratio then measures the engine, not the compiler. Without it this loop ran
// 1.2-1.5x slower than parlab's on 2 ranks here (2e8, both transports).
PARLAB_HOT_LOOP std::uint64_t block_sum(const std::int64_t* a, std::uint64_t size) {
  std::uint64_t s = 0;
  for (std::uint64_t j = 0; j < size; ++j) s += static_cast<std::uint64_t>(a[j]);
  return s;
}

// The slowest rank's time of what ran between two barriers.
template <class F>
double timed(F&& work) {
  MPI_Barrier(MPI_COMM_WORLD);
  const double t0 = MPI_Wtime();
  work();
  double mine = MPI_Wtime() - t0, slowest = 0;
  MPI_Barrier(MPI_COMM_WORLD);
  MPI_Allreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return slowest;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  if (argc != 3) {
    if (rank == 0) std::fprintf(stderr, "usage: parlab_mpi_baseline SIZE REPS\n");
    MPI_Finalize();
    return 2;
  }
  const auto n = static_cast<std::uint64_t>(std::strtod(argv[1], nullptr));
  const int reps = std::max(1, std::atoi(argv[2]));
  // Block r of R: the first n % R blocks one element longer, as the mpi backend splits.
  const std::uint64_t base = n / ranks, extra = n % ranks, r = rank;
  const std::uint64_t begin = r * base + std::min(r, extra), size = base + (r < extra ? 1 : 0);
  const std::size_t bytes = std::max<std::size_t>(size, 1) * sizeof(std::int64_t);
  void* map = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) MPI_Abort(MPI_COMM_WORLD, 1);
  madvise(map, bytes, MADV_HUGEPAGE);
  auto* a = static_cast<std::int64_t*>(map);
  for (std::uint64_t j = 0; j < size; ++j) a[j] = static_cast<std::int64_t>(begin + j + 1);

  std::uint64_t total = 0;
  const auto rep = [&] {
    const std::uint64_t s = block_sum(a, size);
    MPI_Reduce(&s, &total, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
  };
  rep();  // warm-up, as parlab's --warmup 1
  std::vector<double> times, reduces;
  for (int i = 0; i < reps; ++i) times.push_back(timed(rep));
  std::uint64_t one = 1, sink = 0;
  for (int i = 0; i < 1000; ++i)
    reduces.push_back(
        timed([&] { MPI_Reduce(&one, &sink, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD); }));
  // n(n+1)/2 modulo 2^64, as the kernel's check: halve the even factor first.
  const std::uint64_t want = n % 2 == 0 ? (n / 2) * (n + 1) : n * ((n + 1) / 2);
  const bool verified = total == want;
  if (rank == 0)
    std::printf("{\"ranks\": %d, \"size\": %" PRIu64
                ", \"median_s\": %.9g, \"reduce_us\": %.4g, "
                "\"verified\": %s}\n",
                ranks, n, median(times), median(reduces) * 1e6, verified ? "true" : "false");
  munmap(map, bytes);
  MPI_Finalize();
  return rank == 0 && !verified ? 1 : 0;
}
