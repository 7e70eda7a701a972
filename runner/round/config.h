// RoundConfig: every setting of `ilf round`, with the paper's defaults (DESIGN.md §1, Chen et al.
// on MBPP). The config file (JSON) and the command line fill this struct; every field is optional;
// unknown keys are refused naming the key and the known ones. The effective config (every default
// filled in) is saved in the run directory's manifest, and its hash marks every artifact.
//
// Endpoints: a feedback, refine, scorer or judge model may be an http(s):// URL of an
// OpenAI-compatible server (`ilf serve`, a hosted API). Each such role names its served model
// (`feedback.model_name`, `refine_model_name`, ...; "" = the first of the server's /v1/models), and
// `endpoint` says how requests go out. The policy is finetuned in process, so it is never a URL.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/core/jsonl.h"

namespace ilf::round {

struct SamplingConfig {
  double temperature = 0.8;      // Chen et al.: 0.8
  double top_p = 0.95;           // nucleus mass; 1 = off
  int64_t max_new_tokens = 512;  // per sample
  int64_t batch_rows = 64;       // prompts x samples decoded together
};

struct FeedbackConfig {
  std::string source = "execution";  // "execution", "human:FILE" (ours or surge_annotations.jsonl),
                                     // "model:DIR", "model:URL"
  std::string model_name;            // "model:URL": the served model ("" = the first of /v1/models)
  int64_t per_task = 1;              // incorrect outputs per failing task that get feedback (m)
  int64_t shots = 1;                 // model feedback: human-annotated examples in its prompt
};

struct FinetuneSettings {
  int64_t epochs = 2;            // paper: 2
  double lr = 5e-6;              // paper: 5e-6
  int64_t batch_size = 8;        // pairs per micro-batch
  int64_t grad_accum = 4;        // micro-batches per step (effective batch 32)
  int64_t warmup_steps = 0;      // linear warm-up steps
  int64_t lora_rank = 0;         // 0 = full finetuning
  double lora_alpha = 16.0;      // LoRA scale numerator
  int64_t save_every_steps = 0;  // checkpoint interval (resume granularity); 0 = once per epoch
  int64_t max_length = 0;        // longest prompt+target in tokens; 0 = the model's context
};

// Optional stage 0: train π_Refine on human annotations (refinement prompt -> human refinement).
struct RefinerTraining {
  std::string annotations;            // "" = skip; else a surge_annotations.jsonl-style file
  std::vector<std::string> task_ids;  // annotated tasks to train on; empty = every record
  FinetuneSettings finetune;          // how π_Refine is trained
};

// How requests go to the models given as URLs. They change how answers arrive, not what they are,
// so they are left out of the config hash and a resume may change them (the manifest then records
// the new ones).
struct EndpointConfig {
  int64_t concurrency = 16;        // requests in flight per model
  int64_t max_retries = 8;         // retries after 429, 5xx, a dropped connection or a timeout
  double request_timeout_s = 600;  // per request: connect, send and wait for the answer (seconds)
};

struct RoundConfig {
  std::string task = "code";                // the task adapter (runner/round/adapters.h)
  std::string suite = "mbpp";               // NAME or MANIFEST.json
  std::string train_split = "chen-train";   // tasks the policy learns from (MBPP_Train)
  int64_t train_limit = 0;                  // first N training tasks; 0 = all
  std::vector<std::string> train_task_ids;  // explicit training tasks (instead of split and limit)
  std::string eval_split = "chen-test";     // held-out tasks for pass@k (Chen et al. 11-110)
  int64_t eval_limit = 0;                   // first N held-out tasks; 0 = all
  std::vector<std::string> eval_task_ids;   // explicit held-out tasks (instead of split and limit)
  std::string policy_model;                 // π_θ checkpoint directory (required; not a URL)
  std::string refine_model;                 // π_Refine (directory or URL); "" = the policy
  std::string refine_model_name;            // served name when refine_model is a URL
  std::string tokenizer;                    // tokenizer directory; "" = each model's own (a
                                            // refine, scorer or judge URL needs it)
  std::string scorer_model;                 // InstructRM's scorer model; "" = policy_model
  std::string scorer_model_name;            // served name when scorer_model is a URL
  std::string judge_model;                  // win-rate judge model; "" = policy_model
  std::string judge_model_name;             // served name when judge_model is a URL
  std::string device = "auto";              // "auto", "cpu", "cuda", "cuda:N"
  std::string dtype = "auto";               // model dtype for generation
  int64_t threads = 0;                      // CPU threads; 0 = the core count
  int64_t samples_per_task = 30;            // n initial samples per training task (paper: 30)
  int64_t refinements_per_item = 30;        // N refinements per feedback item
  SamplingConfig sampling;                  // initial samples and refinements
  FeedbackConfig feedback;
  EndpointConfig endpoint;           // models given as URLs
  std::string selection = "random";  // "random" (seeded), "shortest", "most_likely"; the adapter's
                                     // own (summarization: "instructrm", "embedding")
  FinetuneSettings finetune;         // π_θ finetuning
  RefinerTraining refiner;           // stage 0
  int64_t eval_samples_per_task = 30;  // samples per held-out task for pass@k
  double eval_temperature = 0.8;       // sampling temperature for pass@k
  std::vector<int64_t> ks = {1, 10};   // pass@k reported
  int64_t rounds = 1;                  // ILF rounds; round r+1 starts from round r's model
  int64_t sandbox_workers = 0;         // sandbox helpers; 0 = one per core
  uint64_t seed = 0;                   // every random choice of the run

  Json ToJson() const;
  // The effective config hash (ConfigHash of ToJson()), written into every artifact header.
  std::string Hash() const;
};

// The hash of an effective config (ToJson()) without its `endpoint` settings.
std::string ConfigHash(const Json& config);

// Parses a config; missing fields keep their defaults. Throws ilf::Error naming `where` and the
// field for an unknown key or a value of the wrong type.
RoundConfig ParseRoundConfig(const Json& json, const std::string& where);
RoundConfig LoadRoundConfig(const std::string& path);

// The differences between two effective configs, one "field: old -> new" line each (for refusing a
// resume with a changed config); `endpoint` settings are not compared. Empty when equal.
std::vector<std::string> ConfigDifferences(const Json& before, const Json& after);

}  // namespace ilf::round
