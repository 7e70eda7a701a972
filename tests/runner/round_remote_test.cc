// `ilf round` with its feedback and refine models behind endpoints: a live `ilf serve` on loopback
// over the same tiny checkpoint as the in-process round, reached through counting proxies. The
// round's artifacts equal the in-process round's (feedback records but for the annotator, which
// names the model); the served names of the config reach the server; a SIGKILL inside the
// feedback and the refine stage and --resume re-ask the server nothing already answered.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "src/core/jsonl.h"
#include "src/lm/language_model.h"
#include "src/lm/tokenizer.h"
#include "tests/lm/serve_fixtures.h"
#include "tests/support/round_runs.h"
#include "tests/support/test_data.h"
#include "tests/support/tiny_model.h"

namespace ilf {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
using testing::ScratchDir;

std::string Ilf() { return testing::IlfBinary(); }

// The proxy's count of forwarded requests once it has been still for 300 ms: a request that a
// killed client sent just before it died may reach the proxy after the client is gone.
int SettledCount(const lm::FaultyProxy& proxy) {
  int count = proxy.forwarded();
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    int now = proxy.forwarded();
    if (now == count) return count;
    count = now;
  }
}

// The answers in a request journal (its lines after the header).
size_t Answers(const std::string& path) { return ReadJsonl(path).size() - 1; }

class RoundRemote : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (testing::HumanFeedbackRoundData().empty()) return;
    dir_ = new ScratchDir();
    model_dir_ = testing::MakeTinyGpt2(*dir_, "model");
    if (model_dir_.empty()) return;
    model_ = lm::LoadLanguageModel(model_dir_, {"cpu", "float32", 1, {}}).release();
    tokenizer_ = new lm::Tokenizer(lm::Tokenizer::Load(model_dir_));
    server_ = new lm::LiveServer(*model_, *tokenizer_);
    feedback_proxy_ = new lm::FaultyProxy(server_->port(), {});
    refine_proxy_ = new lm::FaultyProxy(server_->port(), {});
  }
  static void TearDownTestSuite() {
    delete refine_proxy_;
    delete feedback_proxy_;
    delete server_;
    delete tokenizer_;
    delete model_;
    delete dir_;
  }
  void SetUp() override {
    if (server_ == nullptr) GTEST_SKIP() << testing::kNoHumanFeedbackRoundData;
  }

  // A round on two MBPP tasks whose feedback model is `feedback` ("model:" + it) and π_Refine
  // `refine`; `feedback_extra` adds fields to the feedback object, `extra` to the config.
  static std::string Config(const std::string& name, const std::string& feedback,
                            const std::string& refine, const std::string& feedback_extra = "",
                            const std::string& extra = "") {
    return dir_->Write(name, R"({
      "suite": "mbpp", "train_task_ids": ["11", "12"], "eval_task_ids": ["11"],
      "policy_model": ")" + model_dir_ +
                                 R"(", "tokenizer": ")" + model_dir_ + R"(",
      "refine_model": ")" + refine +
                                 R"(", "samples_per_task": 2, "refinements_per_item": 2,
      "eval_samples_per_task": 1, "sampling": {"max_new_tokens": 24},
      "feedback": {"source": "model:)" +
                                 feedback + R"(", "per_task": 2, "shots": 0)" + feedback_extra +
                                 R"(},
      "ks": [1], "sandbox_workers": 2, "seed": 5)" +
                                 extra + "}");
  }
  // The config of a round whose models are the served "tiny" behind the proxies.
  static std::string RemoteConfig(const std::string& name) {
    return Config(name, feedback_proxy_->url(), refine_proxy_->url(), R"(, "model_name": "tiny")",
                  R"(, "refine_model_name": "tiny",
                     "endpoint": {"concurrency": 3, "max_retries": 0, "request_timeout_s": 60})");
  }

  static inline ScratchDir* dir_ = nullptr;
  static inline std::string model_dir_;
  static inline lm::LanguageModel* model_ = nullptr;
  static inline lm::Tokenizer* tokenizer_ = nullptr;
  static inline lm::LiveServer* server_ = nullptr;
  static inline lm::FaultyProxy* feedback_proxy_ = nullptr;
  static inline lm::FaultyProxy* refine_proxy_ = nullptr;
};

// Expects the records of two artifacts equal but for the annotator, which names the model, and
// log-probs within 1e-5 (a server batches concurrent requests, summing in another order); the
// headers are not compared (the config hash names the models). Returns the number of records.
size_t ExpectSameRecords(const std::string& a, const std::string& b, const std::string& schema) {
  std::vector<JsonlRecord> x = ReadArtifact(a, schema, 1), y = ReadArtifact(b, schema, 1);
  EXPECT_EQ(x.size(), y.size()) << a << " vs " << b;
  for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
    Json u = x[i].value, v = y[i].value;
    for (Json* record : {&u, &v}) record->erase("annotator");
    if (u.contains("logprob") && v.contains("logprob")) {
      EXPECT_NEAR(u["logprob"].get<double>(), v["logprob"].get<double>(), 1e-5) << a << ":" << i;
      u.erase("logprob");
      v.erase("logprob");
    }
    EXPECT_EQ(u, v) << a << " vs " << b << " record " << i;
  }
  return x.size();
}

// The round's model artifacts: feedback, refinements, and what follows from them.
void ExpectSameRound(const std::string& a, const std::string& b) {
  EXPECT_EQ(ExpectSameRecords(a + "/round-1/feedback.jsonl", b + "/round-1/feedback.jsonl",
                              "ilf.feedback"),
            4u);  // 2 tasks x 2 incorrect programs (a random model)
  EXPECT_EQ(ExpectSameRecords(a + "/round-1/refinements.jsonl", b + "/round-1/refinements.jsonl",
                              "ilf.samples"),
            8u);  // 4 items x 2
  ExpectSameRecords(a + "/round-1/refinement_results.jsonl",
                    b + "/round-1/refinement_results.jsonl", "ilf.results");
  ExpectSameRecords(a + "/round-1/pairs.jsonl", b + "/round-1/pairs.jsonl", "ilf.pairs");
}

TEST_F(RoundRemote, ServedModelsGiveTheInProcessRoundsArtifactsAndResumeAsksOnlyForTheRest) {
  ScratchDir work;
  std::string local = work.path() + "/local", clean = work.path() + "/clean";
  auto l = RunCommand(Ilf() + " round --config " + Config("local.json", model_dir_, model_dir_) +
                      " --run-dir " + local + " 2>&1");
  ASSERT_EQ(l.exit_code, 0) << l.output;
  std::string config = RemoteConfig("remote.json");
  int feedback_before = feedback_proxy_->forwarded(), refine_before = refine_proxy_->forwarded();
  auto r = RunCommand(Ilf() + " round --config " + config + " --run-dir " + clean + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  int feedback_asked = feedback_proxy_->forwarded() - feedback_before;
  int refine_asked = refine_proxy_->forwarded() - refine_before;

  // Same artifacts as in process; only the annotator names the model.
  ExpectSameRound(local, clean);
  EXPECT_EQ(
      ReadArtifact(clean + "/round-1/feedback.jsonl", "ilf.feedback", 1)[0].String("annotator"),
      feedback_proxy_->url());
  EXPECT_EQ(feedback_asked, 4) << r.output;  // one request per feedback item
  EXPECT_GE(refine_asked, 1) << r.output;
  // The journals go once their stage is done.
  EXPECT_FALSE(fs::exists(clean + "/round-1/feedback.requests.jsonl"));
  EXPECT_FALSE(fs::exists(clean + "/round-1/refine.requests.jsonl"));

  // Killed inside feedback (its file written, the stage unrecorded), resumed and killed inside
  // refine (one answer in), resumed to the end: what was answered before a kill comes from the
  // stage's journal, not from the server.
  std::string killed = work.path() + "/killed", round = killed + "/round-1/";
  auto run = [&](const std::string& kill_at) {
    return RunCommand((kill_at.empty() ? "" : "ILF_KILL_AT=round-1/" + kill_at + " ") + Ilf() +
                      " round --config " + config + " --run-dir " + killed +
                      (fs::exists(killed) ? " --resume" : "") + " 2>&1");
  };
  auto k = run("feedback");
  ASSERT_EQ(k.exit_code, 137) << k.output;
  EXPECT_EQ(Answers(round + "feedback.requests.jsonl"), 4u);
  feedback_before = SettledCount(*feedback_proxy_);
  k = run("refine");
  ASSERT_EQ(k.exit_code, 137) << k.output;
  EXPECT_EQ(feedback_proxy_->forwarded(), feedback_before);  // the redone stage asked nothing
  EXPECT_FALSE(fs::exists(round + "feedback.requests.jsonl"));
  size_t journaled = Answers(round + "refine.requests.jsonl");
  EXPECT_GE(journaled, 1u);
  int refine_at_kill = SettledCount(*refine_proxy_);
  auto done = run("");
  ASSERT_EQ(done.exit_code, 0) << done.output;
  EXPECT_EQ(feedback_proxy_->forwarded(), feedback_before);
  EXPECT_EQ(refine_proxy_->forwarded() - refine_at_kill,
            refine_asked - static_cast<int>(journaled));
  EXPECT_FALSE(fs::exists(round + "refine.requests.jsonl"));
  ExpectSameRound(clean, killed);
}

TEST_F(RoundRemote, TheConfigsServedNameReachesTheServer) {
  ScratchDir work;
  std::string config =
      Config("wrong.json", feedback_proxy_->url(), model_dir_, R"(, "model_name": "gpt-absent")");
  auto r =
      RunCommand(Ilf() + " round --config " + config + " --run-dir " + work.path() + "/run 2>&1");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("gpt-absent"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("404"), std::string::npos) << r.output;
  EXPECT_TRUE(testing::RunManifest(work.path() + "/run")["rounds"]["1"]["feedback"].is_null());
}

TEST_F(RoundRemote, APolicyEndpointIsRefusedAtConfigLoad) {
  std::string config =
      dir_->Write("policy.json", R"({"policy_model": ")" + feedback_proxy_->url() + R"("})");
  auto r = RunCommand(Ilf() + " round --config " + config + " --print-config 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("'policy_model' is " + feedback_proxy_->url() + ", an endpoint"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace ilf
