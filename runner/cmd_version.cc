#include <cstdio>

#include "runner/cli.h"
#include "runner/commands.h"

namespace ilf {

int RunVersion(int argc, char** argv) {
  CLI::App app{"Print the version of ilf and what it was built with.", "ilf version"};
  if (auto code = ParseCommandLine(app, argc, argv)) return *code;
  std::printf("ilf 0.1.0 (torch: %s)\n",
#ifdef ILF_WITH_TORCH
              "yes"
#else
              "no"
#endif
  );
  return 0;
}

}  // namespace ilf
