// Data-parallel ranks on torch.distributed's c10d: torchrun's environment, the rendezvous and the
// collectives that finetuning needs.
//
// Theory of operation. Every rank is one `ilf` process. torchrun, Slurm (through torchrun or by
// setting the variables itself) or `ilf finetune --nproc N` (runner/local_ranks.h) start them with
// WORLD_SIZE, RANK, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT set. Rank 0 runs a
// c10d TCPStore server on MASTER_ADDR:MASTER_PORT; every rank connects to it, and the store
// exchanges the addresses from which the backend connects every pair of ranks: Gloo for CPU
// tensors, NCCL for CUDA tensors (the CUDA build of LibTorch only). Collectives match up by call
// order, so every rank must issue the same collectives in the same order.
//
// Failure. A rank that dies closes its connections; the collectives the others are in, or start
// next, fail, and ProcessGroup turns that into ilf::Error ("rank 1 of 2: all-reduce failed ...:
// another rank died or stopped") instead of waiting. A rank that hangs without dying is noticed
// after `timeout_s`.
#pragma once

#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ilf::lm {

// torchrun's variables. world_size 1 means no process group (a plain single-process run).
struct DistributedEnv {
  int world_size = 1;             // WORLD_SIZE: ranks in the job
  int rank = 0;                   // RANK: this process's rank, 0 .. world_size-1
  int local_rank = 0;             // LOCAL_RANK: rank on this machine (selects cuda:LOCAL_RANK)
  int local_world_size = 1;       // LOCAL_WORLD_SIZE: ranks on this machine (CPU threads share)
  std::string master_addr;        // MASTER_ADDR: host of rank 0's rendezvous store
  int master_port = 0;            // MASTER_PORT: its TCP port
  int64_t timeout_s = 1800;       // ILF_DIST_TIMEOUT_S: rendezvous and collective timeout
};

// Reads the variables above from the environment. Without WORLD_SIZE (or with WORLD_SIZE=1) it
// returns a single-process env. Throws ilf::Error naming the variable when one is missing or not a
// number in range.
DistributedEnv ReadDistributedEnv();

// The process group of this rank: a TCPStore rendezvous and a Gloo (CPU) or NCCL (CUDA) backend.
// All calls block until every rank made the same call, except AllReduceSumAsync. Not thread-safe
// except AllReduceSumAsync, which autograd hooks call; copying is deleted.
class ProcessGroup {
 public:
  // Joins the group described by `env` (world_size >= 2) for tensors on `device`. Throws ilf::Error
  // when the rendezvous times out or the backend is not built in (NCCL in a CPU-only LibTorch).
  ProcessGroup(const DistributedEnv& env, const torch::Device& device);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const;
  int size() const;
  const std::string& backend() const;  // "gloo" or "nccl"

  // Sums `tensor` over the ranks, in place.
  void AllReduceSum(torch::Tensor tensor);
  // Starts summing `tensor` in place and returns at once; WaitAll() completes it. The tensor must
  // not be touched until then. Thread-safe against other AllReduceSumAsync calls.
  void AllReduceSumAsync(torch::Tensor tensor);
  // Waits for every AllReduceSumAsync started so far.
  void WaitAll();
  // Overwrites `tensors` on every rank with rank `root`'s values, in place.
  void Broadcast(std::vector<torch::Tensor> tensors, int root);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ilf::lm
