// Shared by the `ilf round` tests of every task kind: the run manifest, and the SIGKILL-and-resume
// check (ILF_KILL_AT inside each stage in turn, then --resume, compared with an uninterrupted run).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "src/core/jsonl.h"

namespace ilf::testing {

// The ILF paper's human annotations (ilf-code/surge_annotations.jsonl) when they, MBPP and the
// GPT-2 tokenizer are all under ILF_DATA_DIR (what a human-feedback round on MBPP needs), else "".
std::string HumanFeedbackRoundData();
inline constexpr const char* kNoHumanFeedbackRoundData =
    "reference data (mbpp, tokenizers/gpt2, ilf-code) not found under ILF_DATA_DIR; set "
    "ILF_DATA_DIR to run this test";

// RUN/manifest.json.
Json RunManifest(const std::string& run);

// A results file's records without what the sandbox measured (times, memory), one dump a line.
std::string WithoutMeasurements(const std::string& path);

// Runs `ilf round --config CONFIG` uninterrupted into WORK/clean, then into WORK/killed SIGKILLed
// inside each of `stages` in turn (each run but the first with --resume; each must die with 137
// and leave its stage unrecorded), then resumes to the end. Expects every JSONL artifact of
// round 1 (results without measurements, finetuning's metrics.jsonl skipped) and every
// model.safetensors identical, at least `min_compared` files compared, and no temporary file left.
void ExpectKilledThenResumedRunEqualsClean(const std::string& config,
                                           const std::vector<std::string>& stages,
                                           const std::string& work, size_t min_compared);

// The same against an uninterrupted run of `config` already in `clean`, the killed run going into
// `killed`; `after_kill(stage)`, when set, runs after each kill to check what it left behind.
void ExpectKilledThenResumedRunEquals(
    const std::string& config, const std::string& clean, const std::vector<std::string>& stages,
    const std::string& killed, size_t min_compared,
    const std::function<void(const std::string& stage)>& after_kill = nullptr);

}  // namespace ilf::testing
