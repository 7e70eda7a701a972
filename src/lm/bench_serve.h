// `ilf bench serve`: throughput of `ilf serve` under many concurrent clients against the same
// model's in-process generation at the same batch size, measured side by side in one run.
//
// The run (1) loads the checkpoint, (2) generates greedily for `requests` random prompts in process
// with max_batch_rows = batch (what `ilf bench generate` measures), keeping the tokens as the
// reference, (3) starts the server on a loopback port with --max-batch-rows = batch and lets
// `clients` threads send the same prompts, one /v1/completions request each at a time, over
// keep-alive connections, and (4) reports both rates (new tokens / wall time), their ratio and how
// many answers differ from the reference (must be 0). Torch-free header.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace ilf::lm {

struct BenchServeOptions {
  std::string model_dir;        // checkpoint with tokenizer files (ilf init-model --tokenizer)
  std::string tokenizer_dir;    // "" = the model directory's
  int clients = 64;             // concurrent HTTP clients
  int64_t batch = 32;           // rows decoded together, in process and in the server
  int64_t requests = 1024;      // prompts (one request each): ~10 s on a small model
  int64_t new_tokens = 32;      // greedy tokens per prompt (end-of-text ignored)
  int64_t prompt_tokens = 32;   // random prompt length
  std::string device = "auto";  // as LoadOptions::device
  int threads = 0;              // CPU threads; 0 = core count
  uint64_t seed = 0;            // prompts
};

// Fields: in_process_tokens_per_s, serve_tokens_per_s, serve_over_in_process, wrong_answers
// (answers whose tokens differ from in process), failed_requests (no answer after the client's
// retries), retries, server_batches, mean_batch_rows, and the options. Throws ilf::Error for a bad
// checkpoint.
nlohmann::json BenchServe(const BenchServeOptions& options);

}  // namespace ilf::lm
