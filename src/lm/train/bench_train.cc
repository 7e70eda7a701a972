#include "src/lm/train/bench_train.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <torch/torch.h>

#include "src/core/error.h"
#include "src/core/log.h"
#include "src/lm/causal_lm.h"
#include "src/lm/model_config.h"
#include "src/lm/threads.h"
#include "src/lm/torch_compat.h"
#include "src/lm/train/grad_buckets.h"
#include "src/lm/train/optim.h"
#include "src/lm/train/train_step.h"
#include "src/lm/weights.h"

#if defined(ILF_HAS_C10_CUDA)
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace ilf::lm {
namespace {

void Sync(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index() < 0 ? -1 : device.index());
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One GEMM shape [m, k] x [k, n], `count` times per step, batched over `batch`.
struct Gemm {
  int64_t batch, m, k, n, count;
  double Flops() const { return 2.0 * batch * m * k * n * count; }
};

// The step's matrix products: each forward GEMM and the two of its backward.
std::vector<Gemm> StepGemms(const ModelConfig& c, int64_t b, int64_t t) {
  const int64_t d = c.hidden_size, hd = c.head_dim, h = c.num_attention_heads;
  const int64_t kv = c.num_key_value_heads, f = c.intermediate_size, l = c.num_hidden_layers;
  const int64_t rows = b * t;
  std::vector<std::pair<int64_t, int64_t>> projections;  // (in, out) per layer
  if (c.family == Family::kGpt2) {
    projections = {{d, 3 * d}, {d, d}, {d, f}, {f, d}};
  } else {
    projections = {{d, h * hd}, {d, kv * hd}, {d, kv * hd}, {h * hd, d}, {d, f}, {d, f}, {f, d}};
  }
  std::vector<Gemm> gemms;
  for (auto [in, out] : projections) {
    gemms.push_back({1, rows, in, out, l});  // y = x W^T
    gemms.push_back({1, rows, out, in, l});  // dx = dy W
    gemms.push_back({1, out, rows, in, l});  // dW = dy^T x
  }
  gemms.push_back({1, rows, d, c.vocab_size, 1});  // the LM head and its backward
  gemms.push_back({1, rows, c.vocab_size, d, 1});
  gemms.push_back({1, c.vocab_size, rows, d, 1});
  // Attention per (batch, head): S = Q K^T [t, hd] x [hd, t]; O = P V [t, t] x [t, hd]; backward
  // two products each.
  for (int i = 0; i < 3; ++i) {
    gemms.push_back({b * h, t, hd, t, l});
    gemms.push_back({b * h, t, t, hd, l});
  }
  return gemms;
}

double GemmFlopsPerSecond(const std::vector<Gemm>& gemms, const torch::TensorOptions& options,
                          int64_t repeats) {
  struct Operands {
    torch::Tensor a, b;
    int64_t count;
  };
  std::vector<Operands> operands;
  double flops = 0;
  for (const Gemm& g : gemms) {
    operands.push_back({torch::randn({g.batch, g.m, g.k}, options),
                        torch::randn({g.batch, g.k, g.n}, options), g.count});
    flops += g.Flops();
  }
  torch::NoGradGuard no_grad;
  const torch::Device device = options.device();
  double best = 0;
  for (int64_t r = 0; r <= repeats; ++r) {  // pass 0 warms up
    Sync(device);
    auto start = std::chrono::steady_clock::now();
    for (const Operands& o : operands) {
      for (int64_t i = 0; i < o.count; ++i) torch::bmm(o.a, o.b);
    }
    Sync(device);
    const double rate = flops / Seconds(start);
    if (r > 0) best = std::max(best, rate);
  }
  return best;
}

double PeakMemoryMib(const torch::Device& device) {
#if defined(ILF_HAS_C10_CUDA)
  if (device.is_cuda()) {
    auto stats =
        c10::cuda::CUDACachingAllocator::getDeviceStats(device.index() < 0 ? 0 : device.index());
    return stats.allocated_bytes[0].peak / 1048576.0;
  }
#endif
  struct rusage usage;
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // KiB on Linux
}

}  // namespace

BenchTrainResult BenchTrain(const BenchTrainOptions& o) {
  if (o.batch < 1 || o.seq < 2 || o.steps < 1) {
    throw Error(fmt::format("--batch {} (>= 1), --seq {} (>= 2), --steps {} (>= 1): out of range",
                            o.batch, o.seq, o.steps));
  }
  const DistributedEnv& dist = o.distributed;
  const int threads = ConfigureCpuThreads(
      o.threads > 0 ? o.threads
                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) /
                                      dist.local_world_size));
  KeepFreedMemoryForReuse();
  ModelConfig config = LoadModelConfig(o.config_path);
  torch::Device device = o.device == "auto" ? (torch::cuda::is_available()
                                                   ? torch::Device(torch::kCUDA, dist.local_rank)
                                                   : torch::kCPU)
                                            : torch::Device(o.device);
  if (device.is_cuda() && !torch::cuda::is_available()) {
    throw EnvironmentError("--device " + o.device + ": no CUDA device is available");
  }
  const bool bf16 = device.is_cuda() && o.bf16;
  auto options = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  std::shared_ptr<CausalLmImpl> model = MakeCausalLm(config, options);
  InitWeights(*model, o.seed);
  model->train();
  AdamW optimizer(NamedWeights(*model), {});
  ComputeOptions compute{device, bf16, nullptr};
  std::unique_ptr<ProcessGroup> group;
  std::unique_ptr<GradientBuckets> buckets;
  if (dist.world_size > 1) {
    group = std::make_unique<ProcessGroup>(dist, device);
    buckets = std::make_unique<GradientBuckets>(optimizer.params(), *group, o.bucket_mib << 20);
  }

  at::Generator generator = compat::MakeCpuGenerator(o.seed + 1 + dist.rank);
  Batch batch;
  batch.input_ids =
      torch::randint(0, config.vocab_size, {o.batch, o.seq}, generator, torch::kInt64);
  batch.labels = batch.input_ids.clone();
  batch.attention_mask = torch::ones_like(batch.input_ids);
  batch.tokens = o.batch * o.seq;
  batch.target_tokens = o.batch * (o.seq - 1);

  // The phases of TrainStep with one micro-batch, timed apart.
  std::vector<double> times, forward_times, backward_times, optimizer_times, sync_times;
  std::vector<torch::Tensor> params;
  for (const auto& [name, p] : optimizer.params()) params.push_back(p);
  for (int64_t step = 0; step <= o.steps; ++step) {  // step 0 warms up (allocations, kernels)
    Sync(device);
    auto start = std::chrono::steady_clock::now();
    optimizer.ZeroGrad();
    torch::Tensor loss = NextTokenLossSum(TrainLogits(*model, batch, compute), batch.labels) /
                         static_cast<double>(batch.target_tokens);
    Sync(device);
    const double forward_s = Seconds(start);
    if (buckets) buckets->Arm();
    loss.backward();
    Sync(device);
    const double backward_s = Seconds(start) - forward_s;
    if (buckets) buckets->Finish();  // what of the all-reduce backward did not hide
    Sync(device);
    const double sync_s = Seconds(start) - forward_s - backward_s;
    ClipGradNorm(params, 1.0);
    optimizer.Step(1e-5);
    Sync(device);
    const double total_s = Seconds(start);
    if (step > 0) {
      times.push_back(total_s);
      forward_times.push_back(forward_s);
      backward_times.push_back(backward_s);
      sync_times.push_back(sync_s);
      optimizer_times.push_back(total_s - forward_s - backward_s - sync_s);
    }
    LogInfo(
        "bench train: step {}/{} {:.3f} s (forward {:.3f}, backward {:.3f}, all-reduce wait "
        "{:.3f}, clip+AdamW {:.3f}){}",
        step, o.steps, total_s, forward_s, backward_s, sync_s,
        total_s - forward_s - backward_s - sync_s, step == 0 ? " warm-up" : "");
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[(v.size() - 1) / 2];
  };
  const double step_s = median(times);

  int64_t matmul_params = 0, all_params = 0;
  for (const auto& [name, p] : NamedWeights(*model)) {
    all_params += p.numel();
    if (p.dim() == 2 && name.find("embed") == std::string::npos &&
        name.find("wte") == std::string::npos && name.find("wpe") == std::string::npos) {
      matmul_params += p.numel();
    }
  }
  if (config.tie_word_embeddings) matmul_params += config.vocab_size * config.hidden_size;
  const double attention =
      12.0 * config.num_hidden_layers * o.seq * config.num_attention_heads * config.head_dim;
  const double flops_per_token = 6.0 * matmul_params + attention;
  const double tokens = static_cast<double>(o.batch * o.seq) * dist.world_size;
  // Per rank: the bare GEMM rate below is one rank's.
  const double model_flops_per_s = flops_per_token * tokens / dist.world_size / step_s;
  const double gemm_rate = GemmFlopsPerSecond(
      StepGemms(config, o.batch, o.seq),
      torch::TensorOptions().dtype(bf16 ? torch::kBFloat16 : torch::kFloat32).device(device),
      o.gemm_repeats);

  BenchTrainResult result;
  result.step_s = step_s;
  result.tokens_per_s = tokens / step_s;
  result.mfu = model_flops_per_s / gemm_rate;
  result.fields = {{"config", o.config_path},
                   {"architecture", config.architecture},
                   {"device", device.str()},
                   {"compute_dtype", bf16 ? "bfloat16" : "float32"},
                   {"threads", threads},
                   {"batch", o.batch},
                   {"seq", o.seq},
                   {"steps", o.steps},
                   {"params", all_params},
                   {"matmul_params", matmul_params},
                   {"step_s", step_s},
                   {"forward_s", median(forward_times)},
                   {"backward_s", median(backward_times)},
                   {"optimizer_s", median(optimizer_times)},
                   {"allreduce_wait_s", median(sync_times)},
                   {"ranks", dist.world_size},
                   {"gradient_buckets", buckets ? buckets->bucket_count() : 0},
                   {"tokens_per_s", result.tokens_per_s},
                   {"model_flops_per_token", flops_per_token},
                   {"model_tflops_per_s", model_flops_per_s / 1e12},
                   {"bare_gemm_tflops_per_s", gemm_rate / 1e12},
                   {"mfu", result.mfu},
                   {"peak_memory_mib", PeakMemoryMib(device)},
                   {"peak_memory_kind", device.is_cuda() ? "cuda_allocated" : "process_rss"}};
  return result;
}

}  // namespace ilf::lm
