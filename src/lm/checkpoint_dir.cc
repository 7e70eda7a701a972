#include "src/lm/checkpoint_dir.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "src/core/error.h"

namespace ilf::lm {

void RequireCheckpointDir(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string expected = "a checkpoint directory holds config.json and *.safetensors";
  std::error_code error;
  fs::file_status status = fs::status(path, error);
  if (!fs::exists(status)) {
    throw Error(fmt::format("model '{}' does not exist ({})", path, expected));
  }
  if (!fs::is_directory(status)) {
    if (fs::path(path).extension() == ".safetensors") {
      throw Error(fmt::format(
          "model '{}' is a weights file; give the directory that holds it with its config.json "
          "('{}')",
          path, fs::path(path).parent_path().string()));
    }
    throw Error(fmt::format("model '{}' is a file, not a directory ({})", path, expected));
  }
  if (fs::exists(fs::path(path) / "config.json")) return;
  if (fs::is_empty(path, error)) {
    throw Error(fmt::format("model directory '{}' is empty ({})", path, expected));
  }
  // A finetune run holds its result in RUN/model and checkpoints in RUN/checkpoint-N.
  std::vector<std::string> inside;
  for (const fs::directory_entry& entry : fs::directory_iterator(path, error)) {
    if (entry.is_directory() && fs::exists(entry.path() / "config.json")) {
      inside.push_back(entry.path().string());
    }
  }
  std::sort(inside.begin(), inside.end(), [](const std::string& a, const std::string& b) {
    bool a_model = fs::path(a).filename() == "model", b_model = fs::path(b).filename() == "model";
    return a_model != b_model ? a_model : a < b;
  });
  if (inside.empty()) throw Error(fmt::format("no config.json in {} ({})", path, expected));
  std::string where = inside.size() == 1
                          ? "the checkpoint is in " + inside[0]
                          : fmt::format("checkpoints are in {}", fmt::join(inside, ", "));
  throw Error(fmt::format("no config.json in {}; {}", path, where));
}

}  // namespace ilf::lm
