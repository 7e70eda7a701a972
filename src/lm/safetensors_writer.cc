#include "src/lm/safetensors_writer.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/core/atomic_file.h"
#include "src/core/error.h"

namespace ilf::lm {

std::string SafetensorsDtype(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat:
      return "F32";
    case torch::kHalf:
      return "F16";
    case torch::kBFloat16:
      return "BF16";
    case torch::kDouble:
      return "F64";
    case torch::kLong:
      return "I64";
    case torch::kInt:
      return "I32";
    case torch::kShort:
      return "I16";
    case torch::kChar:
      return "I8";
    case torch::kByte:
      return "U8";
    case torch::kBool:
      return "BOOL";
    default:
      throw Error(fmt::format("safetensors cannot store dtype {}", c10::toString(dtype)));
  }
}

void WriteSafetensors(const std::string& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  struct Item {
    std::string name;
    torch::Tensor data;  // contiguous, on the CPU
    int64_t element_bytes;
  };
  std::vector<Item> items;
  std::set<std::string> seen;
  for (const auto& [name, tensor] : tensors) {
    if (!seen.insert(name).second) {
      throw Error(fmt::format("{}: tensor '{}' given twice", path, name));
    }
    SafetensorsDtype(tensor.scalar_type());  // validates the dtype
    torch::Tensor cpu = tensor.detach().to(torch::kCPU).contiguous();
    items.push_back({name, cpu, static_cast<int64_t>(cpu.element_size())});
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.element_bytes != b.element_bytes ? a.element_bytes > b.element_bytes : a.name < b.name;
  });

  nlohmann::json header = nlohmann::json::object();
  nlohmann::json meta = nlohmann::json::object();
  meta["format"] = "pt";
  for (const auto& [key, value] : metadata) meta[key] = value;
  header["__metadata__"] = meta;
  uint64_t offset = 0;
  for (const Item& item : items) {
    uint64_t bytes = static_cast<uint64_t>(item.data.numel()) * item.element_bytes;
    header[item.name] = {{"dtype", SafetensorsDtype(item.data.scalar_type())},
                         {"shape", item.data.sizes().vec()},
                         {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();  // nlohmann orders keys, so names come out sorted
  text.append((8 - (8 + text.size()) % 8) % 8, ' ');
  char length[8];
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((n >> (8 * i)) & 0xff);

  AtomicFile file(path);
  file.Write(std::string_view(length, 8));
  file.Write(text);
  for (const Item& item : items) {
    file.Write(std::string_view(static_cast<const char*>(item.data.data_ptr()),
                                item.data.numel() * item.element_bytes));
  }
  file.Commit();
}

}  // namespace ilf::lm
