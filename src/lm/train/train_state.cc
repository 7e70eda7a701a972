#include "src/lm/train/train_state.h"

#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/json_parse.h"
#include "src/core/jsonl.h"
#include "src/lm/safetensors.h"

namespace ilf::lm {
namespace fs = std::filesystem;
namespace {

constexpr const char* kPrefix = "checkpoint-";

std::vector<std::pair<int64_t, std::string>> Checkpoints(const std::string& out_dir) {
  std::vector<std::pair<int64_t, std::string>> found;
  std::error_code ec;
  if (!fs::is_directory(out_dir, ec)) return found;
  for (const auto& entry : fs::directory_iterator(out_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kPrefix, 0) != 0 || !entry.is_directory()) continue;
    const std::string digits = name.substr(std::string(kPrefix).size());
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    if (!fs::exists(entry.path() / kTrainStateFile)) continue;
    found.emplace_back(std::stoll(digits), entry.path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

std::string CheckpointDir(const std::string& out_dir, int64_t step) {
  return (fs::path(out_dir) / fmt::format("{}{:08d}", kPrefix, step)).string();
}

std::optional<std::pair<int64_t, std::string>> LatestCheckpoint(const std::string& out_dir) {
  auto found = Checkpoints(out_dir);
  if (found.empty()) return std::nullopt;
  return found.back();
}

void PruneCheckpoints(const std::string& out_dir, int64_t keep) {
  if (keep <= 0) return;
  auto found = Checkpoints(out_dir);
  std::error_code ec;
  for (size_t i = 0; i + static_cast<size_t>(keep) < found.size(); ++i) {
    fs::remove_all(found[i].second, ec);
  }
}

int64_t ReadTrainingStep(const std::string& checkpoint_dir, const nlohmann::json& expected_key) {
  const std::string path = (fs::path(checkpoint_dir) / kTrainStateFile).string();
  nlohmann::json state = ReadJsonFile(path);
  if (state.value("schema", "") != "ilf.train_state" || state.value("version", 0) != 1 ||
      !state.contains("step") || !state["step"].is_number_integer()) {
    throw Error(path + ": not an ilf.train_state version 1 file with a \"step\"");
  }
  const nlohmann::json& saved = state["resume_key"];
  std::string changed;
  for (auto it = expected_key.begin(); it != expected_key.end(); ++it) {
    if (!saved.contains(it.key()) || saved[it.key()] != it.value()) {
      changed += fmt::format(" {} (saved {}, now {})", it.key(),
                             saved.contains(it.key()) ? saved[it.key()].dump() : "none",
                             it.value().dump());
    }
  }
  if (!changed.empty()) {
    throw Error(path + ": cannot resume, these settings differ from the saved run:" + changed +
                " (hint: rerun with the saved settings, or use a fresh --out)");
  }
  return state["step"].get<int64_t>();
}

std::map<std::string, torch::Tensor> ReadTensors(const std::string& path) {
  SafetensorsFile file(path);
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& [name, info] : file.tensors()) tensors[name] = file.View(name).clone();
  return tensors;
}

MetricsLog::MetricsLog(const std::string& path, std::optional<int64_t> resume_step) : path_(path) {
  std::string kept = ArtifactHeader{"ilf.train_metrics", 1, ""}.ToJson().dump() + "\n";
  if (resume_step && fs::exists(path)) {
    for (const JsonlRecord& record : ReadArtifact(path, "ilf.train_metrics", 1)) {
      if (record.Int("step") <= *resume_step) kept += record.value.dump() + "\n";
    }
  }
  WriteFileAtomically(path, kept);
  file_ = std::fopen(path.c_str(), "ae");
  if (!file_) throw EnvironmentError("cannot append to '" + path + "'");
}

MetricsLog::~MetricsLog() {
  if (file_) std::fclose(file_);
}

void MetricsLog::Write(const nlohmann::json& record) {
  const std::string line = record.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace ilf::lm
