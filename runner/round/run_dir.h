// RunDir: a run directory (DESIGN.md §5) and its manifest.
//
//   DIR/manifest.json         schema ilf.run v1: the effective config and its hash, the versions
//                             used, and per round and stage: status, timings, counts, outputs
//   DIR/round-K/STAGE...      the stages' artifacts (runner/round/stages.h), each written
//                             atomically with the versioned header and the config hash
//
// The manifest is rewritten atomically after every finished stage, so after any interruption
// (SIGKILL included) it lists exactly the stages whose artifacts are complete; a resumed run skips
// them and redoes the interrupted one (whose partial files never appear under their final names).
// Not thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/core/jsonl.h"

namespace ilf::round {

// Where a stage's wall time went, in seconds. The rest is orchestration.
struct StageTimes {
  double wall_s = 0;     // from the end of the previous stage (or the start of `ilf round`) to
                         // the end of this one: a round's stages add up to its wall time
  double model_s = 0;    // loading models, generating, finetuning
  double sandbox_s = 0;  // executing programs
  double io_s = 0;       // reading and writing artifacts
  double Overhead() const { return wall_s - model_s - sandbox_s - io_s; }
  Json ToJson() const;
};

class RunDir {
 public:
  // Opens `dir` for a run of `config` (an effective RoundConfig::ToJson()). A new run needs a
  // directory without a manifest; `resume` needs one whose config equals `config` (its `endpoint`
  // settings aside: the manifest takes the new ones), else ilf::Error lists the differences.
  // `versions` is recorded in the manifest.
  RunDir(const std::string& dir, const Json& config, bool resume, const Json& versions);

  const std::string& dir() const { return dir_; }
  std::string config_hash() const { return manifest_["config_hash"]; }
  // DIR/round-K (created).
  std::string RoundDir(int round) const;
  // Whether the manifest records the stage as done.
  bool Done(int round, const std::string& stage) const;
  // The manifest's record of a finished stage (null when not done).
  Json StageRecord(int round, const std::string& stage) const;
  // Records a finished stage and rewrites the manifest atomically.
  void MarkDone(int round, const std::string& stage, const Json& counts, const StageTimes& times,
                const std::vector<std::string>& outputs);
  const Json& manifest() const { return manifest_; }

 private:
  void Save() const;

  std::string dir_;
  Json manifest_;
};

// Parses the text of a manifest (bounded ParseJson) and checks its shape: schema ilf.run v1,
// "config" an object, "config_hash" a string, "rounds" keyed by round numbers 1..10000, each
// stage record an object with a string "status", a "counts" object, a "times" object of numbers,
// and optional "order" (non-negative integer) and "outputs" (file names). Throws ilf::Error naming
// `path` and the key.
Json ParseManifest(std::string_view text, const std::string& path);
// Reads DIR/manifest.json with ParseManifest; also throws ilf::Error when it is missing.
Json ReadManifest(const std::string& dir);

}  // namespace ilf::round
