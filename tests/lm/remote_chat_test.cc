// Chat through the remote engine (/v1/chat/completions) against `ilf serve` on loopback, with a
// tiny random Qwen2 whose tokenizer has a chat template: model feedback through the server equals
// the in-process chat feedback exactly, with no local tokenizer; `ilf generate --chat` through the
// server equals the in-process one, with and without a local tokenizer; a chat run is retried
// through drops, 429 and 500, and a rerun is answered from its journal; the server's chat endpoint
// takes the fields the client sends and answers as OpenAI does; the embedding selector of
// `ilf score-refinements` through the server (/v1/embeddings) scores as in process.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "feedback/feedback.h"
#include "src/core/atomic_file.h"
#include "src/core/jsonl.h"
#include "src/lm/language_model.h"
#include "src/lm/openai_protocol.h"
#include "src/lm/tokenizer.h"
#include "tests/lm/serve_fixtures.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {

using Json = nlohmann::json;
using testing::IlfBinary;
using testing::RunCommand;

class RemoteChatTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string config = testing::FindData("golden/qwen2-tiny/config.json");
    std::string tokenizer = testing::FindData("tokenizers/qwen2.5-coder-0.5b-instruct");
    if (config.empty() || tokenizer.empty() || testing::FindData("mbpp/mbpp.jsonl").empty() ||
        testing::FindData("ilf-code/surge_annotations.jsonl").empty())
      return;
    dir_ = new testing::ScratchDir();
    Json json = Json::parse(ReadFile(config));
    json["max_position_embeddings"] = 4096;  // room for a shot in the feedback prompt
    std::string long_config = dir_->Write("config.json", json.dump(2));
    model_dir_ = dir_->path() + "/tiny";
    auto r = RunCommand(IlfBinary() + " init-model --config " + long_config + " --tokenizer " +
                        tokenizer + " --seed 3 --out " + model_dir_ + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    model_ = LoadLanguageModel(model_dir_, {"cpu", "float32", 1, {}}).release();
    tokenizer_ = new Tokenizer(Tokenizer::Load(model_dir_));
    server_ = new LiveServer(*model_, *tokenizer_);
    results_ = dir_->path() + "/results.jsonl";
    JsonlWriter writer(results_, ArtifactHeader{"ilf.results", 1, ""});
    for (const char* task : {"11", "12", "13"}) {
      writer.Write(
          {{"task_id", task},
           {"sample_id", "0"},
           {"verdict", "FAIL"},
           {"program", "def f(x):\n    return x\n"},
           {"tests",
            {{{"status", "failed"}, {"exception_type", "AssertionError"}, {"message", ""}}}}});
    }
    writer.Commit();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete tokenizer_;
    delete model_;
    delete dir_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (!server_) {
      GTEST_SKIP() << "golden/qwen2-tiny, tokenizers/, mbpp/ or ilf-code/ not found under "
                      "ILF_DATA_DIR";
    }
  }
  static testing::CommandResult Ilf(const std::string& args) {
    return RunCommand(IlfBinary() + " " + args + " 2>&1");
  }
  // `ilf feedback` on the three failing programs with `model` (model:DIR or model:URL).
  testing::CommandResult Feedback(const std::string& model, const std::string& out,
                                  const std::string& extra) {
    return Ilf("feedback --source model:" + model + " --suite mbpp --results " + results_ +
               " --shots 1 --max-new-tokens 12 --threads 1 --device cpu --out " + out + " " +
               extra);
  }
  // Same feedback, provenance and errors (the annotator names the model, which differs).
  static void ExpectSameFeedback(const std::string& a, const std::string& b) {
    std::vector<feedback::FeedbackRecord> x = feedback::ReadFeedback(a);
    std::vector<feedback::FeedbackRecord> y = feedback::ReadFeedback(b);
    ASSERT_EQ(x.size(), 3u);
    ASSERT_EQ(x.size(), y.size());
    for (size_t i = 0; i < x.size(); ++i) {
      Json left = x[i].ToJson(), right = y[i].ToJson();
      left.erase("annotator");
      right.erase("annotator");
      EXPECT_EQ(left, right) << i;
      EXPECT_EQ(x[i].provenance["chat"], true);
    }
  }

  static inline testing::ScratchDir* dir_ = nullptr;
  static inline std::string model_dir_, results_;
  static inline LanguageModel* model_ = nullptr;
  static inline Tokenizer* tokenizer_ = nullptr;
  static inline LiveServer* server_ = nullptr;
  testing::ScratchDir scratch_;
};

TEST_F(RemoteChatTest, ModelFeedbackThroughTheServerEqualsInProcessWithoutALocalTokenizer) {
  for (std::string sampling : {"", "--temperature 0.8 --seed 5"}) {
    std::string local = scratch_.path() + "/local.jsonl", remote = scratch_.path() + "/r.jsonl";
    auto a = Feedback(model_dir_, local, sampling);
    ASSERT_EQ(a.exit_code, 0) << a.output;
    // No --tokenizer: the prompt goes out as a chat message, the server applies its template.
    auto b = Feedback(server_->url(), remote, sampling + " --model-name tiny");
    ASSERT_EQ(b.exit_code, 0) << b.output;
    ExpectSameFeedback(local, remote);
    EXPECT_EQ(feedback::ReadFeedback(remote)[0].annotator, server_->url());
    EXPECT_FALSE(std::filesystem::exists(remote + ".requests.jsonl"))
        << "the journal is removed once the feedback is written";
  }
  auto plain = Feedback(server_->url(), scratch_.path() + "/p.jsonl", "--no-chat");
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_NE(plain.output.find("needs the model's tokenizer"), std::string::npos) << plain.output;
}

TEST_F(RemoteChatTest, ChatIsRetriedAndARerunIsAnsweredFromTheJournal) {
  std::string local = scratch_.path() + "/local.jsonl", remote = scratch_.path() + "/r.jsonl";
  std::string journal = scratch_.path() + "/journal.jsonl";
  ASSERT_EQ(Feedback(model_dir_, local, "").exit_code, 0);
  {
    FaultyProxy proxy(server_->port(), {"drop", "429", "500"});
    auto r = Feedback(proxy.url(), remote,
                      "--model-name tiny --max-retries 10 --request-journal " + journal);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(proxy.forwarded(), 3 + 1) << "three chats, one of them forwarded and then dropped";
  }
  ExpectSameFeedback(local, remote);
  EXPECT_TRUE(std::filesystem::exists(journal)) << "a journal asked for is kept";
  std::filesystem::remove(remote);
  FaultyProxy proxy(server_->port(), {});
  auto again = Feedback(proxy.url(), remote, "--model-name tiny --request-journal " + journal);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(proxy.forwarded(), 0) << "every chat is in the journal";
  ExpectSameFeedback(local, remote);
}

TEST_F(RemoteChatTest, GenerateChatThroughTheServerEqualsInProcess) {
  std::string prompts =
      scratch_.Write("prompts.jsonl",
                     "{\"task_id\": 0, \"prompt\": \"Write a function that adds two numbers.\"}\n"
                     "{\"task_id\": 1, \"prompt\": \"Sort a list.\"}\n"
                     "{\"task_id\": 2, \"prompt\": \"def f(x):\"}\n");
  for (std::string flags : {"--n 1", "--n 2 --temperature 0.8 --seed 3 --stop ' '"}) {
    flags += " --chat --max-new-tokens 8 --ignore-eos --prompts " + prompts;
    std::string local = scratch_.path() + "/local.jsonl";
    auto a = Ilf("generate --threads 1 --model " + model_dir_ + " --out " + local + " " + flags);
    ASSERT_EQ(a.exit_code, 0) << a.output;
    std::vector<JsonlRecord> x = ReadJsonl(local);
    bool sampled = flags.find("--n 2") != std::string::npos;
    ASSERT_EQ(x.size(), sampled ? 6u : 3u);
    if (sampled) {  // the stop string ends some replies early, so that path is compared too
      EXPECT_TRUE(std::any_of(x.begin(), x.end(), [](const JsonlRecord& r) {
        return r.String("finish_reason") == "stop";
      }));
    }
    for (std::string tokenizer : {" --tokenizer " + model_dir_, std::string()}) {
      std::string remote = scratch_.path() + "/remote.jsonl";
      auto b =
          Ilf("generate --model " + server_->url() + tokenizer + " --out " + remote + " " + flags);
      ASSERT_EQ(b.exit_code, 0) << b.output;
      SCOPED_TRACE(flags + tokenizer);
      ExpectSameSamples(local, remote);
    }
  }
}

TEST_F(RemoteChatTest, EmbeddingSelectionThroughTheServerEqualsInProcess) {
  std::string items = std::string(std::getenv("ILF_SOURCE_DIR")) +
                      "/tasks/examples/summarization/refinements-example.jsonl";
  auto score = [&](const std::string& model, const std::string& out) {
    return Ilf("score-refinements --threads 1 --model " + model + " --tokenizer " + model_dir_ +
               " --items " + items + " --selector embedding --out " + out);
  };
  std::string local = scratch_.path() + "/local.jsonl", remote = scratch_.path() + "/r.jsonl";
  auto a = score(model_dir_, local);
  ASSERT_EQ(a.exit_code, 0) << a.output;
  auto b = score(server_->url(), remote);
  ASSERT_EQ(b.exit_code, 0) << b.output;
  std::vector<JsonlRecord> x = ReadArtifact(local, "ilf.refinement_scores", 1, true);
  std::vector<JsonlRecord> y = ReadArtifact(remote, "ilf.refinement_scores", 1, true);
  ASSERT_EQ(x.size(), y.size());
  ASSERT_FALSE(x.empty());
  for (size_t i = 0; i < x.size(); ++i) {
    std::vector<double> sx = x[i].Field("scores").get<std::vector<double>>();
    std::vector<double> sy = y[i].Field("scores").get<std::vector<double>>();
    ASSERT_EQ(sx.size(), sy.size());
    for (size_t k = 0; k < sx.size(); ++k) EXPECT_NEAR(sx[k], sy[k], 1e-5) << i << " " << k;
    EXPECT_EQ(x[i].String("selected"), y[i].String("selected"));
  }
  EXPECT_FALSE(std::filesystem::exists(remote + ".requests.jsonl")) << "removed once written";
}

TEST_F(RemoteChatTest, ServerChatTakesTheClientsFieldsAndAnswersAsOpenAiDoes) {
  httplib::Client client("127.0.0.1", server_->port());
  client.set_read_timeout(120, 0);
  Json body = {{"model", "tiny"},  {"messages", {{{"role", "user"}, {"content", "Hello"}}}},
               {"n", 2},           {"temperature", 0.8},
               {"seed", 7},        {"max_tokens", 5},
               {"stop", {"\n\n"}}, {"logprobs", true}};
  auto res = client.Post("/v1/chat/completions", body.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  Json answer = Json::parse(res->body);
  EXPECT_EQ(answer["object"], "chat.completion");
  ASSERT_EQ(answer["choices"].size(), 2u);
  for (const Json& choice : answer["choices"]) {
    EXPECT_EQ(choice["message"]["role"], "assistant");
    EXPECT_TRUE(choice["message"]["content"].is_string());
    EXPECT_TRUE(choice["finish_reason"] == "stop" || choice["finish_reason"] == "length");
    const Json& content = choice["logprobs"]["content"];
    ASSERT_TRUE(content.is_array()) << choice.dump();
    ASSERT_FALSE(content.empty());
    EXPECT_TRUE(content[0]["token"].is_string());
    EXPECT_LE(content[0]["logprob"].get<double>(), 0);
    EXPECT_TRUE(content[0]["bytes"].is_array());
  }
  auto again = client.Post("/v1/chat/completions", body.dump(), "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(Json::parse(again->body)["choices"], answer["choices"]) << "seeded: the same answer";
  body["top_logprobs"] = 3;
  auto top = client.Post("/v1/chat/completions", body.dump(), "application/json");
  ASSERT_TRUE(top);
  EXPECT_EQ(top->status, 400);
  EXPECT_NE(top->body.find("top_logprobs"), std::string::npos) << top->body;
}

}  // namespace
}  // namespace ilf::lm
