// The OpenAI protocol conversions, retry decisions, endpoint parsing and the request journal
// (torch-free parts of the engines).
#include <gtest/gtest.h>

#include <httplib.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "src/core/atomic_file.h"
#include "src/lm/openai_embeddings.h"
#include "src/lm/openai_protocol.h"
#include "src/lm/remote_model.h"
#include "src/lm/request_journal.h"
#include "tests/support/test_data.h"

namespace ilf::lm {
namespace {

using Json = nlohmann::json;
using testing::ErrorOf;

TEST(OpenAiProtocolTest, PromptFormsAndDefaults) {
  CompletionRequest text = ParseCompletionRequest({{"prompt", "hi"}});
  ASSERT_EQ(text.prompts.size(), 1u);
  EXPECT_TRUE(text.prompts[0].is_text);
  EXPECT_EQ(text.max_tokens, 16) << "OpenAI's default";
  EXPECT_EQ(text.temperature, 1.0);
  EXPECT_FALSE(text.seed.has_value());
  CompletionRequest ids = ParseCompletionRequest({{"prompt", {1, 2, 3}}, {"seed", 7}});
  EXPECT_EQ(ids.prompts[0].ids, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(ids.seed, 7u);
  CompletionRequest many = ParseCompletionRequest({{"prompt", {{1, 2}, {3}}}});
  ASSERT_EQ(many.prompts.size(), 2u);
  EXPECT_EQ(many.prompts[1].ids, (std::vector<int64_t>{3}));
  CompletionRequest texts = ParseCompletionRequest({{"prompt", {"a", "b"}}, {"stop", "\n"}});
  EXPECT_EQ(texts.prompts.size(), 2u);
  EXPECT_EQ(texts.stop, (std::vector<std::string>{"\n"})) << "a single stop string";
  EXPECT_EQ(ParseCompletionRequest({{"prompt", "x"}, {"top_k", -1}}).top_k, 0) << "vLLM's off";
}

TEST(OpenAiProtocolTest, MalformedRequestsNameTheField) {
  EXPECT_NE(ErrorOf([] {
              ParseCompletionRequest({{"n", 1}});
            }).find("'prompt'"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              ParseCompletionRequest({{"prompt", "x"}, {"n", 0}});
            }).find("'n'"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              ParseCompletionRequest({{"prompt", "x"}, {"top_p", 0}});
            }).find("'top_p'"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              ParseCompletionRequest({{"prompt", {1, "a"}}});
            }).find("not an integer"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              ParseCompletionRequest({{"prompt", "x"}, {"temperature", "hot"}});
            }).find("'temperature'"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              ParseCompletionRequest({{"prompt", "x"}, {"logprobs", 5}});
            }).find("only 0"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              ParseChatRequest({{"messages", Json::array()}});
            }).find("'messages'"),
            std::string::npos);
}

TEST(OpenAiProtocolTest, RequestSurvivesTheWire) {
  CompletionRequest r;
  r.model = "m";
  r.prompts = {PromptInput{{5, 6}, "", false}};
  r.n = 3;
  r.temperature = 0.5;
  r.top_k = 4;
  r.max_tokens = 9;
  r.stop = {"\n\n"};
  r.stop_token_ids = {2};
  r.seed = 0xFFFFFFFFFFFFFFFFull;  // above int64: sent unsigned
  r.logprobs = 0;
  r.ignore_eos = true;
  r.return_tokens_as_token_ids = true;
  CompletionRequest back = ParseCompletionRequest(Json::parse(CompletionRequestJson(r).dump()));
  EXPECT_EQ(back.prompts[0].ids, r.prompts[0].ids);
  EXPECT_EQ(back.n, 3);
  EXPECT_EQ(back.temperature, 0.5);
  EXPECT_EQ(back.top_k, 4);
  EXPECT_EQ(back.max_tokens, 9);
  EXPECT_EQ(back.stop, r.stop);
  EXPECT_EQ(back.stop_token_ids, r.stop_token_ids);
  EXPECT_EQ(back.seed, r.seed);
  EXPECT_EQ(back.logprobs, 0);
  EXPECT_TRUE(back.ignore_eos);
  EXPECT_TRUE(back.return_tokens_as_token_ids);
}

TEST(OpenAiProtocolTest, ResponseTokensAsIdsAndNullLogprobs) {
  CompletionResponse r;
  r.model = "m";
  CompletionChoice c;
  c.index = 1;
  c.text = "ab";
  c.token_ids = {10, 11};
  c.token_logprobs = {std::nullopt, -0.25};
  c.has_logprobs = true;
  c.finish_reason = "length";
  CompletionChoice first;
  first.text = "z";
  first.finish_reason = "stop";
  r.choices = {c, first};  // out of order: the parser sorts by index
  Json wire = CompletionResponseJson(r, /*tokens_as_ids=*/true);
  EXPECT_EQ(wire["choices"][0]["logprobs"]["tokens"][0], "token_id:10");
  CompletionResponse back = ParseCompletionResponse(Json::parse(wire.dump()));
  ASSERT_EQ(back.choices.size(), 2u);
  EXPECT_EQ(back.choices[0].text, "z");
  EXPECT_FALSE(back.choices[0].has_logprobs);
  EXPECT_EQ(back.choices[1].token_ids, (std::vector<int64_t>{10, 11}));
  EXPECT_FALSE(back.choices[1].token_logprobs[0].has_value());
  EXPECT_DOUBLE_EQ(*back.choices[1].token_logprobs[1], -0.25);
  // Tokens as text (a server without return_tokens_as_token_ids): no ids.
  Json text_tokens = wire;
  text_tokens["choices"][0]["logprobs"]["tokens"] = {"a", "b"};
  EXPECT_TRUE(ParseCompletionResponse(text_tokens).choices[1].token_ids.empty());
  EXPECT_NE(ErrorOf([] {
              ParseCompletionResponse({{"error", "x"}});
            }).find("choices"),
            std::string::npos);
}

// Malformed answers of a hostile or broken server end as ilf::Error naming the field, never as
// nlohmann's type errors or undefined behaviour (get<int64_t>() of 1e300 is a float-to-integer
// cast out of range, which UBSan reports).
TEST(OpenAiProtocolTest, MalformedAnswersNameTheField) {
  auto error = [](const std::string& text) {
    return ErrorOf([&] { ParseCompletionResponse(Json::parse(text)); });
  };
  EXPECT_NE(error(R"({"choices": [{"text": "a", "index": 1e300}]})")
                .find("server answer: 'index' is not an integer: 1e+300"),
            std::string::npos);
  EXPECT_NE(error(R"({"choices": [], "usage": {"prompt_tokens": "12"}})")
                .find("'prompt_tokens' is not an integer"),
            std::string::npos);
  EXPECT_NE(error(R"({"choices": [{"text": "a", "logprobs": {"tokens": 1, "token_logprobs": 2}}]})")
                .find("logprobs without matching tokens"),
            std::string::npos);
  // Optional text fields of another type are ignored, as a missing one is.
  CompletionResponse r = ParseCompletionResponse(
      Json::parse(R"({"id": 5, "model": [], "choices": [{"text": "a", "finish_reason": 1}]})"));
  EXPECT_EQ(r.id, "");
  EXPECT_EQ(r.choices.at(0).finish_reason, "");
}

TEST(OpenAiProtocolTest, ChatRequestWithLogprobsSurvivesTheWire) {
  ChatRequest r;
  r.messages = {{"system", "Be brief."}, {"user", "Hi"}};
  r.sampling.model = "m";
  r.sampling.n = 2;
  r.sampling.temperature = 0.7;
  r.sampling.max_tokens = 9;
  r.sampling.stop = {"\n"};
  r.sampling.seed = 11;
  r.sampling.logprobs = 0;
  r.sampling.return_tokens_as_token_ids = true;
  Json wire = ChatRequestJson(r);
  EXPECT_EQ(wire["logprobs"], true) << "OpenAI's chat logprobs is a boolean";
  EXPECT_FALSE(wire.contains("top_k")) << "vLLM's fields only when set";
  ChatRequest back = ParseChatRequest(wire);
  EXPECT_EQ(back.messages, r.messages);
  EXPECT_EQ(back.sampling.n, 2);
  EXPECT_EQ(back.sampling.seed, 11u);
  EXPECT_EQ(back.sampling.logprobs, 0);
  EXPECT_EQ(back.sampling.stop, r.sampling.stop);
  EXPECT_TRUE(back.sampling.return_tokens_as_token_ids);
  EXPECT_EQ(ChatRequestJson(back), wire);
  EXPECT_FALSE(ParseChatRequest({{"messages", wire["messages"]}, {"logprobs", false}})
                   .sampling.logprobs.has_value());
  EXPECT_NE(testing::ErrorOf([&] {
              ParseChatRequest({{"messages", wire["messages"]}, {"top_logprobs", 2}});
            }).find("top_logprobs"),
            std::string::npos);
}

TEST(OpenAiProtocolTest, ChatResponseLogprobsAsIdsOrText) {
  CompletionResponse r;
  r.id = "chatcmpl-1";
  r.model = "m";
  CompletionChoice c;
  c.text = "a b";
  c.has_logprobs = true;
  c.token_ids = {64, 275};
  c.tokens = {"a", " b"};
  c.token_logprobs = {-0.5, -1.25};
  c.finish_reason = "length";
  r.choices = {c};
  for (bool as_ids : {true, false}) {
    Json wire = ChatResponseJson(r, as_ids);
    EXPECT_EQ(wire["choices"][0]["message"]["content"], "a b");
    const Json& content = wire["choices"][0]["logprobs"]["content"];
    ASSERT_EQ(content.size(), 2u);
    EXPECT_EQ(content[1]["token"], as_ids ? "token_id:275" : " b");
    CompletionResponse back = ParseChatResponse(wire);
    ASSERT_EQ(back.choices.size(), 1u);
    EXPECT_EQ(back.choices[0].text, "a b");
    EXPECT_EQ(back.choices[0].finish_reason, "length");
    EXPECT_EQ(back.choices[0].token_ids, as_ids ? c.token_ids : std::vector<int64_t>{});
    EXPECT_EQ(back.choices[0].token_logprobs[1], -1.25);
  }
  // A refusal's null content is an empty reply; a malformed answer names the field.
  Json null_content = {{"choices", {{{"message", {{"content", nullptr}}}}}}};
  EXPECT_EQ(ParseChatResponse(null_content).choices[0].text, "");
  EXPECT_NE(testing::ErrorOf([] {
              ParseChatResponse({{"choices", {{{"text", "x"}}}}});
            }).find("'message'"),
            std::string::npos);
  EXPECT_NE(testing::ErrorOf([] {
              ParseChatResponse(
                  {{"choices", {{{"message", {{"content", "x"}}}, {"logprobs", {{"x", 1}}}}}}});
            }).find("'content'"),
            std::string::npos);
}

TEST(OpenAiProtocolTest, EmbeddingsRequestAndAnswer) {
  EmbeddingRequest r;
  r.model = "m";
  r.inputs = {PromptInput{{1, 2, 3}, "", false}, PromptInput{{4}, "", false}};
  Json wire = EmbeddingRequestJson(r);
  EXPECT_EQ(wire["encoding_format"], "float");
  EXPECT_EQ(wire["input"], Json::parse("[[1, 2, 3], [4]]"));
  EmbeddingRequest back = ParseEmbeddingRequest(wire);
  ASSERT_EQ(back.inputs.size(), 2u);
  EXPECT_EQ(back.inputs[0].ids, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_TRUE(ParseEmbeddingRequest({{"input", "some text"}}).inputs[0].is_text);
  EXPECT_NE(testing::ErrorOf([] {
              ParseEmbeddingRequest({{"input", "x"}, {"encoding_format", "base64"}});
            }).find("encoding_format"),
            std::string::npos);
  EXPECT_NE(testing::ErrorOf([] {
              ParseEmbeddingRequest({{"model", "m"}});
            }).find("'input'"),
            std::string::npos);

  EmbeddingResponse answer;
  answer.model = "m";
  answer.embeddings = {{0.25, -1.5}, {3.0, 0.125}};
  answer.prompt_tokens = 4;
  Json body = EmbeddingResponseJson(answer);
  std::swap(body["data"][0], body["data"][1]);  // out of order: "index" decides
  EmbeddingResponse parsed = ParseEmbeddingResponse(body);
  EXPECT_EQ(parsed.embeddings, answer.embeddings);
  EXPECT_EQ(parsed.prompt_tokens, 4);
  body["data"][0]["index"] = 0;  // now index 0 twice
  EXPECT_NE(testing::ErrorOf([&] { ParseEmbeddingResponse(body); }).find("twice"),
            std::string::npos);
  Json base64 = {{"data", {{{"index", 0}, {"embedding", "AAAA"}}}}};
  EXPECT_NE(testing::ErrorOf([&] { ParseEmbeddingResponse(base64); }).find("float"),
            std::string::npos);
}

TEST(OpenAiProtocolTest, ServedModelNameIsTheFirstListed) {
  EXPECT_EQ(ServedModelName(Json::parse(R"({"data": [{"id": "tiny"}, {"id": "b"}]})")), "tiny");
  for (const char* bad : {R"({"data": []})", R"({"data": [{"id": 7}]})", R"({"data": [3]})",
                          R"({"data": {"id": "x"}})", R"([])", R"({"data": [{"id": ""}]})"}) {
    EXPECT_NE(ErrorOf([&] { ServedModelName(Json::parse(bad)); }).find("/models lists no model"),
              std::string::npos)
        << bad;
  }
}

TEST(OpenAiProtocolTest, IntegerRequestFieldsRefuseFloats) {
  EXPECT_NE(ErrorOf([] {
              ParseCompletionRequest(Json::parse(R"({"prompt": "a", "n": 1e300})"));
            }).find("request field 'n': expected integers: 1e+300"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              ParseCompletionRequest(Json::parse(R"({"prompt": "a", "stop_token_ids": [1, 2.5]})"));
            }).find("request field 'stop_token_ids': expected integers"),
            std::string::npos);
  EXPECT_EQ(ParseCompletionRequest(Json::parse(R"({"prompt": "a", "max_tokens": 7})")).max_tokens,
            7);
}

// The client parses answers with the bounded ParseJson: 100,000 nested arrays used to parse and
// then overflow the stack in the journal's dump() or the caller's first copy.
TEST(RemoteEngineTest, DeeplyNestedAnswerIsAnErrorNotACrash) {
  httplib::Server server;
  server.Post("/v1/completions", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(100000, '[') + std::string(100000, ']'), "application/json");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  RemoteOptions options;
  options.max_retries = 1;
  options.backoff_initial_s = 0.01;
  std::string message;
  int64_t retries = 0;
  {  // the client closes its keep-alive connection before the server stops
    OpenAiClient client("http://127.0.0.1:" + std::to_string(port) + "/v1", options);
    message = ErrorOf([&] { client.Post("/completions", {{"prompt", "a"}}); });
    retries = client.retries();
  }
  server.stop();
  thread.join();
  EXPECT_NE(message.find("the answer: JSON nested deeper than 128 levels"), std::string::npos)
      << message;
  EXPECT_EQ(retries, 1);
}

TEST(RemoteEngineTest, MalformedChatAndEmbeddingAnswersNameTheUrl) {
  httplib::Server server;  // answers chat and embeddings in the completions shape
  for (const char* path : {"/v1/chat/completions", "/v1/embeddings"}) {
    server.Post(path, [](const httplib::Request&, httplib::Response& res) {
      res.set_content("{\"choices\": [{\"text\": \"x\"}]}", "application/json");
    });
  }
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  RemoteOptions options;
  options.model_name = "m";
  std::string chat, embeddings;
  {
    std::unique_ptr<LanguageModel> model = MakeRemoteLanguageModel(url, options);
    chat = ErrorOf([&] { model->Chat({{{"user", "hi"}}}, {}, nullptr); });
    embeddings = ErrorOf([&] { model->MeanHiddenStates({{1, 2}}); });
  }
  server.stop();
  thread.join();
  EXPECT_NE(chat.find(url + "/chat/completions: server answer: a choice without 'message'"),
            std::string::npos)
      << chat;
  EXPECT_NE(embeddings.find(url + "/embeddings: server answer: no 'data' list"), std::string::npos)
      << embeddings;
}

TEST(RemoteEngineTest, EndpointParsing) {
  Endpoint e = ParseEndpoint("http://127.0.0.1:8000/v1/");
  EXPECT_EQ(e.origin, "http://127.0.0.1:8000");
  EXPECT_EQ(e.base_path, "/v1");
  EXPECT_EQ(ParseEndpoint("https://api.example.com").base_path, "");
  EXPECT_NE(ErrorOf([] { ParseEndpoint("ftp://x/v1"); }).find("http(s)://"), std::string::npos);
  EXPECT_TRUE(IsRemoteModel("https://x/v1"));
  EXPECT_FALSE(IsRemoteModel("/models/http://x"));
}

TEST(RemoteEngineTest, RetryDecisionsAndBackoff) {
  for (int status : {0, 408, 429, 500, 502, 503, 504}) EXPECT_TRUE(IsRetryable(status)) << status;
  for (int status : {200, 400, 401, 404, 422}) EXPECT_FALSE(IsRetryable(status)) << status;
  EXPECT_DOUBLE_EQ(BackoffSeconds(1, 0.5, 30, -1, 0.999999), 0.5 * 0.999999);
  EXPECT_DOUBLE_EQ(BackoffSeconds(3, 0.5, 30, -1, 0.5), 1.0) << "0.5 * 2^2 * 0.5";
  EXPECT_DOUBLE_EQ(BackoffSeconds(20, 0.5, 30, -1, 0.5), 15.0) << "capped at 30";
  EXPECT_DOUBLE_EQ(BackoffSeconds(1, 0.5, 30, 4, 0.1), 4.0) << "Retry-After wins";
  EXPECT_DOUBLE_EQ(BackoffSeconds(1, 0.5, 30, 100, 0.1), 30.0) << "Retry-After capped";
}

TEST(RequestJournalTest, AnswersSurviveReopeningAndATornLastLine) {
  testing::ScratchDir dir;
  std::string path = dir.path() + "/j.jsonl";
  Json a = {{"prompt", {1, 2}}, {"seed", 1}}, b = {{"prompt", {3}}, {"seed", 2}};
  {
    RequestJournal journal(path);
    EXPECT_FALSE(journal.Find(a).has_value());
    journal.Append(a, {{"choices", {{{"text", "x"}}}}});
  }
  {
    std::ofstream(path, std::ios::app) << "{\"request\": {\"prompt\": [3";  // killed mid-write
  }
  RequestJournal journal(path);
  EXPECT_EQ(journal.size(), 1u);
  ASSERT_TRUE(journal.Find(a).has_value());
  EXPECT_EQ((*journal.Find(a))["choices"][0]["text"], "x");
  EXPECT_FALSE(journal.Find(b).has_value()) << "the torn answer is asked again";
  journal.Append(b, {{"choices", Json::array()}});
  EXPECT_EQ(RequestJournal(path).size(), 2u) << "a record after the torn line still loads";
  std::string other = dir.Write("other.jsonl", "{\"task_id\": 1}\n");
  EXPECT_NE(ErrorOf([&] { RequestJournal j(other); }).find("not an ilf request journal"),
            std::string::npos);
}

}  // namespace
}  // namespace ilf::lm
