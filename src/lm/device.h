// Choosing the device and dtype at run time: --device auto|cpu|cuda[:N], --dtype
// auto|float32|bfloat16|float16. "auto" picks CUDA when LibTorch sees a GPU, float32 on the CPU and
// bfloat16 on CUDA (float16 when the checkpoint is float16).
#pragma once

#include <torch/types.h>

#include <string>

#include "src/lm/model_config.h"

namespace ilf::lm {

// Throws ilf::Error for an unknown name or float16 on the CPU, EnvironmentError for CUDA without a
// GPU.
torch::TensorOptions ResolveTensorOptions(const std::string& device, const std::string& dtype,
                                          const ModelConfig& config);

// "float32", "bfloat16", "float16".
std::string DtypeName(torch::ScalarType dtype);
// The inverse; throws ilf::Error naming the accepted values.
torch::ScalarType ParseDtype(const std::string& name);

}  // namespace ilf::lm
