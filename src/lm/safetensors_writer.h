// Writing safetensors files (the format is described in src/lm/safetensors.h).
//
// The header is JSON with tensor names in sorted order and "__metadata__" {"format": "pt"} plus any
// given metadata, padded with spaces so the data area starts on an 8-byte boundary. Tensors are
// laid out without holes, widest dtype first and by name within a dtype width, so every tensor
// stays aligned for its dtype (the order Hugging Face's writer uses). The file appears atomically
// (via ilf::AtomicFile): readers see the old file or the whole new one.
//
// Note for src/lm/train: this is the single-file writer; sharding (model.safetensors.index.json)
// can be layered on top by calling WriteSafetensors once per shard.
#pragma once

#include <torch/types.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ilf::lm {

// Writes `tensors` (any device; F32/F16/BF16/F64/I64/I32/I8/U8/BOOL) to `path`. Throws ilf::Error
// on an unsupported dtype, a duplicate name or I/O failure.
void WriteSafetensors(const std::string& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// The safetensors name of a torch dtype ("F32", ...); throws ilf::Error if it has none.
std::string SafetensorsDtype(torch::ScalarType dtype);

}  // namespace ilf::lm
