// The safetensors header and the shard index, parsed without LibTorch (so they are fuzzed and
// tested in every build; src/lm/safetensors.h maps the file and hands out tensors).
//
// Format: an 8-byte little-endian header length N, N bytes of JSON
//   {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}
// and the data area, in which each tensor's bytes lie at [begin, end). Every field is validated:
// N within the file, well-formed JSON nested at most kMaxJsonDepth deep, known dtype, shape x dtype
// size == end - begin, offsets inside the data area, no two non-empty tensors overlapping. Failures
// throw ilf::Error naming the file and the tensor. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ilf::lm {

struct TensorInfo {
  std::string name;            // Hugging Face name, e.g. "model.norm.weight"
  std::string dtype;           // safetensors dtype: "F32", "F16", "BF16", "F64", "I64", ...
  std::vector<int64_t> shape;  // may be empty (a scalar)
  uint64_t begin = 0;          // byte offset in the data area
  uint64_t end = 0;            // one past the last byte
};

struct SafetensorsHeader {
  uint64_t data_start = 0;                    // 8 + N: where the data area begins in the file
  std::map<std::string, TensorInfo> tensors;  // by name ("__metadata__" is not a tensor)
};

// A header larger than this is not a checkpoint (real ones are well under 10 MB).
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100ull << 20;

// Throws ilf::Error naming `path` when a file of `size` bytes cannot hold the 8-byte length.
void CheckSafetensorsSize(uint64_t size, const std::string& path);

// Parses and validates the header of a whole safetensors file `bytes[0, size)`; `path` names it.
SafetensorsHeader ParseSafetensorsHeader(const unsigned char* bytes, uint64_t size,
                                         const std::string& path);

// The shard files named by model.safetensors.index.json's "weight_map" (tensor name -> file), each
// once, in first-seen order. A name must stay inside the checkpoint directory: absolute paths and
// ".." components are refused. `index_path` names the index in errors.
std::vector<std::string> ParseShardIndex(std::string_view text, const std::string& index_path);

// "[896, 1024]".
std::string ShapeString(const std::vector<int64_t>& shape);

// Bytes per element of a safetensors dtype, 0 if unknown.
int64_t DtypeBytes(const std::string& dtype);

}  // namespace ilf::lm
