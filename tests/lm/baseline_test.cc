// The same-run Python baselines of `ilf bench generate|train` (scripts/bench/torch_baseline.py):
// the eager PyTorch fallback is the same model as Hugging Face's (golden logits within 1e-4, and
// its KV-cache decoding loop gives the golden greedy tokens), the benches report the baseline and
// the speedup in their JSON, and a missing or failing baseline is a clear error. Skips when no
// python3 here can import torch (Debian: apt-get install python3-torch).
#include <gtest/gtest.h>

#include <torch/types.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/core/atomic_file.h"
#include "src/lm/safetensors.h"
#include "tests/support/test_data.h"

namespace ilf {
namespace {

using Json = nlohmann::json;
using testing::IlfBinary;
using testing::RunCommand;

// The interpreter the tests use: $ILF_BASELINE_PYTHON, python3 or /usr/bin/python3, the first that
// imports torch; "" when none does.
std::string PythonWithTorch() {
  std::vector<std::string> candidates{"python3", "/usr/bin/python3"};
  if (const char* env = std::getenv("ILF_BASELINE_PYTHON"))
    candidates.insert(candidates.begin(), env);
  for (const std::string& python : candidates) {
    if (RunCommand(python + " -c 'import torch' >/dev/null 2>&1").exit_code == 0) return python;
  }
  return "";
}

#define PYTHON_WITH_TORCH_OR_SKIP(var)                                             \
  std::string var = PythonWithTorch();                                             \
  if (var.empty()) {                                                               \
    GTEST_SKIP() << "no python3 with torch (tried $ILF_BASELINE_PYTHON, python3, " \
                    "/usr/bin/python3); on Debian: apt-get install python3-torch"; \
  }

std::string Script() {
  const char* source = std::getenv("ILF_SOURCE_DIR");
  EXPECT_NE(source, nullptr) << "run the tests through ctest";
  return std::string(source ? source : ".") + "/scripts/bench/torch_baseline.py";
}

std::string JoinIds(const std::vector<int64_t>& ids) {
  std::string text;
  for (int64_t id : ids) text += (text.empty() ? "" : ",") + std::to_string(id);
  return text;
}

void ExpectEagerMatchesGolden(const std::string& name) {
  ILF_DATA_OR_SKIP(dir, "golden/" + name);
  PYTHON_WITH_TORCH_OR_SKIP(python);
  Json meta = Json::parse(ReadFile(dir + "/golden.json"));
  auto prompts = meta["prompts"].get<std::vector<std::vector<int64_t>>>();
  auto greedy = meta["greedy"]["unbatched_new_tokens"].get<std::vector<std::vector<int64_t>>>();
  lm::SafetensorsFile golden(dir + "/golden.safetensors");
  for (size_t i = 0; i < prompts.size(); ++i) {
    auto r = RunCommand(python + " " + Script() + " logits --implementation eager --model " + dir +
                        " --ids " + JoinIds(prompts[i]) + " --greedy " +
                        std::to_string(greedy[i].size()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    Json out = Json::parse(r.output);
    EXPECT_EQ(out["implementation"], "pytorch eager (torch_baseline.py)");
    torch::Tensor got = torch::tensor(out["logits"].get<std::vector<double>>(), torch::kDouble);
    std::string key = "last_logits_" + std::to_string(i);
    torch::Tensor expected =
        golden.Find(key) ? golden.View(key) : golden.View("logits_" + std::to_string(i))[-1];
    ASSERT_EQ(got.sizes(), expected.sizes()) << name << " prompt " << i;
    double diff = (got - expected.to(torch::kDouble)).abs().max().item<double>();
    std::printf("%s prompt %zu: eager baseline max |last logits - HF| = %.3g\n", name.c_str(), i,
                diff);
    EXPECT_LT(diff, 1e-4) << name << " prompt " << i;
    EXPECT_EQ(out["greedy"].get<std::vector<int64_t>>(), greedy[i])
        << name << " prompt " << i << ": the KV-cache decoding loop differs from HF's greedy";
  }
}

TEST(TorchBaseline, EagerQwen2TinyMatchesHuggingFace) { ExpectEagerMatchesGolden("qwen2-tiny"); }
TEST(TorchBaseline, EagerLlamaTinyMatchesHuggingFace) { ExpectEagerMatchesGolden("llama-tiny"); }
TEST(TorchBaseline, EagerGpt2TinyMatchesHuggingFace) { ExpectEagerMatchesGolden("gpt2-tiny"); }

Json RunBenchJson(const std::string& args) {
  auto r = RunCommand(IlfBinary() + " bench " + args + " --json 2>/dev/null");
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.output;
  return r.exit_code == 0 ? Json::parse(r.output) : Json::object();
}

TEST(TorchBaseline, BenchGenerateReportsBaselineAndSpeedup) {
  ILF_DATA_OR_SKIP(config, "golden/qwen2-tiny/config.json");
  PYTHON_WITH_TORCH_OR_SKIP(python);
  Json f =
      RunBenchJson("generate --config " + config +
                   " --batch 2 --new-tokens 4 --prompt-tokens 5 --threads 1 --baseline " + python);
  ASSERT_TRUE(f["baseline"].is_object()) << f.dump();
  const Json& b = f["baseline"];
  EXPECT_GT(b["tokens_per_s"].get<double>(), 0);
  EXPECT_GT(b["decode_tokens_per_s"].get<double>(), 0);
  EXPECT_GT(f["speedup_vs_baseline"].get<double>(), 0);
  // Same work as ilf's measurement.
  EXPECT_EQ(b["batch"], 2);
  EXPECT_EQ(b["new_tokens"], 4);
  EXPECT_EQ(b["prompt_tokens"], 5);
  EXPECT_EQ(b["dtype"], f["dtype"]);
  EXPECT_EQ(b["device"], f["device"]);
  EXPECT_EQ(b["threads"], 1);
  EXPECT_EQ(b["architecture"], "Qwen2ForCausalLM");
  EXPECT_EQ(b["parameters"], f["parameters"]) << "the baseline builds the same model size";
  EXPECT_NEAR(f["speedup_vs_baseline"].get<double>(),
              f["decode_tokens_per_s"].get<double>() / b["decode_tokens_per_s"].get<double>(),
              1e-9);
}

TEST(TorchBaseline, BenchTrainReportsBaselineAndSpeedup) {
  ILF_DATA_OR_SKIP(config, "golden/llama-tiny/config.json");
  PYTHON_WITH_TORCH_OR_SKIP(python);
  Json f = RunBenchJson("train --config " + config +
                        " --batch 2 --seq 16 --steps 2 --threads 1 --baseline " + python);
  ASSERT_TRUE(f["baseline"].is_object()) << f.dump();
  const Json& b = f["baseline"];
  EXPECT_GT(b["tokens_per_s"].get<double>(), 0);
  EXPECT_GT(f["speedup_vs_baseline"].get<double>(), 0);
  EXPECT_EQ(b["batch"], 2);
  EXPECT_EQ(b["seq"], 16);
  EXPECT_EQ(b["steps"], 2);
  EXPECT_EQ(b["compute_dtype"], f["compute_dtype"]);
  EXPECT_EQ(b["params"], 51360) << "llama-tiny's parameter count, as ilf's";
  // Random tokens over a 512-token vocabulary: the loss starts near ln(512).
  EXPECT_NEAR(b["final_loss"].get<double>(), 6.24, 0.3);
  EXPECT_NEAR(f["speedup_vs_baseline"].get<double>(),
              f["tokens_per_s"].get<double>() / b["tokens_per_s"].get<double>(), 1e-9);
}

TEST(TorchBaseline, NoneSkipsAndSaysSo) {
  ILF_DATA_OR_SKIP(config, "golden/llama-tiny/config.json");
  Json f = RunBenchJson("train --config " + config +
                        " --batch 1 --seq 8 --steps 1 --threads 1 --baseline none");
  EXPECT_TRUE(f["baseline"].is_null());
  EXPECT_EQ(f["baseline_note"], "--baseline none");
  EXPECT_FALSE(f.contains("speedup_vs_baseline"));
}

TEST(TorchBaseline, AutoWithoutTorchSkipsWithANote) {
  ILF_DATA_OR_SKIP(config, "golden/llama-tiny/config.json");
  auto r = RunCommand("ILF_BASELINE_PYTHON=/nonexistent/python3 " + IlfBinary() +
                      " bench train --config " + config +
                      " --batch 1 --seq 8 --steps 1 --threads 1 --json 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Json f = Json::parse(r.output);
  EXPECT_TRUE(f["baseline"].is_null());
  EXPECT_NE(f["baseline_note"].get<std::string>().find("/nonexistent/python3 (not found)"),
            std::string::npos)
      << f["baseline_note"];
  EXPECT_GT(f["tokens_per_s"].get<double>(), 0) << "ilf's own measurement still runs";
}

TEST(TorchBaseline, MissingInterpreterIsAUsageErrorNamingIt) {
  ILF_DATA_OR_SKIP(config, "golden/llama-tiny/config.json");
  for (const char* bench : {"generate --new-tokens 2", "train --seq 8"}) {
    auto r = RunCommand(IlfBinary() + " bench " + bench + " --config " + config +
                        " --batch 1 --baseline /nonexistent/python 2>&1");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("/nonexistent/python"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("bench train: step"), std::string::npos)
        << "the flag is checked before the measurement";
  }
}

TEST(TorchBaseline, CrashingBaselineFailsWithItsStderrTail) {
  ILF_DATA_OR_SKIP(config, "golden/llama-tiny/config.json");
  PYTHON_WITH_TORCH_OR_SKIP(python);
  testing::ScratchDir scripts;
  scripts.Write("bench/torch_baseline.py",
                "import sys\nprint('not json')\nprint('baseline exploded: CUDA OOM', "
                "file=sys.stderr)\nsys.exit(7)\n");
  auto r = RunCommand(
      "ILF_SCRIPTS_DIR=" + scripts.path() + " " + IlfBinary() + " bench train --config " + config +
      " --batch 1 --seq 8 --steps 1 --threads 1 --json --baseline " + python + " 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("exited with status 7"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("baseline exploded: CUDA OOM"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"tokens_per_s\""), std::string::npos)
      << "ilf's own result is still reported: " << r.output;
}

}  // namespace
}  // namespace ilf
