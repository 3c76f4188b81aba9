#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <string>

#include "backprop/error.h"
#include "backprop/mpi.h"

namespace backprop {
namespace {

// MPI counts are ints: long buffers go in pieces of at most INT_MAX values.
template <typename S>
void allreduce(S* data, std::size_t n, MPI_Datatype type, MPI_Op op) {
  for (std::size_t at = 0; at < n; at += INT_MAX) {
    const int count = static_cast<int>(std::min<std::size_t>(n - at, INT_MAX));
    MPI_Allreduce(MPI_IN_PLACE, data + at, count, type, op, MPI_COMM_WORLD);
  }
}

template <typename S>
void broadcast_values(S* data, std::size_t n, MPI_Datatype type, int root) {
  for (std::size_t at = 0; at < n; at += INT_MAX) {
    const int count = static_cast<int>(std::min<std::size_t>(n - at, INT_MAX));
    MPI_Bcast(data + at, count, type, root, MPI_COMM_WORLD);
  }
}

// Per-rank counts as MPI's ints, with their offsets; an Error when the whole is more than one
// call can address.
struct RankCounts {
  std::vector<int> count, offset;
};
RankCounts rank_counts(const std::vector<std::size_t>& counts, const char* call) {
  RankCounts c{std::vector<int>(counts.size()), std::vector<int>(counts.size())};
  std::size_t at = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    if (at + counts[r] > INT_MAX)
      throw Error(std::string(call) + ": " + std::to_string(at + counts[r]) +
                  " values are more than one MPI call can address (" + std::to_string(INT_MAX) +
                  ")");
    c.count[r] = static_cast<int>(counts[r]);
    c.offset[r] = static_cast<int>(at);
    at += counts[r];
  }
  return c;
}

template <typename S>
void allgather_values(S* data, const std::vector<std::size_t>& counts, MPI_Datatype type) {
  const RankCounts c = rank_counts(counts, "allgather");
  MPI_Allgatherv(MPI_IN_PLACE, 0, type, data, c.count.data(), c.offset.data(), type,
                 MPI_COMM_WORLD);
}

template <typename S>
void reduce_scatter_values(const S* data, S* mine, const std::vector<std::size_t>& counts,
                           MPI_Datatype type) {
  const RankCounts c = rank_counts(counts, "reduce_scatter");
  MPI_Reduce_scatter(data, mine, c.count.data(), type, MPI_SUM, MPI_COMM_WORLD);
}

}  // namespace

bool MpiCommunicator::launched() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}

MpiCommunicator::MpiCommunicator(int* argc, char*** argv) {
  // Waiting ranks yield their core instead of polling it (unless the user chose): on a busy
  // machine polling made `mpirun -np 2` 2-3x slower than yielding (bench/DISTRIBUTED.md).
  setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
  MPI_Comm_size(local, &local_size_);
  MPI_Comm_free(&local);
}

MpiCommunicator::~MpiCommunicator() { MPI_Finalize(); }

void MpiCommunicator::abort(int status) {
  MPI_Abort(MPI_COMM_WORLD, status);
  std::exit(status);  // not reached: MPI_Abort ends this process too
}

std::string MpiCommunicator::library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(text, &length);
  std::string version(text, static_cast<std::size_t>(length));
  return version.substr(0, version.find_first_of(",\n"));
}

void MpiCommunicator::allreduce_sum(float* data, std::size_t n) {
  allreduce(data, n, MPI_FLOAT, MPI_SUM);
}
void MpiCommunicator::allreduce_sum(double* data, std::size_t n) {
  allreduce(data, n, MPI_DOUBLE, MPI_SUM);
}
void MpiCommunicator::allreduce_max(double* data, std::size_t n) {
  allreduce(data, n, MPI_DOUBLE, MPI_MAX);
}
void MpiCommunicator::reduce_scatter_sum(const float* data, float* mine,
                                         const std::vector<std::size_t>& counts) {
  reduce_scatter_values(data, mine, counts, MPI_FLOAT);
}
void MpiCommunicator::reduce_scatter_sum(const double* data, double* mine,
                                         const std::vector<std::size_t>& counts) {
  reduce_scatter_values(data, mine, counts, MPI_DOUBLE);
}
void MpiCommunicator::allgather(float* data, const std::vector<std::size_t>& counts) {
  allgather_values(data, counts, MPI_FLOAT);
}
void MpiCommunicator::allgather(double* data, const std::vector<std::size_t>& counts) {
  allgather_values(data, counts, MPI_DOUBLE);
}
void MpiCommunicator::broadcast(float* data, std::size_t n, int root) {
  broadcast_values(data, n, MPI_FLOAT, root);
}
void MpiCommunicator::broadcast(double* data, std::size_t n, int root) {
  broadcast_values(data, n, MPI_DOUBLE, root);
}

}  // namespace backprop
