// distributed.h — one model trained by several processes (data parallelism across machines).
//
// train() (train.h) takes a Communicator through TrainOptions.communicator. The P processes
// ("ranks") of a job each hold the whole training set and run the same loop: the same shuffles,
// the same number of steps, the same updates. Each step's global batch of N samples splits into
// a shard layout of K shards (train.h, shard_count); rank r computes the gradient sums g_k of
// its shards k = ⌊rK/P⌋ .. ⌊(r+1)K/P⌋ − 1 (with its own worker threads), then
//
//   default:        g = Σ_r (Σ_{k of r} g_k)             as a reduce-scatter: rank r gets its
//                                                         slice of g (part r of P of every
//                                                         tensor, optimizers.h), updates that
//                                                         slice of the parameters, and an
//                                                         allgather shares the slices (with
//                                                         gradient clipping: one allreduce of g,
//                                                         every rank updating everything)
//   deterministic:  every g_k to every rank (allgather),  g = ((g_0 + g_1) + ...) + g_{K-1}
//
// and every rank applies the same optimizer step to its copy of the parameters. The default's
// sum over ranks is grouped as the communication library chooses, so its model depends (in the
// last bits) on P; the deterministic one is bit-identical to a one-process, one-thread run.
// Rank 0's initial parameters are broadcast first; every rank must read the same data (checked).
//
// The interface speaks in flat buffers and knows nothing of networks; backprop/mpi.h implements
// it over MPI. A Communicator must be called from one thread per rank, and by all ranks in the
// same order (collective calls).
#pragma once

#include <cstddef>
#include <vector>

namespace backprop {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;  // 0 .. size() − 1
  virtual int size() const = 0;
  // Processes of the job on this machine (for the default number of threads each).
  virtual int local_size() const { return 1; }

  // data[i] ← Σ over ranks of data[i], on every rank (the order of the sum is unspecified).
  virtual void allreduce_sum(float* data, std::size_t n) = 0;
  virtual void allreduce_sum(double* data, std::size_t n) = 0;
  // Rank r's block of `data` (counts[r] values at offset counts[0] + ... + counts[r − 1]) summed
  // over ranks into mine (counts[r] values): MPI_Reduce_scatter.
  virtual void reduce_scatter_sum(const float* data, float* mine,
                                  const std::vector<std::size_t>& counts) = 0;
  virtual void reduce_scatter_sum(const double* data, double* mine,
                                  const std::vector<std::size_t>& counts) = 0;
  // data[i] ← max over ranks of data[i], on every rank.
  virtual void allreduce_max(double* data, std::size_t n) = 0;
  // Rank r's block of counts[r] values, at offset counts[0] + ... + counts[r − 1] of `data`,
  // copied into the same place on every rank (counts: one per rank, the same on every rank).
  virtual void allgather(float* data, const std::vector<std::size_t>& counts) = 0;
  virtual void allgather(double* data, const std::vector<std::size_t>& counts) = 0;
  // data ← rank `root`'s data, on every rank.
  virtual void broadcast(float* data, std::size_t n, int root) = 0;
  virtual void broadcast(double* data, std::size_t n, int root) = 0;
};

}  // namespace backprop
