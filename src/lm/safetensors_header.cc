#include "src/lm/safetensors_header.h"

#include <algorithm>
#include <filesystem>
#include <limits>

#include <fmt/format.h>

#include "src/core/error.h"
#include "src/core/json_parse.h"

namespace ilf::lm {
namespace {

TensorInfo ParseEntry(const std::string& path, const std::string& name, const Json& entry,
                      uint64_t data_bytes) {
  auto bad = [&](const std::string& what) {
    return Error(fmt::format("{}: tensor '{}': {}; the file is corrupt or not safetensors", path,
                             name, what));
  };
  if (!entry.is_object()) throw bad("header entry is not an object");
  TensorInfo info;
  info.name = name;
  auto dtype = entry.find("dtype");
  if (dtype == entry.end() || !dtype->is_string()) throw bad("'dtype' missing or not a string");
  info.dtype = dtype->get<std::string>();
  if (DtypeBytes(info.dtype) == 0) throw bad(fmt::format("unknown dtype '{}'", info.dtype));
  auto shape = entry.find("shape");
  if (shape == entry.end() || !shape->is_array()) throw bad("'shape' missing or not a list");
  uint64_t elements = 1;
  for (const Json& dim : *shape) {
    if (!dim.is_number_unsigned())
      throw bad(fmt::format("shape {} has a non-integer", shape->dump()));
    uint64_t d = dim.get<uint64_t>();
    // Each dimension and the product stay below 2^63 / 8, so sizes in bytes fit in int64.
    if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / 8 ||
        (d > 0 && elements > std::numeric_limits<uint64_t>::max() / d / 8))
      throw bad("shape overflows");
    elements *= d;
    info.shape.push_back(static_cast<int64_t>(d));
  }
  auto offsets = entry.find("data_offsets");
  if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
    throw bad("'data_offsets' missing or not [begin, end]");
  }
  info.begin = (*offsets)[0].get<uint64_t>();
  info.end = (*offsets)[1].get<uint64_t>();
  if (info.begin > info.end || info.end > data_bytes) {
    throw bad(
        fmt::format("data_offsets [{}, {}] outside the data area of {} bytes (truncated file?)",
                    info.begin, info.end, data_bytes));
  }
  uint64_t expected = elements * static_cast<uint64_t>(DtypeBytes(info.dtype));
  if (info.end - info.begin != expected) {
    throw bad(fmt::format("{} bytes for shape {} of {}, expected {}", info.end - info.begin,
                          ShapeString(info.shape), info.dtype, expected));
  }
  return info;
}

// No two tensors may share a byte. Empty tensors own no bytes and are left out first: skipping
// them only in the neighbour comparison let one sorted between two overlapping tensors hide the
// overlap. Against the furthest end so far, not just the previous tensor's.
void CheckNoOverlap(const std::map<std::string, TensorInfo>& tensors, const std::string& path) {
  std::vector<const TensorInfo*> by_offset;
  for (const auto& [name, info] : tensors) {
    if (info.begin != info.end) by_offset.push_back(&info);
  }
  std::sort(by_offset.begin(), by_offset.end(), [](const TensorInfo* a, const TensorInfo* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  const TensorInfo* furthest = nullptr;
  for (const TensorInfo* cur : by_offset) {
    if (furthest != nullptr && cur->begin < furthest->end) {
      throw Error(fmt::format(
          "{}: tensor '{}' bytes [{}, {}) overlap tensor '{}' bytes [{}, {}); "
          "corrupt header",
          path, cur->name, cur->begin, cur->end, furthest->name, furthest->begin, furthest->end));
    }
    if (furthest == nullptr || cur->end > furthest->end) furthest = cur;
  }
}

}  // namespace

void CheckSafetensorsSize(uint64_t size, const std::string& path) {
  if (size < 8) {
    throw Error(
        fmt::format("{}: {} bytes, too short for a safetensors file (8-byte header length "
                    "first); truncated?",
                    path, size));
  }
}

SafetensorsHeader ParseSafetensorsHeader(const unsigned char* bytes, uint64_t size,
                                         const std::string& path) {
  CheckSafetensorsSize(size, path);
  uint64_t header_bytes = 0;
  for (int i = 7; i >= 0; --i) header_bytes = (header_bytes << 8) | bytes[i];
  if (header_bytes > size - 8 || header_bytes > kMaxSafetensorsHeaderBytes) {
    throw Error(
        fmt::format("{}: header length {} runs past the end of the file ({} bytes); the "
                    "file is truncated or not safetensors",
                    path, header_bytes, size));
  }
  SafetensorsHeader result;
  result.data_start = 8 + header_bytes;
  uint64_t data_bytes = size - result.data_start;
  std::string_view text(reinterpret_cast<const char*>(bytes + 8), header_bytes);
  Json header = ParseJson(text, path + ": header");
  if (!header.is_object()) {
    throw Error(fmt::format("{}: the {}-byte header is not a JSON object; corrupt file", path,
                            header_bytes));
  }
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    TensorInfo info = ParseEntry(path, it.key(), it.value(), data_bytes);
    result.tensors.emplace(info.name, std::move(info));
  }
  CheckNoOverlap(result.tensors, path);
  return result;
}

std::vector<std::string> ParseShardIndex(std::string_view text, const std::string& index_path) {
  Json index = ParseJson(text, index_path);
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    throw Error(fmt::format(
        "{}: expected JSON with a 'weight_map' object (tensor name -> shard file)", index_path));
  }
  std::vector<std::string> files;
  for (const auto& [name, file] : index["weight_map"].items()) {
    if (!file.is_string()) {
      throw Error(fmt::format("{}: weight_map['{}'] is {}, expected a file name", index_path, name,
                              file.dump()));
    }
    std::string shard = file.get<std::string>();
    std::filesystem::path shard_path(shard);
    bool escapes = shard.empty() || shard_path.is_absolute() ||
                   std::any_of(shard_path.begin(), shard_path.end(),
                               [](const std::filesystem::path& part) { return part == ".."; });
    if (escapes) {
      throw Error(fmt::format(
          "{}: weight_map['{}'] is '{}'; a shard must be a file inside the checkpoint directory",
          index_path, name, shard));
    }
    if (std::find(files.begin(), files.end(), shard) == files.end()) files.push_back(shard);
  }
  return files;
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

int64_t DtypeBytes(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
  return 0;
}

}  // namespace ilf::lm
