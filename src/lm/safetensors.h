// Reading safetensors checkpoints: one file, or shards listed in model.safetensors.index.json.
//
// The header (format and checks in src/lm/safetensors_header.h) is validated when the file is
// opened; the file is memory-mapped read-only and tensors are handed out as CPU views over the
// mapping (no copy), valid while the owning SafetensorsFile lives.
// Thread safety: const methods may be called concurrently.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "src/lm/safetensors_header.h"

namespace ilf::lm {

// "[896, 1024]".
std::string ShapeString(torch::IntArrayRef shape);

class SafetensorsFile {
 public:
  // Maps and validates `path`; throws ilf::Error on any malformed field.
  explicit SafetensorsFile(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  // All tensors, by name.
  const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }
  // nullptr when absent.
  const TensorInfo* Find(const std::string& name) const;
  // A CPU tensor viewing the mapped bytes (copied only if misaligned for its dtype). Do not write
  // to it; it must not outlive this object. Throws ilf::Error if absent.
  torch::Tensor View(const std::string& name) const;

 private:
  std::string path_;
  void* map_ = nullptr;      // the mmap'ed file
  size_t map_bytes_ = 0;     // its length
  uint64_t data_start_ = 0;  // 8 + header length
  std::map<std::string, TensorInfo> tensors_;
};

// A checkpoint directory: model.safetensors, or model.safetensors.index.json and its shards (a
// path to a single .safetensors file works too). Tensor names are unique across shards.
class Checkpoint {
 public:
  explicit Checkpoint(const std::string& path);
  Checkpoint(const Checkpoint&) = delete;
  Checkpoint& operator=(const Checkpoint&) = delete;

  // Every tensor name, sorted.
  std::vector<std::string> Names() const;
  const TensorInfo* Find(const std::string& name) const;
  // The file that holds `name` (for error messages).
  const std::string& FileOf(const std::string& name) const;
  torch::Tensor View(const std::string& name) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const SafetensorsFile*> owner_;  // tensor name -> file
};

// The torch dtype of a safetensors dtype; throws ilf::Error for unsupported ones.
torch::ScalarType TorchDtype(const std::string& dtype, const std::string& where);

}  // namespace ilf::lm
