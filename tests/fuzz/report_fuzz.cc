// `ilf report` over a round's artifacts (runner/report/report.h): the input is results.jsonl NUL
// feedback.jsonl NUL refinements.jsonl NUL pairs.jsonl NUL refinement_results.jsonl of round 1,
// beside a fixed valid manifest (the run_manifest target varies that). Each file is what a
// stage wrote, or anything else: the report must render or throw ilf::Error naming file:line.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "runner/report/report.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

const char kManifest[] = R"({"schema": "ilf.run", "version": 1, "config_hash": "h",
  "config": {"task": "code", "feedback": {"source": "execution"}},
  "rounds": {"1": {"execute": {"status": "done", "order": 0, "counts": {"tasks": 2},
                               "times": {"wall_s": 1.0}}}}})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ilf::fuzz::FuzzFiles& files = ilf::fuzz::FuzzFiles::Get();
  static const bool made = [&] {
    std::filesystem::create_directories(files.dir() + "/run/round-1");
    files.Write("run/manifest.json", kManifest);
    return true;
  }();
  (void)made;
  std::vector<std::string> parts = ilf::fuzz::SplitInput(data, size, 5);
  const char* names[] = {"results", "feedback", "refinements", "pairs", "refinement_results"};
  for (size_t i = 0; i < 5; ++i)
    files.Write("run/round-1/" + std::string(names[i]) + ".jsonl", parts[i]);
  ilf::fuzz::ExpectErrorOrSuccess([&] {
    ilf::report::WriteReport({files.dir() + "/run", files.dir() + "/out"});
  });
  return 0;
}
