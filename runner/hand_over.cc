// Handing a model command over from `ilf` to `ilf-torch` (runner/executable.h).
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "runner/executable.h"
#include "src/core/error.h"

namespace ilf {

int RunCommand(const Command& command, int argc, char** argv) {
  if (command.run == nullptr) HandOverToTorch(command.name, argc, argv);
  return command.run(argc, argv);
}

void HandOverToTorch(const std::string& command, int argc, char** argv) {
#ifndef ILF_WITH_TORCH
  throw EnvironmentError("ilf " + command +
                         " needs LibTorch; this ilf was built without it (-DILF_WITH_TORCH=OFF)");
#else
  char self[4096];
  ssize_t length = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (length <= 0) {
    throw EnvironmentError("ilf " + command + ": cannot find this executable (/proc/self/exe: " +
                           std::strerror(errno) + ") to run ilf-torch beside it");
  }
  std::string path(self, static_cast<size_t>(length));
  path = path.substr(0, path.rfind('/') + 1) + "ilf-torch";
  std::vector<char*> args = {path.data(), const_cast<char*>(command.c_str())};
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  // OpenBLAS reads this once, when it loads: its idle workers then sleep after 2^22 cycles (about
  // 1.6 ms) of spinning instead of 2^28 (about 0.1 s), see src/lm/threads.h. A value already set
  // is kept.
  setenv("OPENBLAS_THREAD_TIMEOUT", "22", /*overwrite=*/0);
  std::fflush(stdout);
  std::fflush(stderr);
  execv(path.c_str(), args.data());
  throw EnvironmentError(path + ": " + std::strerror(errno) + " (`ilf " + command +
                         "` needs LibTorch, which only ilf-torch loads; ilf runs it from beside "
                         "itself: build it with `cmake --build build --target ilf-torch` or copy "
                         "it next to ilf)");
#endif
}

}  // namespace ilf
