// mpi.h — the Communicator (distributed.h) over MPI, for a program started by an MPI launcher:
// `mpirun -np 4 prog`, a hostfile, or Slurm's `srun`. Library target backprop::mpi (built when
// MPI is found; Debian: libopenmpi-dev).
//
//   if (MpiCommunicator::launched()) comm.emplace(&argc, &argv);   // MPI_Init ... MPI_Finalize
//   options.communicator = &*comm;                                  // train.h
//
// MPI's default error handler stays: a failed call ends the whole job, never a hang.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "backprop/distributed.h"

namespace backprop {

class MpiCommunicator final : public Communicator {
 public:
  // Whether an MPI launcher started this process (Open MPI's, PMI's or PMIx's variables are set),
  // so that a program run without one never initialises MPI.
  static bool launched();

  // Initialises MPI (threads: only the one that called this talks to MPI) on MPI_COMM_WORLD.
  MpiCommunicator(int* argc, char*** argv);
  ~MpiCommunicator() override;  // MPI_Finalize
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  // Ends every process of the job with this exit status (MPI_Abort).
  [[noreturn]] void abort(int status);
  // The MPI library's name and version ("Open MPI v4.1.4, ...": its first line).
  static std::string library_version();

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_size() const override { return local_size_; }
  void allreduce_sum(float* data, std::size_t n) override;
  void allreduce_sum(double* data, std::size_t n) override;
  void allreduce_max(double* data, std::size_t n) override;
  void reduce_scatter_sum(const float* data, float* mine,
                          const std::vector<std::size_t>& counts) override;
  void reduce_scatter_sum(const double* data, double* mine,
                          const std::vector<std::size_t>& counts) override;
  void allgather(float* data, const std::vector<std::size_t>& counts) override;
  void allgather(double* data, const std::vector<std::size_t>& counts) override;
  void broadcast(float* data, std::size_t n, int root) override;
  void broadcast(double* data, std::size_t n, int root) override;

 private:
  int rank_ = 0, size_ = 1, local_size_ = 1;
};

}  // namespace backprop
