// bench_eigen_gemm — Eigen's own single-precision matrix product C = A B on n x n matrices
// (default 1024): the machine's practical peak for the engine's kind of work, in GFLOP/s
// (2 n³ flops per product). Threads through Eigen's OpenMP (Eigen::setNbThreads).
//
//   bench_eigen_gemm [--n 1024] [--threads 1] [--min-time-ms 300]
#include <Eigen/Core>
#include <cstdio>
#include <exception>
#include <vector>

#include "bench_common.h"

int main(int argc, char** argv) {
  try {
    const bench::Args args(argc, argv, 1);
    const int n = args.integer("n", 1024);
    const int threads = args.integer("threads", 1);
    const double min_time_ms = args.number("min-time-ms", 300);
#ifdef _OPENMP
    Eigen::setNbThreads(threads);
#endif
    using M = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
    const M A = M::Random(n, n), B = M::Random(n, n);
    M C(n, n);
    for (int i = 0; i < 2; ++i) C.noalias() = A * B;  // warm-up
    std::vector<double> gflops;
    const bench::Clock::time_point start = bench::Clock::now();
    while (gflops.size() < 3 || 1e3 * bench::seconds_since(start) < min_time_ms) {
      const bench::Clock::time_point t0 = bench::Clock::now();
      C.noalias() = A * B;
      gflops.push_back(2.0 * n * n * static_cast<double>(n) / bench::seconds_since(t0) / 1e9);
    }
    bench::Json()
        .add("impl", "eigen_sgemm")
        .add("n", n)
        .add("threads", threads)
        .add("eigen_nb_threads", Eigen::nbThreads())
        .add("gflops", bench::median(gflops))
        .add("gflops_max", *std::max_element(gflops.begin(), gflops.end()))
        .add("products", static_cast<int>(gflops.size()))
        .add("check", static_cast<double>(C(0, 0)))
        .print();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_eigen_gemm: %s\n", e.what());
    return 1;
  }
}
