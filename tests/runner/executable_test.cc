// `ilf` and `ilf-torch` (runner/executable.cc, runner/cli.h): `ilf` loads no LibTorch, runs the
// torch-free commands without ilf-torch present, lists every command, hands model commands over to
// ilf-torch, and names ilf-torch's path when it is missing.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/test_data.h"

namespace ilf {
namespace {

using testing::RunCommand;
using testing::ScratchDir;

std::string Ilf() { return testing::IlfBinary(); }

// A copy of `ilf` alone in a fresh directory: no ilf-torch beside it.
struct LoneIlf {
  ScratchDir dir;
  std::string path = dir.path() + "/ilf";
  LoneIlf() { std::filesystem::copy_file(Ilf(), path); }
};

TEST(ExecutableTest, IlfLinksNoLibTorchButIlfTorchDoes) {
  auto ilf = RunCommand("ldd " + Ilf() + " 2>&1");
  ASSERT_EQ(ilf.exit_code, 0) << ilf.output;
  EXPECT_EQ(ilf.output.find("libtorch"), std::string::npos) << ilf.output;
  EXPECT_EQ(ilf.output.find("libc10"), std::string::npos) << ilf.output;
  std::string torch_path = Ilf() + "-torch";
  auto torch = RunCommand("ldd " + torch_path + " 2>&1");
  ASSERT_EQ(torch.exit_code, 0) << torch.output;
  EXPECT_NE(torch.output.find("libc10"), std::string::npos) << torch.output;
}

TEST(ExecutableTest, VersionLoadsNoLibTorch) {
  auto result = RunCommand("LD_DEBUG=libs " + Ilf() + " version 2>&1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("ilf 0.1.0"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("calling init"), std::string::npos)
      << "LD_DEBUG=libs printed nothing: " << result.output;
  EXPECT_EQ(result.output.find("libtorch"), std::string::npos) << result.output;
}

TEST(ExecutableTest, TorchFreeCommandsRunWithoutIlfTorch) {
  LoneIlf ilf;
  auto version = RunCommand(ilf.path + " version 2>&1");
  EXPECT_EQ(version.exit_code, 0) << version.output;
  EXPECT_NE(version.output.find("ilf 0.1.0"), std::string::npos) << version.output;
  auto help = RunCommand(ilf.path + " --help 2>&1");
  EXPECT_EQ(help.exit_code, 0) << help.output;
  for (const char* command : {"eval", "suites", "generate", "finetune", "round", "serve"}) {
    EXPECT_NE(help.output.find(std::string("  ") + command + " "), std::string::npos)
        << command << " missing from:\n"
        << help.output;
  }
}

TEST(ExecutableTest, SuitesRunWithoutIlfTorch) {
  ILF_DATA_OR_SKIP(mbpp, "mbpp/mbpp.jsonl");
  LoneIlf ilf;
  auto suites = RunCommand(ilf.path + " suites 2>&1");
  EXPECT_EQ(suites.exit_code, 0) << suites.output;
  EXPECT_NE(suites.output.find("mbpp"), std::string::npos) << suites.output;
}

TEST(ExecutableTest, ModelCommandsNameTheMissingIlfTorch) {
  LoneIlf ilf;
  std::string missing = ilf.dir.path() + "/ilf-torch";
  for (const std::string& args :
       {std::string("generate --help"), std::string("bench generate --help"),
        std::string("feedback --source model:" + ilf.dir.path() +
                    " --suite mbpp --results r "
                    "--out " +
                    ilf.dir.path() + "/feedback.jsonl")}) {
    auto result = RunCommand(ilf.path + " " + args + " 2>&1");
    EXPECT_EQ(result.exit_code, 1) << args << ": " << result.output;
    EXPECT_NE(result.output.find(missing + ": No such file or directory"), std::string::npos)
        << args << ": " << result.output;
  }
  EXPECT_FALSE(std::filesystem::exists(ilf.dir.path() + "/feedback.jsonl"));
}

TEST(ExecutableTest, ModelCommandsAreHandedOverWithTheirArguments) {
  LoneIlf ilf;
  // A stand-in ilf-torch that prints what it was started with.
  std::string fake = ilf.dir.Write("ilf-torch", "#!/bin/sh\necho \"handed over: $*\"\nexit 7\n");
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  auto generate = RunCommand(ilf.path + " generate --model 'a b' --n 3 2>&1");
  EXPECT_EQ(generate.exit_code, 7) << generate.output;
  EXPECT_EQ(generate.output, "handed over: generate --model a b --n 3\n");
  auto bench = RunCommand(ilf.path + " bench generate --batch 2 2>&1");
  EXPECT_EQ(bench.output, "handed over: bench-generate --batch 2\n");
  auto feedback = RunCommand(ilf.path + " feedback --source model:m --suite mbpp --out f 2>&1");
  EXPECT_EQ(feedback.output, "handed over: feedback --source model:m --suite mbpp --out f\n");
  // Commands that need no model never reach it.
  auto version = RunCommand(ilf.path + " version 2>&1");
  EXPECT_EQ(version.exit_code, 0) << version.output;
  auto execution = RunCommand(ilf.path + " feedback --source execution --suite mbpp --out f 2>&1");
  EXPECT_EQ(execution.output.find("handed over"), std::string::npos) << execution.output;
}

TEST(ExecutableTest, IlfTorchStartsWithOpenBlasWorkersThatSleepSoon) {
  LoneIlf ilf;
  std::string fake = ilf.dir.Write("ilf-torch", "#!/bin/sh\necho \"$OPENBLAS_THREAD_TIMEOUT\"\n");
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  EXPECT_EQ(RunCommand("env -u OPENBLAS_THREAD_TIMEOUT " + ilf.path + " generate").output, "22\n");
  // A value the user set is kept.
  EXPECT_EQ(RunCommand("OPENBLAS_THREAD_TIMEOUT=9 " + ilf.path + " generate").output, "9\n");
}

TEST(ExecutableTest, BenchmarksAreNamedAsTyped) {
  // `ilf bench generate` runs the table entry bench-generate, in ilf-torch; its messages say
  // "ilf bench generate", as the user typed it.
  auto result = RunCommand(Ilf() + " bench generate --batch 0 2>&1");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("ilf bench generate: error: --batch: expected an integer >= 1"),
            std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("bench-generate"), std::string::npos) << result.output;
  auto sandbox = RunCommand(Ilf() + " bench sandbox --workers -1 2>&1");
  EXPECT_EQ(sandbox.exit_code, 2) << sandbox.output;
  EXPECT_NE(sandbox.output.find("ilf bench sandbox: error:"), std::string::npos) << sandbox.output;
}

TEST(ExecutableTest, HelpShowsEachOptionsRange) {
  auto generate = RunCommand(Ilf() + " generate --help 2>&1");
  ASSERT_EQ(generate.exit_code, 0) << generate.output;
  EXPECT_NE(generate.output.find("decoded together [>= 1]"), std::string::npos) << generate.output;
  EXPECT_NE(generate.output.find("--batch-rows INT=64"), std::string::npos) << generate.output;
  EXPECT_NE(generate.output.find("off [> 0 and <= 1]"), std::string::npos) << generate.output;
  auto eval = RunCommand(Ilf() + " eval --help 2>&1");
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  EXPECT_NE(eval.output.find("[>= 1]"), std::string::npos) << eval.output;
  // The range still checks: the message names the option, the range and the value.
  auto bad = RunCommand(Ilf() + " generate --model m --out o --suite mbpp --top-p 1.5 2>&1");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--top-p: expected a number > 0 and <= 1, got 1.5"), std::string::npos)
      << bad.output;
}

TEST(ExecutableTest, ModelCommandsAreHandedOverToIlfTorch) {
  auto help = RunCommand(Ilf() + " init-model --help 2>&1");
  EXPECT_EQ(help.exit_code, 0) << help.output;
  EXPECT_NE(help.output.find("ilf init-model"), std::string::npos) << help.output;
  // The model source is only in ilf-torch: its error (no config.json) says ilf got there.
  ILF_DATA_OR_SKIP(mbpp, "mbpp/mbpp.jsonl");
  ScratchDir dir;
  std::string results = dir.Write(
      "results.jsonl",
      "{\"ilf_header\": {\"schema\": \"ilf.results\", \"version\": 1, \"config_hash\": \"x\"}}\n"
      "{\"task_id\": \"11\", \"sample_id\": \"0\", \"verdict\": \"FAIL\", \"program\": \"x = "
      "1\"}\n");
  auto feedback = RunCommand(Ilf() + " feedback --source model:" + dir.path() +
                             " --suite mbpp "
                             "--shots 0 --results " +
                             results + " --out " + dir.path() + "/f.jsonl 2>&1");
  EXPECT_EQ(feedback.exit_code, 2) << feedback.output;
  EXPECT_EQ(feedback.output.find("has no LibTorch"), std::string::npos) << feedback.output;
  EXPECT_NE(feedback.output.find("config.json"), std::string::npos) << feedback.output;
}

}  // namespace
}  // namespace ilf
