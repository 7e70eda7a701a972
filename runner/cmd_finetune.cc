// `ilf finetune`: supervised finetuning on (prompt, target) pairs with the paper's defaults.
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "runner/cli.h"
#include "runner/commands.h"
#include "runner/local_ranks.h"
#include "src/core/error.h"
#include "src/core/log.h"
#include "src/lm/train/finetune.h"

namespace ilf {
namespace {

// A run that fails (bad data, a wrong --model, Ctrl-C) before it wrote anything removes the --out
// folders it created, so no empty run directory is left behind.
lm::FinetuneResult FinetuneLeavingNoEmptyOut(const lm::FinetuneConfig& c) {
  namespace fs = std::filesystem;
  std::vector<fs::path> created;  // the folders create_directories will make, deepest first
  fs::path out = fs::absolute(c.out_dir).lexically_normal();
  if (out.filename().empty()) out = out.parent_path();  // "run/" names "run"
  for (fs::path dir = out; dir.has_relative_path() && !fs::exists(dir); dir = dir.parent_path()) {
    created.push_back(dir);
  }
  try {
    return lm::Finetune(c);
  } catch (...) {
    std::error_code error;
    for (const fs::path& dir : created) {
      if (!fs::is_directory(dir, error) || !fs::is_empty(dir, error)) break;
      fs::remove(dir, error);
    }
    throw;
  }
}

}  // namespace

int RunFinetune(int argc, char** argv) {
  CLI::App app{
      "Finetune a causal LM (Hugging Face checkpoint) on a pairs.jsonl file of {\"prompt\", "
      "\"target\"} lines (or prompt_ids/target_ids), loss on the target tokens only (eos "
      "appended). "
      "Defaults are the ILF paper's: AdamW, lr 5e-6, effective batch 32 (batch-size x grad-accum), "
      "2 epochs, linear decay. Writes OUT/checkpoint-<step>/ (HF layout + training state, written "
      "atomically), OUT/metrics.jsonl (one record per step: step, epoch, loss, lr, grad_norm, "
      "tokens_per_s, val_loss) and, at the end, OUT/model/ (a plain HF model; LoRA merged in). "
      "Ctrl-C stops; --resume continues from the last checkpoint with the same result as an "
      "uninterrupted run. Data parallel: --nproc N starts N local ranks; under torchrun or Slurm "
      "(WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR, MASTER_PORT set) each process joins as one "
      "rank. Ranks split each step's micro-batches, so the result is that of one process with the "
      "same flags.",
      "ilf finetune"};
  lm::FinetuneConfig c;
  std::string lora_targets = "q_proj,v_proj";
  app.add_option("--model", c.model_dir, "model directory (config.json, safetensors, tokenizer)")
      ->required();
  app.add_option("--data", c.data_path, "pairs.jsonl")->required();
  app.add_option("--out", c.out_dir, "run directory (created)")->required();
  app.add_option("--epochs", c.epochs, "passes over the training pairs")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--lr", c.lr, "peak learning rate")
      ->capture_default_str()
      ->check(RealBetween(0, kNoMax, true));
  app.add_option("--batch-size", c.batch_size, "pairs per micro-batch (one forward/backward)")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--grad-accum", c.grad_accum,
                 "micro-batches per optimizer step (effective batch = batch-size x grad-accum)")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--seed", c.seed, "seed of data order, validation split and LoRA init")
      ->capture_default_str();
  app.add_option("--warmup-steps", c.warmup_steps, "optimizer steps of linear warm-up from 0")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  app.add_option("--weight-decay", c.weight_decay, "decoupled AdamW weight decay")
      ->capture_default_str()
      ->check(RealBetween(0, kNoMax));
  app.add_option("--max-grad-norm", c.max_grad_norm, "clip the global gradient L2 norm; 0 = off")
      ->capture_default_str()
      ->check(RealBetween(0, kNoMax));
  app.add_option("--adam-beta1", c.adam_beta1, "AdamW beta1")
      ->capture_default_str()
      ->check(RealBetween(0, 1, false, /*open_max=*/true));
  app.add_option("--adam-beta2", c.adam_beta2, "AdamW beta2")
      ->capture_default_str()
      ->check(RealBetween(0, 1, false, /*open_max=*/true));
  app.add_option("--adam-eps", c.adam_eps, "AdamW epsilon")
      ->capture_default_str()
      ->check(RealBetween(0, kNoMax, true));
  app.add_option("--val-fraction", c.val_fraction,
                 "share of pairs held out for validation loss, in [0, 1)")
      ->capture_default_str()
      ->check(RealBetween(0, 1, false, /*open_max=*/true));
  app.add_option("--max-length", c.max_length,
                 "longest prompt+target in tokens (longer pairs are an error); 0 = the model's "
                 "max_position_embeddings")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  app.add_option("--save-every", c.save_every_steps,
                 "checkpoint every N optimizer steps; 0 = at the end of each epoch")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  app.add_option("--keep-checkpoints", c.keep_checkpoints, "newest checkpoints kept; 0 = all")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  app.add_option("--eval-every", c.eval_every_steps,
                 "validation loss every N steps; 0 = at the end of each epoch")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  app.add_option("--max-shard-mib", c.max_shard_mib, "safetensors shard size (MiB)")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--device", c.device, "auto (CUDA if available), cpu, cuda, cuda:N")
      ->capture_default_str();
  app.add_option("--bf16", c.bf16,
                 "on CUDA: bfloat16 compute with float32 master weights (CPU: always float32)")
      ->capture_default_str();
  app.add_option("--lora-rank", c.lora.rank, "LoRA rank; 0 = full finetuning")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  app.add_option("--lora-alpha", c.lora.alpha, "LoRA scale numerator (update = alpha/rank B A)")
      ->capture_default_str()
      ->check(RealBetween(0, kNoMax, true));
  app.add_option("--lora-targets", lora_targets,
                 "comma-separated projection names to adapt (e.g. q_proj,k_proj,v_proj,o_proj; "
                 "GPT-2: c_attn,c_proj)")
      ->capture_default_str();
  app.add_option("--lora-dropout", c.lora.dropout,
                 "dropout on the LoRA branch input during training, in [0, 1) (PEFT's "
                 "lora_dropout); 0 = none")
      ->capture_default_str()
      ->check(RealBetween(0, 1, false, /*open_max=*/true));
  app.add_flag("--activation-checkpointing", c.activation_checkpointing,
               "recompute each decoder layer's activations in backward instead of storing them "
               "(less memory, about one extra forward of compute; same results)");
  app.add_flag("--resume", c.resume, "continue the run in --out from its newest checkpoint");
  int nproc = 1;
  app.add_option("--nproc", nproc,
                 "data-parallel ranks to start on this machine (Gloo on CPU, NCCL on CUDA: rank i "
                 "uses cuda:i); the step's micro-batches (--grad-accum of them) are split among "
                 "them. Leave at 1 under torchrun/Slurm")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--threads", c.threads,
                 "CPU threads of each rank; 0 = cores / ranks on this machine")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  app.add_option("--bucket-mib", c.bucket_mib,
                 "data parallel: gradients are all-reduced in buckets of this size (MiB) while "
                 "backward runs")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  if (nproc > 1) return RunLocalRanks(nproc, RankCommandLine("finetune", argc, argv, {"--nproc"}));
  if (nproc < 1) throw Error("--nproc must be at least 1, got " + std::to_string(nproc));
  c.distributed = lm::ReadDistributedEnv();
  // Rank 0 speaks for the job; the others report only warnings and errors.
  if (c.distributed.rank != 0 && GetLogLevel() < LogLevel::kWarning) {
    SetLogLevel(LogLevel::kWarning);
  }
  c.lora.target_modules.clear();
  std::stringstream targets(lora_targets);
  for (std::string name; std::getline(targets, name, ',');) {
    if (!name.empty()) c.lora.target_modules.push_back(name);
  }
  lm::FinetuneResult result = FinetuneLeavingNoEmptyOut(c);
  if (c.distributed.rank == 0) std::printf("%s\n", result.model_out.c_str());
  return 0;
}

}  // namespace ilf
