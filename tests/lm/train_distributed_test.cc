// Data-parallel finetuning on c10d/Gloo: the step split among ranks, bucketed gradient all-reduce
// between two real ranks (threads of this process, each with its own TCPStore + Gloo group), and
// `ilf finetune --nproc 2` end to end: weights equal to one process with the same flags, kill and
// resume, a rank that dies makes the other exit with a clear error instead of hanging.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>

#include "src/core/jsonl.h"
#include "src/lm/train/batching.h"
#include "src/lm/train/checkpoint.h"
#include "src/lm/train/data_parallel.h"
#include "src/lm/train/finetune.h"
#include "src/lm/train/grad_buckets.h"
#include "src/lm/train/train_state.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {
namespace fs = std::filesystem;
using testing::IlfBinary;
using testing::RunCommand;
using testing::ScratchDir;

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

TrainExample Example(int64_t prompt, int64_t target) {
  TrainExample e;
  for (int64_t i = 0; i < prompt; ++i) {
    e.input_ids.push_back(5);
    e.labels.push_back(kIgnoreLabel);
  }
  for (int64_t i = 0; i < target; ++i) {
    e.input_ids.push_back(6);
    e.labels.push_back(6);
  }
  return e;
}

TEST(ShareStep, RanksSplitTheStepsMicroBatchesAndShareItsTokenCount) {
  std::vector<TrainExample> examples = {Example(2, 3), Example(1, 4), Example(3, 1),
                                        Example(1, 2), Example(2, 5)};
  std::vector<std::vector<int64_t>> plan = {{0, 1}, {2}, {3, 4}, {0}, {1, 2}};
  // The step of micro-batches 1..4 (three of them) over two ranks.
  RankShare r0 = ShareStep(examples, plan, 1, 4, 0, 2);
  RankShare r1 = ShareStep(examples, plan, 1, 4, 1, 2);
  EXPECT_EQ(r0.micro_batches, (std::vector<std::vector<int64_t>>{{2}, {0}}));
  EXPECT_EQ(r1.micro_batches, (std::vector<std::vector<int64_t>>{{3, 4}}));
  // Targets count from the second token on: 1 + (2 + 5) + 3.
  EXPECT_EQ(r0.step_target_tokens, 11);
  EXPECT_EQ(r1.step_target_tokens, 11);
  EXPECT_EQ(CountTargetTokens(examples, {3, 4}), Collate(examples, {3, 4}, 0).target_tokens);
  // One rank runs the whole step.
  RankShare alone = ShareStep(examples, plan, 1, 4, 0, 1);
  EXPECT_EQ(alone.micro_batches.size(), 3u);
  // More ranks than micro-batches: the extra rank runs none but knows the step's size.
  RankShare idle = ShareStep(examples, plan, 4, 5, 1, 2);
  EXPECT_TRUE(idle.micro_batches.empty());
  EXPECT_EQ(idle.step_target_tokens, 5);  // plan[4] = {1, 2}: 4 + 1
}

// Runs fn(rank) on two threads, each a rank of one Gloo group on loopback.
void TwoRanks(const std::function<void(ProcessGroup&)>& fn) {
  DistributedEnv env;
  env.world_size = 2;
  env.local_world_size = 2;
  env.master_addr = "127.0.0.1";
  env.master_port = FreePort();
  env.timeout_s = 60;
  std::vector<std::thread> threads;
  std::vector<std::string> errors(2);
  for (int rank = 0; rank < 2; ++rank) {
    threads.emplace_back([&, rank] {
      try {
        DistributedEnv mine = env;
        mine.rank = mine.local_rank = rank;
        ProcessGroup group(mine, torch::kCPU);
        fn(group);
      } catch (const std::exception& e) {
        errors[rank] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
}

TEST(GradientBuckets, SumTheRanksGradientsWhetherTheHooksFiredOrNot) {
  // Rank r's parameters see loss (r + 1) * sum(w_i * x_i) with x_i = i + 1; the unused parameter
  // gets no gradient from backward and must still be reduced (it starts as rank-dependent values).
  TwoRanks([](ProcessGroup& group) {
    const double scale = group.rank() + 1;
    NamedTensors params;
    params.emplace_back("unused", torch::zeros({7}).requires_grad_(true));
    for (int i = 0; i < 5; ++i) {
      params.emplace_back("w" + std::to_string(i), torch::zeros({3, 4}).requires_grad_(true));
    }
    // 48 bytes per 3x4 parameter, filled in reverse: [w4 w3] [w2 w1] [w0 unused].
    GradientBuckets buckets(params, group, 100);
    EXPECT_EQ(buckets.bucket_count(), 3);
    for (int round = 0; round < 2; ++round) {  // twice: the buckets reset between steps
      for (auto& [name, p] : params) p.mutable_grad().zero_();
      params.front().second.mutable_grad().fill_(scale);
      // Two micro-batches: the first only accumulates, the second is armed.
      for (int micro = 0; micro < 2; ++micro) {
        if (micro == 1) buckets.Arm();
        torch::Tensor loss = torch::zeros({});
        for (int i = 0; i < 5; ++i) loss = loss + (params[i + 1].second * (i + 1.0)).sum() * scale;
        loss.backward();
      }
      buckets.Finish();
      // The two buckets without the unused parameter started while backward ran.
      EXPECT_EQ(buckets.started_in_backward(), 2);
      for (int i = 0; i < 5; ++i) {
        // Sum over ranks (1 + 2) of two micro-batches of (i + 1) * scale.
        const torch::Tensor& grad = params[i + 1].second.grad();
        EXPECT_TRUE(grad.allclose(torch::full({3, 4}, 2.0 * (i + 1) * 3)))
            << params[i + 1].first << " round " << round << ": " << grad;
      }
      EXPECT_TRUE(params.front().second.grad().allclose(torch::full({7}, 3.0)));
    }
  });
}

TEST(ProcessGroup, ARankThatLeavesMakesTheOtherFailWithAClearError) {
  DistributedEnv env;
  env.world_size = 2;
  env.master_addr = "127.0.0.1";
  env.master_port = FreePort();
  env.timeout_s = 60;
  std::string error;
  std::thread survivor([&] {
    DistributedEnv mine = env;
    ProcessGroup group(mine, torch::kCPU);
    group.AllReduceSum(torch::ones({4}));  // both ranks are up
    error = testing::ErrorOf([&] { group.AllReduceSum(torch::ones({4})); });
  });
  {
    DistributedEnv mine = env;
    mine.rank = mine.local_rank = 1;
    ProcessGroup group(mine, torch::kCPU);
    group.AllReduceSum(torch::ones({4}));
  }  // rank 1 leaves without the second all-reduce
  survivor.join();
  EXPECT_NE(error.find("rank 0 of 2: all-reduce failed"), std::string::npos) << error;
  EXPECT_NE(error.find("another rank died or stopped"), std::string::npos) << error;
}

std::map<std::string, torch::Tensor> ModelWeights(const std::string& dir) {
  return ReadTensors(dir + "/model.safetensors");
}

double MaxDiff(const std::map<std::string, torch::Tensor>& a,
               const std::map<std::string, torch::Tensor>& b) {
  EXPECT_EQ(a.size(), b.size());
  double diff = 0;
  for (const auto& [name, t] : a) diff = std::max(diff, (t - b.at(name)).abs().max().item<double>());
  return diff;
}

// Finetune() as two ranks on threads of this process (as two processes would run it), with LoRA
// or full finetuning, against one process with the same config: the whole library path (sharing,
// bucketed all-reduce, rank 0 alone writing) without the launcher.
TEST(FinetuneRanks, TwoRanksOnThreadsEqualOneProcess) {
  ILF_DATA_OR_SKIP(model_dir, "golden/llama-tiny");
  ScratchDir dir;
  std::string pairs;
  for (int i = 0; i < 10; ++i) {
    pairs += "{\"prompt_ids\": [" + std::to_string(10 + i) + ", 11], \"target_ids\": [" +
             std::to_string(100 + 7 * i) + ", 101, " + std::to_string(300 - i) + "]}\n";
  }
  const std::string data = dir.Write("pairs.jsonl", pairs);
  for (int lora_rank : {0, 4}) {
    FinetuneConfig c;
    c.model_dir = model_dir;
    c.data_path = data;
    c.epochs = 2;
    c.lr = 1e-2;
    c.batch_size = 2;
    c.grad_accum = 3;  // 5 micro-batches per epoch: steps of 3 and 2, split 2+1 and 1+1
    c.seed = 5;
    c.device = "cpu";
    c.threads = 1;
    c.bucket_mib = 1;
    c.lora.rank = lora_rank;
    const std::string tag = lora_rank ? "lora" : "full";
    c.out_dir = dir.path() + "/one-" + tag;
    Finetune(c);
    const int port = FreePort();
    std::vector<std::string> errors(2);
    std::vector<std::thread> ranks;
    for (int rank = 0; rank < 2; ++rank) {
      ranks.emplace_back([&, rank] {
        FinetuneConfig mine = c;
        mine.out_dir = dir.path() + "/two-" + tag;
        mine.distributed.world_size = 2;
        mine.distributed.local_world_size = 2;
        mine.distributed.rank = mine.distributed.local_rank = rank;
        mine.distributed.master_addr = "127.0.0.1";
        mine.distributed.master_port = port;
        mine.distributed.timeout_s = 120;
        try {
          Finetune(mine);
        } catch (const std::exception& e) {
          errors[rank] = e.what();
        }
      });
    }
    for (auto& t : ranks) t.join();
    ASSERT_EQ(errors[0], "") << tag;
    ASSERT_EQ(errors[1], "") << tag;
    auto one = ModelWeights(dir.path() + "/one-" + tag + "/model");
    auto two = ModelWeights(dir.path() + "/two-" + tag + "/model");
    const double moved = MaxDiff(one, ModelWeights(model_dir));
    const double diff = MaxDiff(one, two);
    std::printf("%s: max |w_1proc - w_2ranks| = %.3g (training moved weights by %.3g)\n",
                tag.c_str(), diff, moved);
    EXPECT_GT(moved, 1e-3) << tag;
    EXPECT_LT(diff, 1e-5) << tag;
  }
}

// --- `ilf finetune --nproc 2` end to end on a tiny GPT-2 made by `ilf init-model`. ---

testing::CommandResult Ilf(const std::string& args) {
  return RunCommand(IlfBinary() + " " + args + " 2>&1");
}

struct TinyRun {
  ScratchDir dir;
  std::string model, pairs;
};

// A tiny model and 24 text pairs (3 steps per epoch at batch 2 x grad-accum 4).
bool MakeTinyRun(TinyRun* run) {
  std::string config = testing::FindData("golden/gpt2-tiny/config.json");
  std::string tokenizer = testing::FindData("tokenizers/gpt2");
  if (config.empty() || tokenizer.empty()) return false;
  run->model = run->dir.path() + "/base";
  auto r = Ilf("init-model --config " + config + " --tokenizer " + tokenizer + " --out " +
               run->model);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::string lines;
  for (int i = 0; i < 24; ++i) {
    lines += "{\"prompt\": \"def f" + std::to_string(i) + "(x):\\n\", \"target\": \"    return x" +
             std::string(i % 5 + 1, '+') + std::to_string(i) + "\\n\"}\n";
  }
  run->pairs = run->dir.Write("pairs.jsonl", lines);
  return true;
}

std::string FinetuneArgs(const TinyRun& run, const std::string& out, int epochs = 2) {
  return "finetune --model " + run.model + " --data " + run.pairs + " --out " + out +
         " --device cpu --epochs " + std::to_string(epochs) +
         " --batch-size 2 --grad-accum 4 --lr 3e-3 --seed 7 --threads 1 --val-fraction 0.1";
}

double MaxDiff(const std::string& a_dir, const std::string& b_dir) {
  return MaxDiff(ModelWeights(a_dir), ModelWeights(b_dir));
}

TEST(FinetuneNproc, TwoRanksEndWithTheWeightsOfOneProcess) {
  TinyRun run;
  if (!MakeTinyRun(&run)) GTEST_SKIP() << "golden/ or tokenizers/ data not found";
  const std::string one = run.dir.path() + "/one", two = run.dir.path() + "/two";
  auto r = Ilf(FinetuneArgs(run, one));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = Ilf(FinetuneArgs(run, two) + " --nproc 2 --bucket-mib 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2 ranks (gloo"), std::string::npos) << r.output;
  const double moved = MaxDiff(one + "/model", run.model);
  const double diff = MaxDiff(one + "/model", two + "/model");
  std::printf("max |w_1proc - w_2ranks| = %.3g (training moved weights by up to %.3g)\n", diff,
              moved);
  EXPECT_GT(moved, 1e-3) << "training must change the weights for the comparison to mean much";
  EXPECT_LT(diff, 1e-5);
  // Rank 0 alone wrote the metrics: one record per step, with the loss of the whole step.
  auto m1 = ReadArtifact(one + "/metrics.jsonl", "ilf.train_metrics", 1, true);
  auto m2 = ReadArtifact(two + "/metrics.jsonl", "ilf.train_metrics", 1, true);
  ASSERT_EQ(m1.size(), 6u);
  ASSERT_EQ(m2.size(), 6u);
  for (size_t i = 0; i < m1.size(); ++i) {
    EXPECT_NEAR(m1[i].value["loss"].get<double>(), m2[i].value["loss"].get<double>(), 1e-5) << i;
  }
  // Rank 0 alone logs the model it wrote and prints its path: each once, as one process does.
  auto count = [&](const std::string& text) {
    size_t n = 0;
    for (size_t at = r.output.find(text); at != std::string::npos; at = r.output.find(text, at + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(count("wrote " + two + "/model"), 1u) << r.output;
  EXPECT_EQ(count(two + "/model\n"), 1u) << r.output;
}

TEST(FinetuneNproc, KilledRunResumesToTheUninterruptedWeights) {
  TinyRun run;
  if (!MakeTinyRun(&run)) GTEST_SKIP() << "golden/ or tokenizers/ data not found";
  const std::string whole = run.dir.path() + "/whole", killed = run.dir.path() + "/killed";
  // 18 steps: the kill below lands long before the end.
  auto r = Ilf(FinetuneArgs(run, whole, 6) + " --nproc 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The whole job (launcher and ranks, one process group) gets SIGKILL once checkpoint 2 exists.
  r = RunCommand("setsid " + IlfBinary() + " " + FinetuneArgs(run, killed, 6) +
                 " --nproc 2 --save-every 1 > " + run.dir.path() + "/killed.log 2>&1 & pid=$!; " +
                 "for i in $(seq 6000); do [ -d " + killed +
                 "/checkpoint-00000002 ] && break; sleep 0.05; done; kill -9 -$pid; wait $pid;"
                 " echo status=$?");
  EXPECT_NE(r.output.find("status=137"), std::string::npos) << r.output;
  ASSERT_FALSE(fs::exists(killed + "/model")) << "the run ended before the kill";
  r = Ilf(FinetuneArgs(run, killed, 6) + " --nproc 2 --save-every 1 --resume");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("resuming"), std::string::npos) << r.output;
  EXPECT_LT(MaxDiff(whole + "/model", killed + "/model"), 1e-6);
}

TEST(FinetuneNproc, ARankKilledUnderTorchrunEnvironmentStopsTheOtherWithAnError) {
  TinyRun run;
  if (!MakeTinyRun(&run)) GTEST_SKIP() << "golden/ or tokenizers/ data not found";
  const std::string out = run.dir.path() + "/run";
  // Two ranks started as torchrun starts them (no ilf launcher); rank 1 is killed mid-run.
  const std::string env = "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(FreePort()) +
                          " WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 ILF_DIST_TIMEOUT_S=600 ";
  const std::string args = FinetuneArgs(run, out, 40) + " --save-every 1";
  auto r = RunCommand(
      env + "RANK=0 LOCAL_RANK=0 timeout 300 " + IlfBinary() + " " + args + " > " +
      run.dir.path() + "/rank0.log 2>&1 & p0=$!; " + env + "RANK=1 LOCAL_RANK=1 " + IlfBinary() +
      " " + args + " > /dev/null 2>&1 & p1=$!; for i in $(seq 6000); do [ -d " + out +
      "/checkpoint-00000002 ] && break; sleep 0.05; done; kill -9 $p1; start=$(date +%s); "
      "wait $p0; echo rank0_status=$? seconds=$(( $(date +%s) - start )); cat " +
      run.dir.path() + "/rank0.log");
  EXPECT_NE(r.output.find("rank0_status=1 "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("another rank died or stopped"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out + "/model"));
}

TEST(FinetuneNproc, LauncherReportsTheRankThatDiedAndStopsTheOthers) {
  TinyRun run;
  if (!MakeTinyRun(&run)) GTEST_SKIP() << "golden/ or tokenizers/ data not found";
  const std::string out = run.dir.path() + "/run";
  auto r = RunCommand(
      IlfBinary() + " " + FinetuneArgs(run, out, 40) + " --save-every 1 --nproc 2 > " +
      run.dir.path() + "/launcher.log 2>&1 & pid=$!; for i in $(seq 6000); do [ -d " + out +
      "/checkpoint-00000002 ] && break; sleep 0.05; done; rank1=$(cut -d' ' -f2 "
      "/proc/$pid/task/$pid/children); kill -9 $rank1; wait $pid; echo status=$?; cat " +
      run.dir.path() + "/launcher.log");
  EXPECT_NE(r.output.find("status=1\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("launcher: rank 1 was killed by signal 9"), std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(out + "/model"));
}

TEST(BenchTrainNproc, ReportsOneRankAndTwoRanksSideBySide) {
  ILF_DATA_OR_SKIP(config, "golden/llama-tiny/config.json");
  auto r = RunCommand(IlfBinary() + " bench train --config " + config +
                      " --batch 2 --seq 16 --steps 2 --threads 1 --gemm-repeats 1 --nproc 2"
                      " --bucket-mib 1 --json 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json report = nlohmann::json::parse(r.output);
  EXPECT_EQ(report["ranks_1"]["ranks"], 1);
  EXPECT_EQ(report["ranks_2"]["ranks"], 2);
  EXPECT_EQ(report["ranks_2"]["gradient_buckets"], 1);
  EXPECT_EQ(report["ranks_2"]["threads"], 1);
  EXPECT_GT(report["ranks_1"]["tokens_per_s"].get<double>(), 0.0);
  EXPECT_GT(report["ranks_2"]["tokens_per_s"].get<double>(), 0.0);
  EXPECT_NEAR(report["speedup"].get<double>(),
              report["ranks_2"]["tokens_per_s"].get<double>() /
                  report["ranks_1"]["tokens_per_s"].get<double>(),
              1e-9);
  EXPECT_TRUE(report.contains("load_average_before"));
}

}  // namespace
}  // namespace ilf::lm
