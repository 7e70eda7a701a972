#include "src/lm/device.h"

#include <fmt/format.h>
#include <torch/cuda.h>

#include "src/core/error.h"

namespace ilf::lm {

std::string DtypeName(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat:
      return "float32";
    case torch::kBFloat16:
      return "bfloat16";
    case torch::kHalf:
      return "float16";
    default:
      return c10::toString(dtype);
  }
}

torch::ScalarType ParseDtype(const std::string& name) {
  if (name == "float32" || name == "fp32") return torch::kFloat;
  if (name == "bfloat16" || name == "bf16") return torch::kBFloat16;
  if (name == "float16" || name == "fp16" || name == "half") return torch::kHalf;
  throw Error(fmt::format("dtype '{}' is not one of float32, bfloat16, float16", name));
}

torch::TensorOptions ResolveTensorOptions(const std::string& device, const std::string& dtype,
                                          const ModelConfig& config) {
  torch::Device dev(torch::kCPU);
  if (device == "auto") {
    if (torch::cuda::is_available()) dev = torch::Device(torch::kCUDA, 0);
  } else if (device == "cpu") {
  } else if (device.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) {
      throw EnvironmentError(
          fmt::format("--device {}: LibTorch sees no CUDA GPU (this build or "
                      "machine is CPU-only); use --device cpu",
                      device));
    }
    try {
      dev = torch::Device(device);
    } catch (const c10::Error&) {
      throw Error(
          fmt::format("--device '{}' is not a device (expected auto, cpu, cuda, cuda:N)", device));
    }
  } else {
    throw Error(fmt::format("--device '{}' is not one of auto, cpu, cuda, cuda:N", device));
  }
  torch::ScalarType type = torch::kFloat;
  if (dtype == "auto") {
    if (dev.is_cuda()) type = config.dtype == "float16" ? torch::kHalf : torch::kBFloat16;
  } else {
    type = ParseDtype(dtype);
  }
  if (dev.is_cpu() && type == torch::kHalf) {
    throw Error(
        "--dtype float16 is not supported on the CPU (slow or missing kernels); use float32 "
        "or bfloat16");
  }
  return torch::TensorOptions().dtype(type).device(dev);
}

}  // namespace ilf::lm
