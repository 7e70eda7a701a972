#include "src/lm/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "src/core/atomic_file.h"
#include "src/core/error.h"

namespace ilf::lm {
namespace {

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

}  // namespace

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
  CheckSafetensorsSize(size, path);
  map_bytes_ = size;
  map_ = ::mmap(nullptr, map_bytes_, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    throw Error(fmt::format("{}: mmap failed: {}", path, std::strerror(errno)));
  }
  try {
    SafetensorsHeader header =
        ParseSafetensorsHeader(static_cast<const unsigned char*>(map_), size, path);
    data_start_ = header.data_start;
    tensors_ = std::move(header.tensors);
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
    for (const std::string& shard : ParseShardIndex(ReadFile(index_path), index_path)) {
      files.push_back((fs::path(path) / shard).string());
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
