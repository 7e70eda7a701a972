#include "src/lm/threads.h"

#include <dlfcn.h>

#include <algorithm>
#include <thread>

#include <ATen/Parallel.h>

namespace ilf::lm {

int ConfigureCpuThreads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // OpenBLAS is looked up at run time, so no link-time dependency on it is needed.
  using SetThreads = void (*)(int);
  auto set_blas = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  int torch_threads = set_blas ? 1 : threads;
  if (at::get_num_threads() != torch_threads) at::set_num_threads(torch_threads);
  if (set_blas) set_blas(threads);  // after torch's, in case torch also sets BLAS threads
  return threads;
}

int MatmulThreads() {
  using GetThreads = int (*)();
  auto get_blas = reinterpret_cast<GetThreads>(::dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get_blas ? get_blas() : at::get_num_threads();
}

std::string BlasInfo() {
  using GetConfig = char* (*)();
  if (auto get = reinterpret_cast<GetConfig>(::dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    return get();
  }
  return "unknown (not OpenBLAS)";
}

}  // namespace ilf::lm
