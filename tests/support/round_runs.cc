#include "tests/support/round_runs.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "src/core/atomic_file.h"
#include "tests/support/test_data.h"

namespace ilf::testing {

namespace fs = std::filesystem;

std::string HumanFeedbackRoundData() {
  std::string surge = FindData("ilf-code/surge_annotations.jsonl");
  if (FindData("tokenizers/gpt2").empty() || FindData("mbpp/mbpp.jsonl").empty()) return "";
  return surge;
}

Json RunManifest(const std::string& run) { return Json::parse(ReadFile(run + "/manifest.json")); }

std::string WithoutMeasurements(const std::string& path) {
  std::string out;
  for (const JsonlRecord& r : ReadJsonl(path)) {
    Json v = r.value;
    for (const char* key : {"wall_time_ms", "cpu_time_ms", "peak_memory_kib"}) v.erase(key);
    if (v.contains("tests")) {
      for (Json& t : v["tests"]) t.erase("duration_ms");
    }
    out += v.dump() + "\n";
  }
  return out;
}

void ExpectKilledThenResumedRunEqualsClean(const std::string& config,
                                           const std::vector<std::string>& stages,
                                           const std::string& work, size_t min_compared) {
  std::string clean = work + "/clean";
  auto r = RunCommand(IlfBinary() + " round --config " + config + " --run-dir " + clean + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectKilledThenResumedRunEquals(config, clean, stages, work + "/killed", min_compared);
}

void ExpectKilledThenResumedRunEquals(
    const std::string& config, const std::string& clean, const std::vector<std::string>& stages,
    const std::string& killed, size_t min_compared,
    const std::function<void(const std::string& stage)>& after_kill) {
  bool first = true;
  for (const std::string& stage : stages) {
    auto k = RunCommand("ILF_KILL_AT=round-1/" + stage + " " + IlfBinary() + " round " +
                        (first ? "" : "--resume ") + "--config " + config + " --run-dir " + killed +
                        " >/dev/null 2>&1; echo status=$?");
    first = false;
    EXPECT_NE(k.output.find("status=137"), std::string::npos) << stage << ": " << k.output;
    Json round = RunManifest(killed)["rounds"].value("1", Json::object());
    EXPECT_FALSE(round.contains(stage)) << stage << " recorded as done though killed inside";
    if (after_kill) after_kill(stage);
  }
  auto done = RunCommand(IlfBinary() + " round --resume --config " + config + " --run-dir " +
                         killed + " 2>&1");
  ASSERT_EQ(done.exit_code, 0) << done.output;
  size_t compared = 0;
  for (const auto& entry : fs::recursive_directory_iterator(clean + "/round-1")) {
    std::string rel = fs::relative(entry.path(), clean).string();
    std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || rel.find("checkpoint-") != std::string::npos) continue;
    std::string other = killed + "/" + rel;
    ASSERT_TRUE(fs::exists(other)) << rel;
    if (name.find("results") != std::string::npos) {
      EXPECT_EQ(WithoutMeasurements(entry.path()), WithoutMeasurements(other)) << rel;
    } else if (name.size() > 6 &&
               (name.substr(name.size() - 6) == ".jsonl" || name == "model.safetensors")) {
      if (name == "metrics.jsonl") continue;  // finetuning's log holds wall-clock rates
      EXPECT_TRUE(ReadFile(entry.path()) == ReadFile(other)) << rel << " differs";
    } else {
      continue;
    }
    ++compared;
  }
  EXPECT_GE(compared, min_compared);
  for (const auto& entry : fs::recursive_directory_iterator(killed))
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
}

}  // namespace ilf::testing
