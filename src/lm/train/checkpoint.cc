#include "src/lm/train/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/lm/safetensors_writer.h"

namespace ilf::lm {
namespace fs = std::filesystem;
namespace {

std::string DtypeName(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32:
      return "float32";
    case torch::kBFloat16:
      return "bfloat16";
    case torch::kFloat16:
      return "float16";
    default:
      return "float32";
  }
}

// Groups tensors into shards of at most max_bytes each (a bigger tensor gets a shard of its own),
// in name order, as Hugging Face's save_pretrained does.
std::vector<std::vector<size_t>> PlanShards(
    const std::vector<std::pair<std::string, torch::Tensor>>& weights, int64_t max_bytes) {
  std::vector<size_t> order(weights.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return weights[a].first < weights[b].first; });
  std::vector<std::vector<size_t>> shards(1);
  int64_t bytes = 0;
  for (size_t i : order) {
    int64_t size = weights[i].second.numel() * weights[i].second.element_size();
    if (!shards.back().empty() && bytes + size > max_bytes) {
      shards.emplace_back();
      bytes = 0;
    }
    shards.back().push_back(i);
    bytes += size;
  }
  return shards;
}

}  // namespace

const std::vector<std::string>& TokenizerFileNames() {
  static const std::vector<std::string> names = {"vocab.json",
                                                 "merges.txt",
                                                 "tokenizer.json",
                                                 "tokenizer_config.json",
                                                 "added_tokens.json",
                                                 "special_tokens_map.json",
                                                 "generation_config.json"};
  return names;
}

void SyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw EnvironmentError("cannot fsync '" + path + "': " + why);
  }
  ::close(fd);
}

void RemoveStaleStaging(const std::string& parent) {
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) return;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp-") != std::string::npos || name.find(".old-") != std::string::npos) {
      fs::remove_all(entry.path(), ec);
    }
  }
}

void SaveCheckpoint(const std::string& dir, const ModelConfig& config,
                    const std::vector<std::pair<std::string, torch::Tensor>>& weights,
                    const SaveOptions& options) {
  ILF_CHECK(!weights.empty(), "a checkpoint needs weights");
  const fs::path target = fs::absolute(dir).lexically_normal();
  const fs::path parent = target.parent_path();
  const fs::path staging = target.string() + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::create_directories(parent, ec);
  fs::remove_all(staging, ec);
  if (!fs::create_directory(staging, ec)) {
    throw EnvironmentError("cannot create '" + staging.string() + "': " + ec.message());
  }
  try {
    nlohmann::json config_json = config.raw;
    const std::string dtype = DtypeName(weights.front().second.scalar_type());
    if (config_json.contains("torch_dtype")) config_json["torch_dtype"] = dtype;
    if (config_json.contains("dtype") || !config_json.contains("torch_dtype")) {
      config_json["dtype"] = dtype;
    }
    WriteFileAtomically((staging / "config.json").string(), config_json.dump(2) + "\n");

    const int64_t max_bytes = std::max<int64_t>(1, options.max_shard_bytes);
    auto shards = PlanShards(weights, max_bytes);
    nlohmann::json weight_map = nlohmann::json::object();
    int64_t total_bytes = 0;
    for (size_t s = 0; s < shards.size(); ++s) {
      const std::string name =
          shards.size() == 1
              ? "model.safetensors"
              : fmt::format("model-{:05d}-of-{:05d}.safetensors", s + 1, shards.size());
      std::vector<std::pair<std::string, torch::Tensor>> part;
      for (size_t i : shards[s]) {
        part.push_back(weights[i]);
        weight_map[weights[i].first] = name;
        total_bytes += weights[i].second.numel() * weights[i].second.element_size();
      }
      WriteSafetensors((staging / name).string(), part);
      if (options.after_weights_file) options.after_weights_file(name);
    }
    if (shards.size() > 1) {
      nlohmann::json index = {{"metadata", {{"total_size", total_bytes}}},
                              {"weight_map", weight_map}};
      WriteFileAtomically((staging / "model.safetensors.index.json").string(),
                          index.dump(2) + "\n");
    }
    if (!options.tokenizer_dir.empty()) {
      for (const std::string& name : TokenizerFileNames()) {
        fs::path source = fs::path(options.tokenizer_dir) / name;
        if (fs::exists(source)) WriteFileAtomically((staging / name).string(), ReadFile(source));
      }
    }
    if (options.write_extra) options.write_extra(staging.string());
    SyncPath(staging.string());
    const fs::path old = target.string() + ".old-" + std::to_string(::getpid());
    if (fs::exists(target)) fs::rename(target, old);
    fs::rename(staging, target);
    SyncPath(parent.string());
    fs::remove_all(old, ec);
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(staging, ec);
    throw EnvironmentError("cannot save checkpoint '" + target.string() + "': " + e.what());
  } catch (...) {
    fs::remove_all(staging, ec);
    throw;
  }
}

}  // namespace ilf::lm
