#include "src/lm/train/distributed.h"

#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/version.h>
#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif

#include <cstdlib>
#include <mutex>

#include <fmt/format.h>

#include "src/core/error.h"
#include "src/core/log.h"

// ProcessGroupGloo.hpp compiles only with USE_C10D_GLOO (Debian's LibTorch CMake config exports
// it, a wheel's may not); the Gloo headers come from libgloo-dev and may be absent beside a wheel.
#if __has_include(<gloo/context.h>)
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#define ILF_HAS_GLOO 1
#endif
#if defined(ILF_HAS_C10_CUDA)  // CUDA builds of LibTorch (PyTorch wheels) ship NCCL
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#define ILF_HAS_NCCL 1
#endif

namespace ilf::lm {
namespace {

// The one LibTorch version difference here (kept beside the only code that touches c10d, so that
// src/lm/torch_compat.h, which the model code includes, stays free of c10d): ProcessGroupGloo and
// ProcessGroupNCCL derive from c10d::ProcessGroup in 1.13 and from c10d::Backend in 2.x, with the
// same allreduce and broadcast calls.
#if TORCH_VERSION_MAJOR >= 2
using CollectiveBackend = c10d::Backend;  // torch/csrc/distributed/c10d/Backend.hpp
#else
using CollectiveBackend = c10d::ProcessGroup;
#endif

int IntVariable(const char* name, int low, int high, int fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') {
    if (fallback >= low) return fallback;
    throw Error(fmt::format("{} is not set (torchrun sets WORLD_SIZE, RANK, LOCAL_RANK, "
                            "MASTER_ADDR and MASTER_PORT together)",
                            name));
  }
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < low || value > high) {
    throw Error(fmt::format("{}='{}': expected an integer in [{}, {}]", name, text, low, high));
  }
  return static_cast<int>(value);
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

DistributedEnv ReadDistributedEnv() {
  DistributedEnv env;
  env.world_size = IntVariable("WORLD_SIZE", 1, 1 << 20, 1);
  if (env.world_size == 1) return env;
  env.rank = IntVariable("RANK", 0, env.world_size - 1, -1);
  env.local_rank = IntVariable("LOCAL_RANK", 0, env.world_size - 1, 0);
  env.local_world_size = IntVariable("LOCAL_WORLD_SIZE", 1, env.world_size, env.world_size);
  const char* addr = std::getenv("MASTER_ADDR");
  if (addr == nullptr || *addr == '\0') {
    throw Error("MASTER_ADDR is not set (WORLD_SIZE is " + std::to_string(env.world_size) +
                "; torchrun sets both)");
  }
  env.master_addr = addr;
  env.master_port = IntVariable("MASTER_PORT", 1, 65535, -1);
  env.timeout_s = IntVariable("ILF_DIST_TIMEOUT_S", 1, 7 * 24 * 3600, 1800);
  return env;
}

struct ProcessGroup::Impl {
  DistributedEnv env;
  std::string backend_name;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<CollectiveBackend> backend;
  std::mutex mutex;                                  // guards pending
  std::vector<c10::intrusive_ptr<c10d::Work>> pending;  // AllReduceSumAsync not yet waited for

  // Runs a collective, turning a failure (a peer gone, a timeout) into ilf::Error.
  template <typename Fn>
  void Checked(const char* what, Fn fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      throw Error(fmt::format("rank {} of {}: {} failed: {} (another rank died or stopped; its "
                              "own error is in its output)",
                              env.rank, env.world_size, what, e.what()),
                  kExitFailed);
    }
  }
};

ProcessGroup::ProcessGroup(const DistributedEnv& env, const torch::Device& device)
    : impl_(std::make_unique<Impl>()) {
  ILF_CHECK(env.world_size >= 2, "a process group needs two or more ranks");
  impl_->env = env;
  const std::chrono::milliseconds timeout(env.timeout_s * 1000);
  c10d::TCPStoreOptions store_options;
  store_options.port = static_cast<std::uint16_t>(env.master_port);
  store_options.isServer = env.rank == 0;
  store_options.numWorkers = static_cast<std::size_t>(env.world_size);
  store_options.waitWorkers = true;
  store_options.timeout = timeout;
  try {
    impl_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store_options);
  } catch (const std::exception& e) {
    throw Error(fmt::format("rank {} of {}: rendezvous at MASTER_ADDR:MASTER_PORT = {}:{} failed "
                            "within {} s: {} (hint: every rank needs the same MASTER_ADDR and "
                            "MASTER_PORT, and rank 0 must be able to listen on that port)",
                            env.rank, env.world_size, env.master_addr, env.master_port,
                            env.timeout_s, e.what()),
                kExitFailed);
  }
  if (device.is_cuda()) {
#if defined(ILF_HAS_NCCL)
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    impl_->backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl_->store, env.rank,
                                                                 env.world_size, options);
    impl_->backend_name = "nccl";
#else
    throw EnvironmentError("data-parallel training on CUDA needs NCCL, which this LibTorch build "
                           "lacks (hint: build ilf against a CUDA PyTorch wheel's LibTorch)");
#endif
  } else {
#if defined(ILF_HAS_GLOO)
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME")) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
    } else if (IsLoopback(env.master_addr)) {
      options->devices.push_back(
          c10d::ProcessGroupGloo::createDeviceForHostname(env.master_addr));
    } else {
      options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    impl_->Checked("connecting the Gloo group", [&] {
      impl_->backend = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, env.rank,
                                                                   env.world_size, options);
    });
    impl_->backend_name = "gloo";
#else
    throw EnvironmentError("data-parallel training on the CPU needs Gloo, whose headers were not "
                           "found at build time (hint: install libgloo-dev and rebuild)");
#endif
  }
  LogInfo("distributed: rank {} of {} (local rank {}) joined {}:{} with {}", env.rank,
          env.world_size, env.local_rank, env.master_addr, env.master_port, impl_->backend_name);
}

ProcessGroup::~ProcessGroup() = default;

int ProcessGroup::rank() const { return impl_->env.rank; }
int ProcessGroup::size() const { return impl_->env.world_size; }
const std::string& ProcessGroup::backend() const { return impl_->backend_name; }

void ProcessGroup::AllReduceSum(torch::Tensor tensor) {
  impl_->Checked("all-reduce", [&] {
    std::vector<torch::Tensor> tensors{std::move(tensor)};
    impl_->backend->allreduce(tensors)->wait();
  });
}

void ProcessGroup::AllReduceSumAsync(torch::Tensor tensor) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->Checked("all-reduce", [&] {
    std::vector<torch::Tensor> tensors{std::move(tensor)};
    impl_->pending.push_back(impl_->backend->allreduce(tensors));
  });
}

void ProcessGroup::WaitAll() {
  std::vector<c10::intrusive_ptr<c10d::Work>> pending;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    pending.swap(impl_->pending);
  }
  impl_->Checked("gradient all-reduce", [&] {
    for (auto& work : pending) work->wait();
  });
}

void ProcessGroup::Broadcast(std::vector<torch::Tensor> tensors, int root) {
  c10d::BroadcastOptions options;
  options.rootRank = root;
  impl_->Checked("broadcast", [&] {
    // One collective per tensor: c10d reads a list as one tensor per local device.
    for (torch::Tensor& tensor : tensors) {
      std::vector<torch::Tensor> one{tensor.detach()};
      impl_->backend->broadcast(one, options)->wait();
    }
  });
}

}  // namespace ilf::lm
