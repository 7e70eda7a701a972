#include "runner/round/run_dir.h"

#include <filesystem>

#include "runner/round/config.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"

namespace ilf::round {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSchema = "ilf.run";
constexpr int kVersion = 1;

std::string RoundKey(int round) { return std::to_string(round); }

// Temporary files of a writer that died (SIGKILL) before its Commit: never a final artifact.
void RemoveStaleTemporaries(const std::string& dir) {
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.find(".tmp-") != std::string::npos)
      fs::remove(entry.path());
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

Json ReadManifest(const std::string& dir) {
  std::string path = dir + "/manifest.json";
  if (!fs::exists(path))
    throw Error(path + ": no run manifest here (hint: the run directory of `ilf round`)");
  Json manifest;
  try {
    manifest = Json::parse(ReadFile(path));
  } catch (const Json::parse_error& e) {
    throw Error(path + ": not valid JSON (" + e.what() + ")");
  }
  if (manifest.value("schema", "") != kSchema || manifest.value("version", 0) != kVersion)
    throw Error(path + ": not an " + std::string(kSchema) + " v" + std::to_string(kVersion) +
                " manifest (got schema " + manifest.value("schema", Json("?")).dump() + ")");
  return manifest;
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
    return;
  }
  if (fs::exists(path))
    throw Error(dir +
                " already holds a run (manifest.json); pass --resume to continue it or "
                "choose another --run-dir");
  fs::create_directories(dir);
  manifest_ = {{"schema", kSchema},    {"version", kVersion},
               {"config", config},     {"config_hash", HashJson(config)},
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
