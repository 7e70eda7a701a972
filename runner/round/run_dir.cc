#include "runner/round/run_dir.h"

#include <algorithm>
#include <filesystem>

#include "runner/round/config.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/json_parse.h"

namespace ilf::round {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSchema = "ilf.run";
constexpr int kVersion = 1;
constexpr int kMaxRound = 10000;  // round numbers a manifest may hold

std::string RoundKey(int round) { return std::to_string(round); }

// Temporary files of a writer that died (SIGKILL) before its Commit: never a final artifact.
void RemoveStaleTemporaries(const std::string& dir) {
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.find(".tmp-") != std::string::npos)
      fs::remove(entry.path());
  }
}

// What every reader of a manifest (RunDir, the round table, `ilf report`) relies on, so they can
// index it without checks: a hand-edited or damaged manifest fails here, naming the key.
void CheckManifest(const Json& manifest, const std::string& path) {
  auto fail = [&](const std::string& key, const std::string& what, const Json& got) {
    throw Error(path + ": '" + key + "' must be " + what + ", got " + got.dump().substr(0, 80) +
                " (hint: `ilf round` writes this file; restore it or start a new --run-dir)");
  };
  if (!manifest.is_object())
    throw Error(path + ": a run manifest is a JSON object, got " + manifest.type_name());
  if (manifest.value("schema", Json()) != kSchema || manifest.value("version", Json()) != kVersion)
    throw Error(path + ": not an " + std::string(kSchema) + " v" + std::to_string(kVersion) +
                " manifest (got schema " + manifest.value("schema", Json("?")).dump() + ")");
  // The value of in[key] when `ok` holds for it, else an error naming PREFIX + key.
  auto need = [&](const Json& in, const std::string& prefix, const char* key, auto ok,
                  const char* what) -> const Json& {
    auto it = in.find(key);
    if (it == in.end() || !ok(*it)) fail(prefix + key, what, it == in.end() ? Json() : *it);
    return *it;
  };
  auto object = [](const Json& v) { return v.is_object(); };
  auto string = [](const Json& v) { return v.is_string(); };
  need(manifest, "", "config", object, "an object");
  need(manifest, "", "config_hash", string, "a string");
  if (manifest.contains("versions")) need(manifest, "", "versions", object, "an object");
  for (const auto& [key, stages] : need(manifest, "", "rounds", object, "an object").items()) {
    std::string name = "rounds." + key;
    // Readers turn the key into a round number and plot every round up to it.
    bool number = !key.empty() && key.size() <= 6 && key[0] != '0' &&
                  key.find_first_not_of("0123456789") == std::string::npos;
    if (!number || std::stoi(key) > kMaxRound)
      fail(name, "keyed by a round number 1.." + std::to_string(kMaxRound), key);
    if (!stages.is_object()) fail(name, "an object of stage records", stages);
    for (const auto& [stage, record] : stages.items()) {
      std::string at = name + "." + stage + ".";
      if (!record.is_object()) fail(name + "." + stage, "a stage record (an object)", record);
      need(record, at, "status", string, "a string");
      need(record, at, "counts", object, "an object");
      for (const auto& [k, seconds] : need(record, at, "times", object, "an object").items()) {
        if (!seconds.is_number()) fail(at + "times." + k, "a number of seconds", seconds);
      }
      if (record.contains("order")) {
        need(
            record, at, "order", [](const Json& v) { return v.is_number_integer() && v >= 0; },
            "a non-negative integer");
      }
      if (record.contains("outputs")) {
        auto names = [](const Json& v) {
          return v.is_array() &&
                 std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_string(); });
        };
        need(record, at, "outputs", names, "a list of file names");
      }
    }
  }
}

}  // namespace

Json StageTimes::ToJson() const {
  return {{"wall_s", wall_s},
          {"model_s", model_s},
          {"sandbox_s", sandbox_s},
          {"io_s", io_s},
          {"orchestration_s", Overhead()}};
}

Json ParseManifest(std::string_view text, const std::string& path) {
  Json manifest = ParseJson(text, path);
  CheckManifest(manifest, path);
  return manifest;
}

Json ReadManifest(const std::string& dir) {
  std::string path = dir + "/manifest.json";
  if (!fs::exists(path))
    throw Error(path + ": no run manifest here (hint: the run directory of `ilf round`)");
  return ParseManifest(ReadFile(path), path);
}

RunDir::RunDir(const std::string& dir, const Json& config, bool resume, const Json& versions)
    : dir_(dir) {
  std::string path = dir + "/manifest.json";
  if (resume) {
    manifest_ = ReadManifest(dir);
    std::vector<std::string> diffs = ConfigDifferences(manifest_["config"], config);
    if (!diffs.empty()) {
      std::string list;
      for (const std::string& d : diffs) list += "\n  " + d;
      throw Error(
          path + ": --resume with a changed config is refused; differences (saved -> now):" + list +
          "\nhint: resume with the saved config, or start a new --run-dir");
    }
    RemoveStaleTemporaries(dir);
    // Endpoint settings may change on resume (ConfigDifferences skips them): record the new ones.
    if (config.contains("endpoint") && manifest_["config"]["endpoint"] != config["endpoint"]) {
      manifest_["config"]["endpoint"] = config["endpoint"];
      Save();
    }
    return;
  }
  if (fs::exists(path))
    throw Error(dir +
                " already holds a run (manifest.json); pass --resume to continue it or "
                "choose another --run-dir");
  fs::create_directories(dir);
  manifest_ = {{"schema", kSchema},    {"version", kVersion},
               {"config", config},     {"config_hash", ConfigHash(config)},
               {"versions", versions}, {"rounds", Json::object()}};
  Save();
}

std::string RunDir::RoundDir(int round) const {
  std::string path = dir_ + "/round-" + std::to_string(round);
  fs::create_directories(path);
  return path;
}

bool RunDir::Done(int round, const std::string& stage) const {
  return !StageRecord(round, stage).is_null();
}

Json RunDir::StageRecord(int round, const std::string& stage) const {
  const Json& rounds = manifest_["rounds"];
  auto r = rounds.find(RoundKey(round));
  if (r == rounds.end()) return nullptr;
  auto s = r->find(stage);
  if (s == r->end() || (*s)["status"] != "done") return nullptr;
  return *s;
}

void RunDir::MarkDone(int round, const std::string& stage, const Json& counts,
                      const StageTimes& times, const std::vector<std::string>& outputs) {
  Json& stages = manifest_["rounds"][RoundKey(round)];
  Json record = {{"status", "done"},
                 {"order", stages.size()},
                 {"counts", counts},
                 {"times", times.ToJson()},
                 {"outputs", outputs}};
  stages[stage] = record;
  Save();
}

void RunDir::Save() const {
  WriteFileAtomically(dir_ + "/manifest.json", manifest_.dump(2) + "\n");
}

}  // namespace ilf::round
