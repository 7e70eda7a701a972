// Plug-in suite manifests and their task records (tasks/manifest_suite.cc): the input is the
// manifest, a NUL, then the tasks file it may name as "tasks.jsonl".
#include <cstddef>
#include <cstdint>

#include "tasks/suite.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> parts = ilf::fuzz::SplitInput(data, size, 2);
  const ilf::fuzz::FuzzFiles& files = ilf::fuzz::FuzzFiles::Get();
  files.Write("tasks.jsonl", parts[1]);
  std::string manifest = files.Write("suite.json", parts[0]);
  ilf::fuzz::ExpectErrorOrSuccess([&] {
    ilf::tasks::Suite suite = ilf::tasks::LoadManifestSuite(manifest);
    for (const ilf::tasks::Split& split : suite.splits) suite.TasksOf(split.name);
  });
  return 0;
}
