// Same-run Python baselines for `ilf bench generate` and `ilf bench train`.
//
// After ilf's own measurement, the bench runs scripts/bench/torch_baseline.py (Hugging Face
// transformers when the interpreter has it, else an eager PyTorch model of the same architecture)
// with the same config, batch, token counts, dtype, device, seed and thread count, as a child
// process: its stdout must be one JSON object; its stderr (progress) passes through to ours and its
// last lines are kept for error messages. The comparison is ilf / baseline throughput.
//
// --baseline values: "none" skips; "auto" (the default) uses $ILF_BASELINE_PYTHON when set, else
// the first of python3 on PATH and /usr/bin/python3, that can `import torch`, and skips with a
// note (a warning on stderr, "baseline_note" in the JSON) when none can; anything else names an
// interpreter that must exist and import torch.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ilf {

// Where the project's scripts live: $ILF_SCRIPTS_DIR, else the source tree's scripts/ (compiled
// in). May not exist.
std::string ScriptsDir();

// The interpreter a --baseline value selects, or nullopt to skip (then *note says why). Call it
// before the measurement, so a bad value fails fast. Throws ilf::Error (exit 2) when an explicit
// interpreter does not exist, EnvironmentError (exit 1) when it cannot import torch.
std::optional<std::string> ResolveBaselinePython(const std::string& flag, std::string* note);

// Runs `python torch_baseline.py args...` and returns its JSON object. Throws EnvironmentError
// (exit 1) naming the command, its exit status and its stderr tail when it fails or prints no JSON
// object, or ilf::Error (exit 2) when the script is missing.
nlohmann::json RunTorchBaseline(const std::string& python, const std::vector<std::string>& args);

// Runs the baseline under `python` (from ResolveBaselinePython; nullopt: skipped because of
// `note`) with `args` (the script's subcommand and flags) and records it in `fields`: "baseline"
// (the script's object, or null with "baseline_note") and "speedup_vs_baseline" =
// fields[ours_key] / baseline[theirs_key]. When the baseline fails, logs `fields` (ilf's own
// result, so it is not lost) before rethrowing.
void AddBaseline(const std::optional<std::string>& python, const std::string& note,
                 const std::vector<std::string>& args, const std::string& ours_key,
                 const std::string& theirs_key, nlohmann::json& fields);

// One line for the text output: "baseline: <implementation>: ... -> ilf is N.NNx" or why it was
// skipped.
std::string BaselineSummary(const nlohmann::json& fields, const std::string& theirs_key,
                            const std::string& unit);

}  // namespace ilf
