#include "src/lm/bench_generate.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <random>

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <fmt/format.h>
#include <torch/cuda.h>

#include "src/core/error.h"
#include "src/core/log.h"
#include "src/lm/device.h"
#include "src/lm/generate.h"
#include "src/lm/gpt2.h"
#include "src/lm/llama.h"
#include "src/lm/threads.h"
#include "src/lm/weights.h"

namespace ilf::lm {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

void Sync(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize();
}

// The weight matrices one decoding step multiplies by, in the layout the model uses them: (weight,
// transposed?) where Linear weights [out, in] are used transposed and Conv1D [in, out] as they are.
std::vector<std::pair<torch::Tensor, bool>> StepMatrices(CausalLmImpl& model) {
  std::vector<std::pair<torch::Tensor, bool>> mats;
  if (auto* llama = dynamic_cast<LlamaForCausalLmImpl*>(&model)) {
    for (size_t i = 0; i < llama->model->layers->size(); ++i) {
      auto* block = llama->model->layers->ptr<LlamaBlockImpl>(i).get();
      for (Linear* l : {&block->self_attn->q_proj, &block->self_attn->k_proj,
                        &block->self_attn->v_proj, &block->self_attn->o_proj,
                        &block->mlp->gate_proj, &block->mlp->up_proj, &block->mlp->down_proj}) {
        mats.emplace_back((*l)->weight, true);
      }
    }
    mats.emplace_back(llama->LmHeadWeight(), true);
  } else if (auto* gpt2 = dynamic_cast<Gpt2LmHeadModelImpl*>(&model)) {
    for (size_t i = 0; i < gpt2->transformer->h->size(); ++i) {
      auto* block = gpt2->transformer->h->ptr<Gpt2BlockImpl>(i).get();
      for (Conv1D* c :
           {&block->attn->c_attn, &block->attn->c_proj, &block->mlp->c_fc, &block->mlp->c_proj}) {
        mats.emplace_back((*c)->weight, false);
      }
    }
    mats.emplace_back(gpt2->LmHeadWeight(), true);
  }
  return mats;
}

// One pass over the weight matrices of a decoding step, at `rows` rows, into preallocated outputs.
class BareMatmuls {
 public:
  BareMatmuls(const std::vector<std::pair<torch::Tensor, bool>>& mats, int64_t rows,
              const torch::TensorOptions& options)
      : mats_(mats), device_(options.device()) {
    for (const auto& [w, transposed] : mats_) {
      int64_t in = transposed ? w.size(1) : w.size(0), out = transposed ? w.size(0) : w.size(1);
      inputs_.push_back(torch::randn({rows, in}, options));    // [rows, in]
      outputs_.push_back(torch::empty({rows, out}, options));  // [rows, out]
    }
  }
  // Seconds for one pass.
  double Run() {
    Sync(device_);
    auto start = Clock::now();
    for (size_t i = 0; i < mats_.size(); ++i) {
      const auto& [w, transposed] = mats_[i];
      torch::mm_out(outputs_[i], inputs_[i], transposed ? w.t() : w);
    }
    Sync(device_);
    return Seconds(start, Clock::now());
  }

 private:
  std::vector<std::pair<torch::Tensor, bool>> mats_;
  torch::Device device_;
  std::vector<torch::Tensor> inputs_, outputs_;
};

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

double PeakRssMib() {
  struct rusage usage;
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace

BenchGenerateResult BenchGenerate(const BenchGenerateOptions& options) {
  if (options.batch < 1 || options.new_tokens < 2 || options.prompt_tokens < 1) {
    throw Error(
        fmt::format("--batch {} (>= 1), --new-tokens {} (>= 2), --prompt-tokens {} (>= 1): "
                    "out of range",
                    options.batch, options.new_tokens, options.prompt_tokens));
  }
  int threads = ConfigureCpuThreads(options.threads);
  ModelConfig config = LoadModelConfig(options.config_path);
  torch::TensorOptions tensor_options = ResolveTensorOptions(options.device, options.dtype, config);
  std::shared_ptr<CausalLmImpl> model = MakeCausalLm(config, tensor_options);
  InitWeights(*model, options.seed);
  model->eval();
  int64_t parameters = 0, weight_bytes = 0;
  for (const auto& p : model->parameters()) {
    parameters += p.numel();
    weight_bytes += p.numel() * p.element_size();
  }
  LogInfo("bench generate: {} ({:.1f}M parameters) on {} {}, {} threads, batch {}, {} + {} tokens",
          config.architecture, parameters / 1e6, tensor_options.device().str(),
          DtypeName(tensor_options.dtype().toScalarType()), threads, options.batch,
          options.prompt_tokens, options.new_tokens);

  std::mt19937_64 rng(options.seed);
  std::vector<std::vector<int64_t>> prompts(options.batch);
  for (auto& prompt : prompts) {
    for (int64_t i = 0; i < options.prompt_tokens; ++i) {
      prompt.push_back(static_cast<int64_t>(rng() % static_cast<uint64_t>(config.vocab_size)));
    }
  }
  GenerationConfig gen;
  gen.max_new_tokens = options.new_tokens;
  gen.max_batch_rows = options.batch;
  // Bare-matmul passes run between decoding steps (inside the step callback, excluded from the step
  // times), so both measurements see the same machine state: on a shared machine a separate loop
  // before or after generation would compare different moments.
  std::vector<std::pair<torch::Tensor, bool>> mats = StepMatrices(*model);
  BareMatmuls bare(mats, options.batch, tensor_options);
  std::vector<double> step_s, bare_s;
  double prefill_s = 0;
  bool prefilled = false;
  auto last = Clock::now();
  Generate(*model, prompts, gen, nullptr, [&](int64_t) {
    Sync(tensor_options.device());
    auto now = Clock::now();
    if (!prefilled) {  // the first token comes right after the prefill
      prefill_s = Seconds(last, now);
      prefilled = true;
    } else {
      step_s.push_back(Seconds(last, now));
    }
    bare_s.push_back(bare.Run());
    last = Clock::now();
  });
  ILF_CHECK(static_cast<int64_t>(step_s.size()) == options.new_tokens - 1, "one callback per step");
  double decode_s = 0;
  for (double s : step_s) decode_s += s;
  double step_median_s = Median(step_s);
  double bare_median_s = Median(bare_s);

  BenchGenerateResult result;
  result.tokens_per_s = options.batch * options.new_tokens / (prefill_s + decode_s);
  result.decode_step_ms = step_median_s * 1e3;
  result.bare_matmul_step_ms = bare_median_s * 1e3;
  result.bound_ratio = bare_median_s / step_median_s;
  nlohmann::json& f = result.fields;
  f["bench"] = "generate";
  f["config"] = options.config_path;
  f["architecture"] = config.architecture;
  f["parameters"] = parameters;
  f["weights_mib"] = weight_bytes / 1048576.0;
  f["device"] = tensor_options.device().str();
  f["dtype"] = DtypeName(tensor_options.dtype().toScalarType());
  f["threads"] = threads;
  f["torch_intra_op_threads"] = at::get_num_threads();
  f["blas"] = BlasInfo();
  f["batch"] = options.batch;
  f["prompt_tokens"] = options.prompt_tokens;
  f["new_tokens"] = options.new_tokens;
  f["prefill_s"] = prefill_s;
  f["prefill_tokens_per_s"] = options.batch * options.prompt_tokens / prefill_s;
  f["decode_s"] = decode_s;
  f["decode_tokens_per_s"] = options.batch * (options.new_tokens - 1) / decode_s;
  f["decode_step_ms"] = result.decode_step_ms;
  f["decode_step_mean_ms"] = decode_s / (options.new_tokens - 1) * 1e3;
  f["bare_matmul_step_ms"] = result.bare_matmul_step_ms;
  f["bound_ratio"] = result.bound_ratio;
  f["tokens_per_s"] = result.tokens_per_s;
  f["peak_rss_mib"] = PeakRssMib();
  return result;
}

}  // namespace ilf::lm
