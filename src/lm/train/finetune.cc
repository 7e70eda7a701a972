#include "src/lm/train/finetune.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/interrupt.h"
#include "src/core/log.h"
#include "src/core/progress.h"
#include "src/lm/safetensors_writer.h"
#include "src/lm/threads.h"
#include "src/lm/tokenizer.h"
#include "src/lm/train/batching.h"
#include "src/lm/train/checkpoint.h"
#include "src/lm/train/data_parallel.h"
#include "src/lm/train/grad_buckets.h"
#include "src/lm/train/lora.h"
#include "src/lm/train/train_state.h"
#include "src/lm/train/train_step.h"
#include "src/lm/weights.h"

namespace ilf::lm {
namespace fs = std::filesystem;
namespace {

void Validate(const FinetuneConfig& c) {
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw Error(message);
  };
  require(c.epochs >= 1, "--epochs must be at least 1, got " + std::to_string(c.epochs));
  require(c.batch_size >= 1,
          "--batch-size must be at least 1, got " + std::to_string(c.batch_size));
  require(c.grad_accum >= 1,
          "--grad-accum must be at least 1, got " + std::to_string(c.grad_accum));
  require(c.lr > 0 && std::isfinite(c.lr),
          "--lr must be a positive number, got " + std::to_string(c.lr));
  require(c.val_fraction >= 0 && c.val_fraction < 1,
          "--val-fraction must be in [0, 1), got " + std::to_string(c.val_fraction));
  require(c.warmup_steps >= 0 && c.max_grad_norm >= 0 && c.weight_decay >= 0,
          "--warmup-steps, --max-grad-norm and --weight-decay must not be negative");
  require(c.lora.rank >= 0, "--lora-rank must not be negative");
  require(c.bucket_mib >= 1, "--bucket-mib must be at least 1");
  require(c.lora.dropout >= 0 && c.lora.dropout < 1,
          "--lora-dropout must be in [0, 1), got " + std::to_string(c.lora.dropout));
  require(!(c.activation_checkpointing && c.lora.rank > 0 && c.lora.dropout > 0),
          "--activation-checkpointing cannot be combined with --lora-dropout > 0 (the recomputed "
          "layer would draw a different dropout mask); drop one of them");
}

// `local_rank` picks the GPU of a data-parallel rank when the name gives no index.
torch::Device PickDevice(const std::string& name, int local_rank) {
  if (name == "auto") {
    return torch::cuda::is_available()
               ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank))
               : torch::kCPU;
  }
  torch::Device device = [&] {
    try {
      return torch::Device(name);
    } catch (const c10::Error&) {
      throw Error("--device: unknown device '" + name + "' (expected auto, cpu, cuda or cuda:N)");
    }
  }();
  if (device.is_cuda() && !torch::cuda::is_available()) {
    throw EnvironmentError("--device " + name +
                           ": this machine (or this LibTorch build) has no CUDA");
  }
  if (device.is_cuda() && !device.has_index()) {
    device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank));
  }
  return device;
}

bool HasTokenizer(const std::string& dir) {
  return fs::exists(fs::path(dir) / "vocab.json") || fs::exists(fs::path(dir) / "tokenizer.json");
}

}  // namespace

nlohmann::json FinetuneConfig::ResumeKey() const {
  nlohmann::json key = {{"data", fs::absolute(data_path).lexically_normal().string()},
                        {"epochs", epochs},
                        {"lr", lr},
                        {"batch_size", batch_size},
                        {"grad_accum", grad_accum},
                        {"seed", seed},
                        {"warmup_steps", warmup_steps},
                        {"weight_decay", weight_decay},
                        {"max_grad_norm", max_grad_norm},
                        {"val_fraction", val_fraction},
                        {"lora_rank", lora.rank},
                        {"lora_alpha", lora.alpha},
                        {"lora_targets", lora.target_modules}};
  if (lora.dropout > 0) key["lora_dropout"] = lora.dropout;  // absent when 0: old runs still resume
  return key;
}

FinetuneResult Finetune(const FinetuneConfig& c) {
  Validate(c);
  KeepFreedMemoryForReuse();
  const DistributedEnv& dist = c.distributed;
  const bool lead = dist.rank == 0;  // writes metrics, checkpoints and the model
  ConfigureCpuThreads(c.threads > 0 ? c.threads
                                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) /
                                                      std::max(1, dist.local_world_size)));
  const torch::Device device = PickDevice(c.device, dist.local_rank);
  // Join first: a rank that fails later closes its connections and the others stop with it.
  std::unique_ptr<ProcessGroup> group;
  if (dist.world_size > 1) group = std::make_unique<ProcessGroup>(dist, device);
  const std::string out = c.out_dir;
  std::optional<std::pair<int64_t, std::string>> latest;
  if (lead) {
    fs::create_directories(out);
    RemoveStaleStaging(out);
    latest = LatestCheckpoint(out);
    if (!c.resume && (latest || fs::exists(fs::path(out) / "model"))) {
      throw Error("--out " + out + " already holds a finetuning run (checkpoints or model/)" +
                  " (hint: pass --resume to continue it, or choose a fresh --out)");
    }
    if (c.resume && !latest) LogInfo("finetune: no checkpoint in {} yet; starting fresh", out);
  }

  // Model: a full finetune resumes from the checkpoint's weights, LoRA from the base model.
  ModelConfig model_config = LoadModelConfig(c.model_dir);
  const std::string weights_dir = (latest && c.lora.rank == 0) ? latest->second : c.model_dir;
  std::shared_ptr<CausalLmImpl> model =
      LoadCausalLm(weights_dir, torch::TensorOptions().dtype(torch::kFloat32).device(device));
  model->train();
  model->set_activation_checkpointing(c.activation_checkpointing);

  // Data.
  std::optional<Tokenizer> tokenizer;
  if (HasTokenizer(c.model_dir)) tokenizer.emplace(Tokenizer::Load(c.model_dir));
  TextEncoder encode;
  if (tokenizer) {
    encode = [&](const std::string& text) {
      std::vector<int32_t> ids = tokenizer->Encode(text);
      return std::vector<int64_t>(ids.begin(), ids.end());
    };
  }
  PairsOptions pairs_options;
  if (tokenizer) {
    pairs_options.eos_token_id = tokenizer->eos_id();
  } else if (!model_config.eos_token_ids.empty()) {
    pairs_options.eos_token_id = model_config.eos_token_ids.front();
  }
  pairs_options.max_length = c.max_length > 0 ? c.max_length : model_config.max_position_embeddings;
  pairs_options.vocab_size = model_config.vocab_size;
  const int64_t pad_id = tokenizer && tokenizer->pad_id() ? *tokenizer->pad_id()
                         : model_config.pad_token_id
                             ? *model_config.pad_token_id
                             : std::max<int64_t>(0, pairs_options.eos_token_id);
  std::vector<TrainExample> all = ReadPairs(c.data_path, encode, pairs_options);
  std::vector<TrainExample> train, validation;
  SplitValidation(all, c.val_fraction, c.seed, &train, &validation);
  const int64_t batches_per_epoch =
      (static_cast<int64_t>(train.size()) + c.batch_size - 1) / c.batch_size;
  const int64_t steps_per_epoch = (batches_per_epoch + c.grad_accum - 1) / c.grad_accum;
  const int64_t total_steps = c.epochs * steps_per_epoch;

  // Trainable parameters and optimizer state.
  std::unique_ptr<LoraAdapters> lora;
  if (c.lora.rank > 0) lora = std::make_unique<LoraAdapters>(*model, c.lora, c.seed);
  AdamW optimizer(lora ? lora->Parameters() : NamedWeights(*model),
                  {c.adam_beta1, c.adam_beta2, c.adam_eps, c.weight_decay});
  int64_t start_step = 0;
  if (latest) {
    start_step = ReadTrainingStep(latest->second, c.ResumeKey());
    optimizer.LoadState(ReadTensors((fs::path(latest->second) / kOptimizerFile).string()),
                        latest->second + "/" + kOptimizerFile);
    if (lora) {
      lora->Load(ReadTensors((fs::path(latest->second) / kLoraFile).string()),
                 latest->second + "/" + kLoraFile);
    }
    LogInfo("finetune: resuming {} at step {} of {}", latest->second, start_step, total_steps);
  }
  std::unique_ptr<GradientBuckets> buckets;
  if (group) {
    start_step = SyncStartState(*group, start_step, optimizer);
    buckets = std::make_unique<GradientBuckets>(optimizer.params(), *group, c.bucket_mib << 20);
  }
  nlohmann::json effective = c.ResumeKey();
  effective["model"] = c.model_dir;
  effective["device"] = device.str();
  effective["train_pairs"] = train.size();
  effective["validation_pairs"] = validation.size();
  effective["total_steps"] = total_steps;
  effective["world_size"] = dist.world_size;
  if (lead) {
    WriteFileAtomically((fs::path(out) / "train_config.json").string(), effective.dump(2) + "\n");
  }
  LogInfo(
      "finetune: {} train / {} validation pairs, {} steps ({} per epoch, effective batch {}), "
      "{} on {}{}{}",
      train.size(), validation.size(), total_steps, steps_per_epoch, c.batch_size * c.grad_accum,
      lora ? "LoRA" : "full finetune", device.str(),
      device.is_cuda() && c.bf16 ? " (bf16 autocast, fp32 master weights)" : " (float32)",
      group ? fmt::format(", {} ranks ({}, {} gradient buckets)", dist.world_size,
                          group->backend(), buckets->bucket_count())
            : "");

  ComputeOptions compute{device, device.is_cuda() && c.bf16, lora.get()};
  auto weights = [&] { return lora ? lora->MergedWeights() : NamedWeights(*model); };
  auto save = [&](int64_t step) {
    SaveOptions options;
    options.max_shard_bytes = c.max_shard_mib << 20;
    options.tokenizer_dir = c.model_dir;
    options.write_extra = [&](const std::string& staging) {
      nlohmann::json state = {{"schema", "ilf.train_state"},
                              {"version", 1},
                              {"step", step},
                              {"resume_key", c.ResumeKey()}};
      WriteFileAtomically((fs::path(staging) / kTrainStateFile).string(), state.dump(2) + "\n");
      WriteSafetensors((fs::path(staging) / kOptimizerFile).string(), optimizer.StateTensors());
      if (lora) WriteSafetensors((fs::path(staging) / kLoraFile).string(), lora->Parameters());
    };
    SaveCheckpoint(CheckpointDir(out, step), model_config, weights(), options);
    PruneCheckpoints(out, c.keep_checkpoints);
  };

  std::optional<MetricsLog> metrics;
  std::optional<Progress> progress;
  if (lead) {
    metrics.emplace((fs::path(out) / "metrics.jsonl").string(),
                    latest ? std::optional<int64_t>(start_step) : std::nullopt);
    progress.emplace("finetune steps", total_steps - start_step);
  }
  FinetuneResult result;
  result.resumed_from_step = start_step;
  result.final_val_loss = std::nan("");
  auto last_log = std::chrono::steady_clock::now();
  bool stop_agreed = false;  // some rank was interrupted during the last step
  for (int64_t step = start_step; step < total_steps; ++step) {
    if (group ? stop_agreed : InterruptRequested()) throw Interrupted();
    const int64_t epoch = step / steps_per_epoch;
    const int64_t step_in_epoch = step % steps_per_epoch;
    // Re-planning per step is cheap and keeps resume trivially consistent.
    std::vector<std::vector<int64_t>> plan = PlanEpoch(train, c.batch_size, c.seed, epoch);
    RankShare share =
        ShareStep(train, plan, step_in_epoch * c.grad_accum,
                  std::min<int64_t>(batches_per_epoch, (step_in_epoch + 1) * c.grad_accum),
                  dist.rank, dist.world_size);
    std::vector<Batch> micro;
    for (const auto& indices : share.micro_batches) micro.push_back(Collate(train, indices, pad_id));
    const double lr = LinearScheduleLr(c.lr, step, c.warmup_steps, total_steps);
    auto start = std::chrono::steady_clock::now();
    // LoRA dropout masks are a function of (seed, step), so a resumed run draws the same ones.
    // With several ranks each rank draws its own masks: (seed, step, rank).
    if (lora && c.lora.dropout > 0) {
      torch::manual_seed((c.seed * 1000003 + step) ^ (static_cast<uint64_t>(dist.rank) << 48));
    }
    StepShare step_share{share.step_target_tokens, buckets.get()};
    StepStats stats = TrainStep(*model, micro, optimizer, lr, c.max_grad_norm, compute,
                                group ? &step_share : nullptr);
    if (group) {  // the step's loss and tokens over all ranks, and whether any rank must stop
      torch::Tensor sums = torch::tensor({stats.loss, static_cast<double>(stats.tokens),
                                          InterruptRequested() ? 1.0 : 0.0},
                                         torch::kFloat64)
                               .to(device);
      group->AllReduceSum(sums);
      sums = sums.cpu();
      stats.loss = sums[0].item<double>();
      stats.tokens = static_cast<int64_t>(sums[1].item<double>());
      stop_agreed = sums[2].item<double>() > 0;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const int64_t done = step + 1;
    nlohmann::json record = {{"step", done},
                             {"epoch", static_cast<double>(done) / steps_per_epoch},
                             {"loss", stats.loss},
                             {"lr", lr},
                             {"grad_norm", stats.grad_norm},
                             {"tokens", stats.tokens},
                             {"tokens_per_s", stats.tokens / std::max(seconds, 1e-9)}};
    const bool epoch_end = done % steps_per_epoch == 0;
    if (lead && !validation.empty() &&
        (c.eval_every_steps > 0 ? done % c.eval_every_steps == 0 || done == total_steps
                                : epoch_end)) {
      result.final_val_loss = EvalLoss(*model, validation, c.batch_size, pad_id, compute);
      record["val_loss"] = result.final_val_loss;
    }
    if (lead) {
      metrics->Write(record);
      progress->Advance();
    }
    result.final_loss = stats.loss;
    auto now = std::chrono::steady_clock::now();
    if (done == total_steps || std::chrono::duration<double>(now - last_log).count() > 10.0) {
      LogInfo(
          "finetune: step {}/{} epoch {:.2f} loss {:.4f} lr {:.3g} grad_norm {:.3f} {:.0f} tok/s",
          done, total_steps, record["epoch"].get<double>(), stats.loss, lr, stats.grad_norm,
          record["tokens_per_s"].get<double>());
      last_log = now;
    }
    if (lead && (c.save_every_steps > 0 ? done % c.save_every_steps == 0 || done == total_steps
                                        : epoch_end)) {
      save(done);
    }
    if (c.stop_after_steps > 0 && done == c.stop_after_steps && done < total_steps) {
      throw Interrupted();
    }
  }
  result.steps = total_steps;
  result.model_out = (fs::path(out) / "model").string();
  if (!lead) return result;
  progress->Finish();
  SaveOptions final_options;
  final_options.max_shard_bytes = c.max_shard_mib << 20;
  final_options.tokenizer_dir = c.model_dir;
  SaveCheckpoint(result.model_out, model_config, weights(), final_options);
  LogInfo("finetune: wrote {} (loss {:.4f})", result.model_out, result.final_loss);
  return result;
}

}  // namespace ilf::lm
