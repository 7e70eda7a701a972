#include "src/lm/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/core/atomic_file.h"
#include "src/core/error.h"

namespace ilf::lm {
namespace {

using Json = nlohmann::json;

// A header larger than this is not a checkpoint (real ones are well under 10 MB).
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

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
    if (d > 0 && elements > std::numeric_limits<uint64_t>::max() / d / 8)
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

}  // namespace

int64_t DtypeBytes(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
  return 0;
}

torch::ScalarType TorchDtype(const std::string& dtype, const std::string& where) {
  if (dtype == "F32") return torch::kFloat;
  if (dtype == "F16") return torch::kHalf;
  if (dtype == "BF16") return torch::kBFloat16;
  if (dtype == "F64") return torch::kDouble;
  if (dtype == "I64") return torch::kLong;
  if (dtype == "I32") return torch::kInt;
  if (dtype == "I16") return torch::kShort;
  if (dtype == "I8") return torch::kChar;
  if (dtype == "U8") return torch::kByte;
  if (dtype == "BOOL") return torch::kBool;
  throw Error(fmt::format("{}: dtype '{}' cannot be read into a tensor", where, dtype));
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}
std::string ShapeString(torch::IntArrayRef shape) {
  return ShapeString(std::vector<int64_t>(shape.begin(), shape.end()));
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    throw Error(fmt::format("{}: cannot open checkpoint file: {}", path, std::strerror(errno)));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0)
    throw Error(fmt::format("{}: fstat failed: {}", path, std::strerror(errno)));
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < 8) {
    throw Error(
        fmt::format("{}: {} bytes, too short for a safetensors file (8-byte header length "
                    "first); truncated?",
                    path, size));
  }
  map_bytes_ = size;
  map_ = ::mmap(nullptr, map_bytes_, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    throw Error(fmt::format("{}: mmap failed: {}", path, std::strerror(errno)));
  }
  try {
    const auto* bytes = static_cast<const unsigned char*>(map_);
    uint64_t header_bytes = 0;
    for (int i = 7; i >= 0; --i) header_bytes = (header_bytes << 8) | bytes[i];
    if (header_bytes > size - 8 || header_bytes > kMaxHeaderBytes) {
      throw Error(
          fmt::format("{}: header length {} runs past the end of the file ({} bytes); the "
                      "file is truncated or not safetensors",
                      path, header_bytes, size));
    }
    data_start_ = 8 + header_bytes;
    uint64_t data_bytes = size - data_start_;
    Json header = Json::parse(bytes + 8, bytes + 8 + header_bytes, nullptr, false);
    if (header.is_discarded() || !header.is_object()) {
      throw Error(fmt::format("{}: the {}-byte header is not a JSON object; corrupt file", path,
                              header_bytes));
    }
    std::vector<const TensorInfo*> by_offset;
    for (auto it = header.begin(); it != header.end(); ++it) {
      if (it.key() == "__metadata__") continue;
      TensorInfo info = ParseEntry(path, it.key(), it.value(), data_bytes);
      tensors_.emplace(info.name, std::move(info));
    }
    for (const auto& [name, info] : tensors_) by_offset.push_back(&info);
    std::sort(by_offset.begin(), by_offset.end(), [](const TensorInfo* a, const TensorInfo* b) {
      return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    for (size_t i = 1; i < by_offset.size(); ++i) {
      const TensorInfo& prev = *by_offset[i - 1];
      const TensorInfo& cur = *by_offset[i];
      if (cur.begin < prev.end && cur.begin != cur.end && prev.begin != prev.end) {
        throw Error(
            fmt::format("{}: tensor '{}' bytes [{}, {}) overlap tensor '{}' bytes [{}, {}); "
                        "corrupt header",
                        path, cur.name, cur.begin, cur.end, prev.name, prev.begin, prev.end));
      }
    }
  } catch (...) {
    ::munmap(map_, map_bytes_);
    map_ = nullptr;
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(map_, map_bytes_);
}

const TensorInfo* SafetensorsFile::Find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

torch::Tensor SafetensorsFile::View(const std::string& name) const {
  const TensorInfo* info = Find(name);
  if (!info) throw Error(fmt::format("{}: no tensor '{}'", path_, name));
  torch::ScalarType dtype = TorchDtype(info->dtype, fmt::format("{}: tensor '{}'", path_, name));
  char* data = static_cast<char*>(map_) + data_start_ + info->begin;
  auto options = torch::TensorOptions().dtype(dtype).device(torch::kCPU);
  int64_t element = DtypeBytes(info->dtype);
  if (reinterpret_cast<uintptr_t>(data) % element == 0) {
    return torch::from_blob(data, info->shape, options);
  }
  // Misaligned for its dtype (a writer that did not pad the header): copy into aligned memory.
  torch::Tensor copy = torch::empty(info->shape, options);
  std::memcpy(copy.data_ptr(), data, info->end - info->begin);
  return copy;
}

Checkpoint::Checkpoint(const std::string& path) : path_(path) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  if (!fs::is_directory(path)) {
    files.push_back(path);
  } else if (fs::exists(fs::path(path) / "model.safetensors.index.json")) {
    std::string index_path = (fs::path(path) / "model.safetensors.index.json").string();
    Json index = Json::parse(ReadFile(index_path), nullptr, false);
    if (index.is_discarded() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
      throw Error(
          fmt::format("{}: expected JSON with a 'weight_map' object (tensor name -> shard "
                      "file)",
                      index_path));
    }
    for (const auto& [name, file] : index["weight_map"].items()) {
      if (!file.is_string()) {
        throw Error(fmt::format("{}: weight_map['{}'] is {}, expected a file name", index_path,
                                name, file.dump()));
      }
      std::string shard = (fs::path(path) / file.get<std::string>()).string();
      if (std::find(files.begin(), files.end(), shard) == files.end()) files.push_back(shard);
    }
  } else if (fs::exists(fs::path(path) / "model.safetensors")) {
    files.push_back((fs::path(path) / "model.safetensors").string());
  } else {
    throw Error(
        fmt::format("{}: no model.safetensors or model.safetensors.index.json; expected a "
                    "Hugging Face checkpoint directory (pytorch_model.bin is not read)",
                    path));
  }
  for (const std::string& file : files) {
    files_.push_back(std::make_unique<SafetensorsFile>(file));
    for (const auto& [name, info] : files_.back()->tensors()) {
      auto [it, inserted] = owner_.emplace(name, files_.back().get());
      if (!inserted) {
        throw Error(fmt::format("{}: tensor '{}' appears in both {} and {}", path, name,
                                it->second->path(), file));
      }
    }
  }
}

std::vector<std::string> Checkpoint::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, file] : owner_) names.push_back(name);
  return names;
}

const TensorInfo* Checkpoint::Find(const std::string& name) const {
  auto it = owner_.find(name);
  return it == owner_.end() ? nullptr : it->second->Find(name);
}

const std::string& Checkpoint::FileOf(const std::string& name) const {
  auto it = owner_.find(name);
  return it == owner_.end() ? path_ : it->second->path();
}

torch::Tensor Checkpoint::View(const std::string& name) const {
  auto it = owner_.find(name);
  if (it == owner_.end()) throw Error(fmt::format("{}: no tensor '{}'", path_, name));
  return it->second->View(name);
}

}  // namespace ilf::lm
