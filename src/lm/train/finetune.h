// Finetuning a causal LM on (prompt, target) pairs: the loop behind `ilf finetune`.
//
// Theory of operation. Finetune() loads the model (config.json + safetensors) and its tokenizer,
// reads the pairs (loss on target tokens only), holds out a seeded validation share, and runs
// `epochs` passes. Each optimizer step takes `grad_accum` micro-batches of `batch_size` pairs
// (effective batch = their product), bucketed by length; the learning rate warms up linearly for
// `warmup_steps` and decays linearly to 0 at the last step (the paper: lr 5e-6, effective batch 32,
// 2 epochs, linear decay). Every step appends a record to OUT/metrics.jsonl and advances the
// progress line. Every `save_every_steps` steps (and at the end of each epoch) it writes
// OUT/checkpoint-<step>/ — a Hugging Face checkpoint plus training_state.json and
// optimizer.safetensors (and lora.safetensors with LoRA) — atomically; the last `keep_checkpoints`
// are kept. At the end OUT/model/ holds the final weights (LoRA merged): a plain HF model.
//
// Resume (`resume`): the newest complete checkpoint-<step> is loaded (weights or LoRA adapters,
// AdamW moments, step); the data order is a pure function of (seed, epoch), so the run continues
// with exactly the batches it would have seen and ends with the same weights as an uninterrupted
// run. Only the steps since that save are redone. A run whose settings differ from the saved ones
// (data, batch sizes, seed, schedule, LoRA) is refused with a hint.
//
// Data parallelism (`distributed.world_size` > 1, see distributed.h and data_parallel.h): every
// rank runs this same function; they join one c10d group, start from rank 0's weights and
// optimizer state (rank 0 alone reads checkpoints), run their share of each step's micro-batches
// and sum the gradients in buckets that overlap backward (grad_buckets.h), so each update is the
// one a single process makes with the same flags. Rank 0 alone writes metrics, checkpoints,
// validation loss and OUT/model/. All ranks agree on stopping: Ctrl-C on any rank stops every rank
// after the same step.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "src/lm/train/distributed.h"
#include "src/lm/train/lora_config.h"

namespace ilf::lm {

struct FinetuneConfig {
  std::string model_dir;         // Hugging Face checkpoint to start from
  std::string data_path;         // pairs.jsonl: {"prompt", "target"} (or prompt_ids/target_ids)
  std::string out_dir;           // run directory: checkpoints, metrics.jsonl, model/
  int64_t epochs = 2;            // passes over the training pairs (paper: 2)
  double lr = 5e-6;              // peak learning rate (paper: 5e-6)
  int64_t batch_size = 8;        // pairs per micro-batch (one forward/backward)
  int64_t grad_accum = 4;        // micro-batches per optimizer step (effective batch 32)
  uint64_t seed = 0;             // data order, validation split, LoRA init
  int64_t warmup_steps = 0;      // optimizer steps of linear warm-up from 0 to lr
  double weight_decay = 0.0;     // decoupled AdamW decay (Hugging Face Trainer default 0)
  double max_grad_norm = 1.0;    // global-norm gradient clipping; 0 = off
  double adam_beta1 = 0.9;       // AdamW first-moment decay
  double adam_beta2 = 0.999;     // AdamW second-moment decay
  double adam_eps = 1e-8;        // AdamW epsilon
  double val_fraction = 0.0;     // share of pairs held out for validation loss, in [0, 1)
  int64_t max_length = 0;        // longest prompt+target in tokens; 0 = max_position_embeddings
  int64_t save_every_steps = 0;  // checkpoint interval in optimizer steps; 0 = once per epoch
  int64_t keep_checkpoints = 2;  // newest checkpoint-<step> directories kept
  int64_t eval_every_steps = 0;  // validation interval in steps; 0 = once per epoch
  int64_t max_shard_mib = 4096;  // safetensors shard size limit (MiB)
  std::string device = "auto";   // "auto" (CUDA if available), "cpu", "cuda", "cuda:N"
  bool bf16 = true;              // on CUDA: bfloat16 compute, float32 master weights
  LoraConfig lora;               // rank 0 = full finetuning
  bool activation_checkpointing = false;  // recompute decoder layers in backward (less memory)
  bool resume = false;                    // continue from the newest checkpoint in out_dir
  int64_t stop_after_steps = 0;  // stop (as if interrupted) after this global step; 0 = never
  DistributedEnv distributed;    // torchrun's variables; world_size 1 = a single process
  int threads = 0;               // CPU threads of this rank; 0 = cores / ranks on this machine
  int64_t bucket_mib = 25;       // gradient all-reduce bucket size (MiB), as DDP's default

  // The settings a resumed run must share with the first one.
  nlohmann::json ResumeKey() const;
};

struct FinetuneResult {
  int64_t steps = 0;              // optimizer steps taken in total (including before a resume)
  int64_t resumed_from_step = 0;  // 0 when started fresh
  double final_loss = 0.0;        // loss of the last step
  double final_val_loss = 0.0;    // NaN without validation pairs
  std::string model_out;          // OUT/model
};

// Runs finetuning as described above. Throws ilf::Error on bad input (with file:line), Interrupted
// on Ctrl-C or stop_after_steps (the last checkpoint stays valid for a resume).
FinetuneResult Finetune(const FinetuneConfig& config);

}  // namespace ilf::lm
