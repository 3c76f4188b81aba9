#include "backprop/threads.h"

#include <Eigen/Core>

#include "backprop/error.h"

#ifdef BACKPROP_USE_OPENBLAS
#include <cblas.h>
#endif

namespace backprop {

void set_threads(int n) {
  if (n < 1) throw usage_error("threads: expected at least 1, found " + std::to_string(n));
  Eigen::setNbThreads(n);
#ifdef BACKPROP_USE_OPENBLAS
  openblas_set_num_threads(n);
#endif
}

int threads() { return Eigen::nbThreads(); }

std::string gemm_backend() {
#ifdef BACKPROP_USE_OPENBLAS
  std::string config = openblas_get_config();  // "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ..."
  const std::size_t space = config.find(' ', config.find(' ') + 1);
  return config.substr(0, space) + " (" + openblas_get_corename() + " kernels)";
#else
  return "Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." +
         std::to_string(EIGEN_MAJOR_VERSION) + "." + std::to_string(EIGEN_MINOR_VERSION);
#endif
}

}  // namespace backprop
