// Run manifests (runner/round/run_dir.h): DIR/manifest.json of an `ilf round` run directory, read
// by `ilf round --resume` (RunDir) and `ilf report` (the round table, the plot, the funnel). The
// whole input is the manifest; the run directory has no artifacts, so the report renders from the
// manifest alone.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "runner/report/report.h"
#include "runner/round/config.h"
#include "runner/round/run_dir.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ilf::fuzz::FuzzFiles& files = ilf::fuzz::FuzzFiles::Get();
  static const bool made = std::filesystem::create_directories(files.dir() + "/run");
  (void)made;
  std::string text(reinterpret_cast<const char*>(data), size);
  files.Write("run/manifest.json", text);
  ilf::fuzz::ExpectErrorOrSuccess([&] {
    ilf::Json manifest = ilf::round::ParseManifest(text, "manifest.json");
    // A resume compares the saved config with today's; the report renders everything.
    ilf::round::RunDir run(files.dir() + "/run", manifest["config"], /*resume=*/true, {});
    for (const auto& [key, stages] : manifest["rounds"].items()) {
      for (const auto& [stage, record] : stages.items()) run.Done(std::stoi(key), stage);
    }
    ilf::report::WriteReport({files.dir() + "/run", files.dir() + "/out"});
  });
  ilf::fuzz::ExpectErrorOrSuccess([&] {
    ilf::round::RunDir run(files.dir() + "/run", ilf::round::RoundConfig().ToJson(), true, {});
  });
  return 0;
}
