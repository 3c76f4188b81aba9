// bench_eigen_gemm — a single-precision matrix product C = A B on n x n matrices (default 1024)
// by Eigen's own GEMM or by OpenBLAS (the static OpenMP build the engine links, when present):
// the machine's practical peak for the engine's kind of work, in GFLOP/s (2 n³ flops per
// product). Threads through OpenMP (Eigen::setNbThreads, openblas_set_num_threads).
//
//   bench_eigen_gemm [--backend eigen|openblas] [--n 1024] [--threads 1] [--min-time-ms 300]
// The engine's Eigen settings (config.h), so that Eigen runs as it does inside the library.
// clang-format off
#include "backprop/config.h"
#include <Eigen/Core>
// clang-format on
#include <cstdio>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_common.h"

#ifdef BENCH_HAVE_OPENBLAS
#include <cblas.h>
#endif

int main(int argc, char** argv) {
  try {
    const bench::Args args(argc, argv, 1);
    const int n = args.integer("n", 1024);
    const int threads = args.integer("threads", 1);
    const double min_time_ms = args.number("min-time-ms", 300);
    const std::string backend = args.get("backend", "eigen");
#ifdef _OPENMP
    Eigen::setNbThreads(threads);
#endif
    using M = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
    const M A = M::Random(n, n), B = M::Random(n, n);
    M C(n, n);
    std::function<void()> product = [&] { C.noalias() = A * B; };
    if (backend == "openblas") {
#ifdef BENCH_HAVE_OPENBLAS
      openblas_set_num_threads(threads);
      product = [&] {
        cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, A.data(), n, B.data(),
                    n, 0.0f, C.data(), n);
      };
#else
      throw std::runtime_error("--backend openblas: built without OpenBLAS");
#endif
    } else if (backend != "eigen") {
      throw std::runtime_error("--backend: eigen or openblas");
    }
    for (int i = 0; i < 2; ++i) product();  // warm-up
    std::vector<double> gflops;
    const bench::Clock::time_point start = bench::Clock::now();
    while (gflops.size() < 3 || 1e3 * bench::seconds_since(start) < min_time_ms) {
      const bench::Clock::time_point t0 = bench::Clock::now();
      product();
      gflops.push_back(2.0 * n * n * static_cast<double>(n) / bench::seconds_since(t0) / 1e9);
    }
    bench::Json()
        .add("impl", backend + "_sgemm")
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
