// Samples files (tasks/evaluation.h ReadSamples) against a two-task suite: the whole input is the
// samples file.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "tasks/evaluation.h"
#include "tasks/suite.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

const ilf::tasks::SuiteSelection& Selection() {
  static std::unique_ptr<ilf::tasks::SuiteSelection> selection = [] {
    const ilf::fuzz::FuzzFiles& files = ilf::fuzz::FuzzFiles::Get();
    files.Write("suite-tasks.jsonl",
                "{\"task_id\": \"t/1\", \"text\": \"add\", \"tests\": [\"assert add(1, 2) == 3\"], "
                "\"entry_point\": \"add\"}\n"
                "{\"task_id\": 2, \"text\": \"neg\", \"tests\": [\"assert neg(1) == -1\"]}\n");
    std::string manifest = files.Write("suite-manifest.json",
                                       "{\"name\": \"fuzz\", \"file\": \"suite-tasks.jsonl\", "
                                       "\"splits\": {\"dev\": {\"range\": [1, 9]}}}");
    return ilf::tasks::SelectSuite(manifest);
  }();
  return *selection;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ilf::tasks::SuiteSelection& selection = Selection();
  std::string path = ilf::fuzz::FuzzFiles::Get().Write(
      "samples.jsonl", std::string_view(reinterpret_cast<const char*>(data), size));
  ilf::fuzz::ExpectErrorOrSuccess([&] {
    ilf::tasks::EvalOptions options;
    size_t skipped = 0;
    for (const ilf::tasks::Sample& sample :
         ilf::tasks::ReadSamples(path, selection, options, &skipped)) {
      ilf::tasks::ProgramOf(selection.suite, *sample.task, sample.text, options.program_mode);
    }
  });
  return 0;
}
