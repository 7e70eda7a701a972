// The torch-free parts of a round: config defaults and validation, selection rules, the old-code
// budget, the run directory's manifest and its resume checks.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "runner/round/config.h"
#include "runner/round/old_code.h"
#include "runner/round/round_table.h"
#include "runner/round/run_dir.h"
#include "runner/round/selection.h"
#include "src/core/atomic_file.h"
#include "tests/support/corruption.h"
#include "tests/support/test_data.h"

namespace ilf::round {
namespace {

using testing::ErrorOf;
using testing::ScratchDir;

TEST(RoundConfig, DefaultsAreThePapersMbppSetting) {
  RoundConfig c = ParseRoundConfig(Json::object(), "c.json");
  EXPECT_EQ(c.task, "code");
  EXPECT_EQ(c.train_split, "chen-train");
  EXPECT_EQ(c.eval_split, "chen-test");
  EXPECT_EQ(c.samples_per_task, 30);
  EXPECT_DOUBLE_EQ(c.sampling.temperature, 0.8);
  EXPECT_DOUBLE_EQ(c.finetune.lr, 5e-6);
  EXPECT_EQ(c.finetune.batch_size * c.finetune.grad_accum, 32);
  EXPECT_EQ(c.finetune.epochs, 2);
  EXPECT_EQ(c.selection, "random");
  EXPECT_EQ(c.ks, (std::vector<int64_t>{1, 10}));
}

TEST(RoundConfig, FieldsOverrideDefaultsAndRoundTrip) {
  Json j = {{"suite", "mbpp"},
            {"samples_per_task", 4},
            {"sampling", {{"temperature", 1}}},
            {"finetune", {{"lr", 0.001}}},
            {"train_task_ids", {"11", "12"}}};
  RoundConfig c = ParseRoundConfig(j, "c.json");
  EXPECT_EQ(c.samples_per_task, 4);
  EXPECT_DOUBLE_EQ(c.sampling.temperature, 1.0);  // an integer where a number is expected
  EXPECT_EQ(c.sampling.max_new_tokens, 512);      // sibling keeps its default
  EXPECT_DOUBLE_EQ(c.finetune.lr, 0.001);
  EXPECT_EQ(c.train_task_ids, (std::vector<std::string>{"11", "12"}));
  EXPECT_EQ(ParseRoundConfig(c.ToJson(), "x").ToJson(), c.ToJson());
  EXPECT_NE(c.Hash(), RoundConfig().Hash());
}

TEST(RoundConfig, ScorerAndJudgeModelsDefaultToThePolicy) {
  RoundConfig c = ParseRoundConfig(
      {{"task", "summarization"}, {"selection", "instructrm"}, {"judge_model", "j"}}, "c.json");
  EXPECT_EQ(c.scorer_model, "");  // "" = policy_model
  EXPECT_EQ(c.judge_model, "j");
  EXPECT_EQ(c.selection, "instructrm");  // the adapter checks the rule
  EXPECT_EQ(ParseRoundConfig(c.ToJson(), "x").ToJson(), c.ToJson());
}

// The round table and the report show what the adapter's evaluation puts forward.
TEST(RoundTable, HeadlineMetricsComeFromTheEvaluationsCounts) {
  EXPECT_EQ(HeadlineMetrics({{"rouge_l", 0.25},
                             {"win_rate", nullptr},
                             {"pass@1", 0.5},
                             {"headline", {"rouge_l", "win_rate", "absent", "tasks_note"}},
                             {"tasks_note", "text"}}),
            (std::vector<std::string>{"rouge_l", "win_rate"}));
  // Older runs' counts have no headline: their pass@k keys.
  EXPECT_EQ(
      HeadlineMetrics({{"pass@1", 0.5}, {"pass@1_note", "x"}, {"pass@10", nullptr}, {"tasks", 3}}),
      (std::vector<std::string>{"pass@1", "pass@10"}));
  EXPECT_TRUE(HeadlineMetrics(Json("x")).empty());
  Json stage = {
      {"counts", {{"rouge_l", 0.25}, {"win_rate", 0.5}, {"headline", {"rouge_l", "win_rate"}}}},
      {"times", {{"wall_s", 1.0}}}};
  Json manifest = {{"rounds", {{"1", {{"eval_before", stage}}}}}};
  std::string table = FormatRoundTable(manifest, 1);
  EXPECT_NE(table.find("rouge_l before"), std::string::npos) << table;
  EXPECT_NE(table.find("0.250"), std::string::npos) << table;
  EXPECT_NE(table.find("win_rate after"), std::string::npos) << table;
  EXPECT_EQ(table.find("pass@1"), std::string::npos) << table;
}

TEST(RoundConfig, UnknownKeysAndWrongTypesAreRefusedNamingThem) {
  EXPECT_NE(ErrorOf([] {
              ParseRoundConfig({{"sampels_per_task", 3}}, "c.json");
            }).find("c.json: unknown key 'sampels_per_task'"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              ParseRoundConfig({{"sampling", {{"temp", 1.0}}}}, "c.json");
            }).find("unknown key 'sampling.temp'"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              ParseRoundConfig({{"samples_per_task", 2.5}}, "c.json");
            }).find("'samples_per_task' must be an integer, got 2.5"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              ParseRoundConfig({{"ks", {1, "10"}}}, "c.json");
            }).find("'ks' holds"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              ParseRoundConfig({{"rounds", 0}}, "c.json");
            }).find("'rounds' must be at least 1"),
            std::string::npos);
}

TEST(RoundConfig, IntegersMustFitTheirFieldAndCountsTheirRange) {
  auto error = [](const Json& j) { return ErrorOf([&] { ParseRoundConfig(j, "c.json"); }); };
  // get_to would wrap these: 2^63 into a negative int64_t, -1 into a huge uint64_t seed.
  EXPECT_NE(error(Json::parse(R"({"rounds": 9223372036854775808})"))
                .find("'rounds' must be an integer, got 9223372036854775808"),
            std::string::npos);
  EXPECT_NE(error({{"seed", -1}}).find("'seed' must be a non-negative integer, got -1"),
            std::string::npos);
  EXPECT_EQ(ParseRoundConfig(Json::parse(R"({"seed": 18446744073709551615})"), "c").seed,
            18446744073709551615ull);
  EXPECT_NE(error({{"threads", -2}}).find("'threads' must be in 0..4096, got -2"),
            std::string::npos);
  EXPECT_NE(error({{"sandbox_workers", 4294967297}}).find("'sandbox_workers' must be in 0..4096"),
            std::string::npos);
  EXPECT_NE(error({{"train_limit", -1}}).find("'train_limit' must be in 0.."), std::string::npos);
  EXPECT_NE(error({{"feedback", {{"shots", -1}}}}).find("'feedback.shots' must be in 0..1000"),
            std::string::npos);
  EXPECT_NE(error({{"sampling", 3}}).find("c.json: 'sampling' must be a JSON object, got 3"),
            std::string::npos);
  EXPECT_NE(error(Json::array()).find("c.json: the config must be a JSON object"),
            std::string::npos);
}

TEST(RoundConfig, LoadRefusesBadJsonAndDeepNestingNamingTheFile) {
  ScratchDir dir;
  std::string path = dir.path() + "/c.json";
  WriteFileAtomically(path, "{\"seed\": 1,");
  EXPECT_NE(ErrorOf([&] { LoadRoundConfig(path); }).find(path + ": not valid JSON (line 1"),
            std::string::npos);
  // 100,000 levels parsed unbounded overflow the stack in Merge's recursion or dump().
  WriteFileAtomically(path, "{\"sampling\": " + std::string(100000, '[') + "]}");
  EXPECT_NE(ErrorOf([&] { LoadRoundConfig(path); }).find(path + ": JSON nested deeper than 128"),
            std::string::npos);
}

TEST(RoundConfig, DifferencesNameTheChangedFields) {
  Json a = RoundConfig().ToJson();
  RoundConfig changed;
  changed.selection = "shortest";
  changed.finetune.lr = 1e-5;
  std::vector<std::string> diffs = ConfigDifferences(a, changed.ToJson());
  ASSERT_EQ(diffs.size(), 2u);
  EXPECT_EQ(diffs[0], "finetune.lr: 5e-06 -> 1e-05");
  EXPECT_EQ(diffs[1], "selection: \"random\" -> \"shortest\"");
  EXPECT_TRUE(ConfigDifferences(a, a).empty());
}

// Models given as URLs: the endpoint settings parse, are shown, and change neither the hash nor a
// resume's comparison; served names belong to URLs; a URL that the round must tokenize for needs
// `tokenizer`; the policy is never a URL.
TEST(RoundConfig, EndpointSettingsAndServedNames) {
  Json json = {{"feedback", {{"source", "model:http://127.0.0.1:9/v1"}, {"model_name", "big"}}},
               {"refine_model", "https://api.example.com/v1"},
               {"refine_model_name", "refiner"},
               {"tokenizer", "tok"},
               {"endpoint", {{"concurrency", 4}, {"max_retries", 2}, {"request_timeout_s", 30}}}};
  RoundConfig c = ParseRoundConfig(json, "c.json");
  EXPECT_EQ(c.feedback.model_name, "big");
  EXPECT_EQ(c.refine_model_name, "refiner");
  EXPECT_EQ(c.endpoint.concurrency, 4);
  EXPECT_EQ(c.endpoint.max_retries, 2);
  EXPECT_EQ(c.endpoint.request_timeout_s, 30);
  EXPECT_EQ(c.ToJson()["endpoint"]["concurrency"], 4);
  EXPECT_EQ(ParseRoundConfig(c.ToJson(), "c.json").ToJson(), c.ToJson());

  RoundConfig transport = c;
  transport.endpoint = EndpointConfig();
  EXPECT_EQ(transport.Hash(), c.Hash());
  EXPECT_TRUE(ConfigDifferences(c.ToJson(), transport.ToJson()).empty());
  RoundConfig renamed = c;
  renamed.feedback.model_name = "small";
  EXPECT_NE(renamed.Hash(), c.Hash());
  std::vector<std::string> diffs = ConfigDifferences(c.ToJson(), renamed.ToJson());
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0], "feedback.model_name: \"big\" -> \"small\"");

  auto error = [](const Json& j) { return ErrorOf([&] { ParseRoundConfig(j, "c.json"); }); };
  EXPECT_NE(error({{"policy_model", "http://127.0.0.1:9/v1"}})
                .find("c.json: 'policy_model' is http://127.0.0.1:9/v1, an endpoint; the policy "
                      "is finetuned in process"),
            std::string::npos);
  EXPECT_NE(error({{"judge_model_name", "j"}})
                .find("'judge_model_name' is \"j\" but 'judge_model' is not an http(s):// "
                      "endpoint"),
            std::string::npos);
  EXPECT_NE(error({{"feedback", {{"source", "execution"}, {"model_name", "m"}}}})
                .find("'feedback.model_name' is \"m\" but 'feedback.source' is not"),
            std::string::npos);
  EXPECT_NE(error({{"scorer_model", "http://h:1/v1"}})
                .find("'scorer_model' is the endpoint http://h:1/v1; set 'tokenizer'"),
            std::string::npos);
  // Code feedback through a chat endpoint needs no local tokenizer; a summary's plain prompt does.
  EXPECT_EQ(error({{"feedback", {{"source", "model:http://h:1/v1"}}}}), "");
  EXPECT_NE(error({{"task", "summarization"}, {"feedback", {{"source", "model:http://h:1/v1"}}}})
                .find("'feedback.source' is the endpoint http://h:1/v1; set 'tokenizer'"),
            std::string::npos);
  EXPECT_NE(error({{"endpoint", {{"concurrency", 0}}}}).find("'endpoint.concurrency'"),
            std::string::npos);
  EXPECT_NE(error({{"endpoint", {{"request_timeout_s", 0}}}}).find("'endpoint.request_timeout_s'"),
            std::string::npos);
  EXPECT_NE(error({{"endpoint", {{"max_retries", -1}}}}).find("'endpoint.max_retries'"),
            std::string::npos);
}

TEST(RunDir, ResumeTakesChangedEndpointSettings) {
  ScratchDir dir;
  std::string run = dir.path() + "/run";
  RoundConfig c;
  std::string hash = RunDir(run, c.ToJson(), false, {{"ilf", "test"}}).config_hash();
  EXPECT_EQ(hash, c.Hash());
  c.endpoint.concurrency = 3;
  RunDir resumed(run, c.ToJson(), true, {});
  EXPECT_EQ(resumed.config_hash(), hash);  // the artifacts written before stay valid
  EXPECT_EQ(ReadManifest(run)["config"]["endpoint"]["concurrency"], 3);
}

TEST(Selection, RulesChooseAsDocumented) {
  std::vector<Candidate> c = {{30, -5.0}, {10, -9.0}, {10, -1.0}, {50, -1.0}};
  EXPECT_EQ(ChooseCandidate(c, "shortest", 0, "t"), 1u);     // first of the ties
  EXPECT_EQ(ChooseCandidate(c, "most_likely", 0, "t"), 2u);  // first of the ties
  EXPECT_FALSE(ChooseCandidate({}, "random", 0, "t").has_value());
  EXPECT_FALSE(ErrorOf([&] { ChooseCandidate(c, "longest", 0, "t"); }).empty());
}

TEST(Selection, RandomIsSeededPerTaskAndCoversCandidates) {
  std::vector<Candidate> c(5);
  std::set<size_t> seen;
  for (uint64_t seed = 0; seed < 60; ++seed) {
    size_t a = *ChooseCandidate(c, "random", seed, "11");
    EXPECT_EQ(a, *ChooseCandidate(c, "random", seed, "11"));  // same seed and task, same choice
    seen.insert(a);
  }
  EXPECT_EQ(seen.size(), 5u);
}

TEST(OldCode, CutAtALineBoundaryWithinTheTokenBudget) {
  auto words = [](const std::string& s) {  // tokens = whitespace-separated words
    size_t n = 0;
    bool in = false;
    for (char ch : s) {
      bool space = ch == ' ' || ch == '\n';
      n += !space && !in;
      in = !space;
    }
    return n;
  };
  std::string program = "def f(a):\n    x = a + 1\n    return x\n";  // 2 + 5 + 2 words
  EXPECT_EQ(CutToTokenBudget(program, 9, words), program);
  EXPECT_EQ(CutToTokenBudget(program, 8, words), "def f(a):\n    x = a + 1\n");
  EXPECT_EQ(CutToTokenBudget(program, 6, words), "def f(a):\n");
  EXPECT_EQ(CutToTokenBudget(program, 1, words), "");
  EXPECT_EQ(CutToTokenBudget("abcdef", 3, nullptr), "");  // bytes, one line that does not fit
}

TEST(RunDir, NewRunResumeAndChangedConfig) {
  ScratchDir dir;
  std::string run = dir.path() + "/run";
  Json config = RoundConfig().ToJson();
  {
    RunDir r(run, config, false, {{"ilf", "test"}});
    EXPECT_FALSE(r.Done(1, "sample"));
    r.MarkDone(1, "sample", {{"samples", 3}}, StageTimes{2.0, 1.5, 0.2, 0.1}, {});
    EXPECT_TRUE(r.Done(1, "sample"));
  }
  EXPECT_NE(ErrorOf([&] { RunDir(run, config, false, {}); }).find("--resume"), std::string::npos);
  // A writer that died before its commit leaves a temporary; a resume removes it.
  std::filesystem::create_directories(run + "/round-1");
  WriteFileAtomically(run + "/round-1/samples.jsonl.tmp-99-0", "partial");
  RunDir resumed(run, config, true, {});
  EXPECT_TRUE(resumed.Done(1, "sample"));
  EXPECT_FALSE(std::filesystem::exists(run + "/round-1/samples.jsonl.tmp-99-0"));
  Json m = ReadManifest(run);
  EXPECT_EQ(m["rounds"]["1"]["sample"]["counts"]["samples"], 3);
  EXPECT_NEAR(m["rounds"]["1"]["sample"]["times"]["orchestration_s"].get<double>(), 0.2, 1e-9);
  RoundConfig other;
  other.seed = 5;
  std::string error = ErrorOf([&] { RunDir(run, other.ToJson(), true, {}); });
  EXPECT_NE(error.find("seed: 0 -> 5"), std::string::npos) << error;
}

// Every reader indexes a manifest without checks (the round table, `ilf report`, RunDir), so a
// damaged one must fail at the read, naming the key; before, these crashed or misbehaved there:
// a const operator[] on a missing "counts" is undefined behaviour, std::stoi("x") escaped as
// std::invalid_argument, and a round key "2147483647" made the report's plot loop overflow.
TEST(RunDir, ManifestShapeIsCheckedNamingTheKey) {
  Json stage = {{"status", "done"},
                {"order", 0},
                {"counts", {{"samples", 3}}},
                {"times", {{"wall_s", 1.5}}},
                {"outputs", {"samples.jsonl"}}};
  Json good = {{"schema", "ilf.run"},
               {"version", 1},
               {"config", RoundConfig().ToJson()},
               {"config_hash", "h"},
               {"versions", {{"ilf", "x"}}},
               {"rounds", {{"1", {{"sample", stage}}}}}};
  EXPECT_EQ(ParseManifest(good.dump(), "m.json"), good);
  auto error = [](const Json& m) { return ErrorOf([&] { ParseManifest(m.dump(), "m.json"); }); };
  auto with = [&](const Json::json_pointer& at, const Json& value) {
    Json m = good;
    m[at] = value;
    return error(m);
  };
  auto without = [&](const Json::json_pointer& at) {
    Json m = good;
    m[at.parent_pointer()].erase(at.back());
    return error(m);
  };
  struct Case {
    std::string error, expected;
  };
  std::vector<Case> cases = {
      {error(Json::array()), "m.json: a run manifest is a JSON object, got array"},
      {with("/version"_json_pointer, "1"), "not an ilf.run v1 manifest"},
      {without("/config"_json_pointer), "'config' must be an object, got null"},
      {with("/config_hash"_json_pointer, 5), "'config_hash' must be a string, got 5"},
      {with("/rounds"_json_pointer, Json::array()), "'rounds' must be an object"},
      {with("/rounds/x"_json_pointer, Json::object()),
       "'rounds.x' must be keyed by a round number"},
      {with("/rounds/0"_json_pointer, Json::object()), "'rounds.0' must be keyed"},
      {with("/rounds/2147483647"_json_pointer, Json::object()),
       "'rounds.2147483647' must be keyed"},
      {with("/rounds/2"_json_pointer, 7), "'rounds.2' must be an object of stage records"},
      {with("/rounds/1/sample"_json_pointer, "done"), "'rounds.1.sample' must be a stage record"},
      {without("/rounds/1/sample/counts"_json_pointer),
       "'rounds.1.sample.counts' must be an object, got null"},
      {with("/rounds/1/sample/status"_json_pointer, true),
       "'rounds.1.sample.status' must be a string"},
      {with("/rounds/1/sample/times/wall_s"_json_pointer, "1 s"),
       "'rounds.1.sample.times.wall_s' must be a number of seconds, got \"1 s\""},
      {with("/rounds/1/sample/order"_json_pointer, -1),
       "'rounds.1.sample.order' must be a non-negative"},
      {with("/rounds/1/sample/outputs"_json_pointer, {1}),
       "'rounds.1.sample.outputs' must be a list of file names"},
  };
  for (const Case& c : cases)
    EXPECT_NE(c.error.find(c.expected), std::string::npos)
        << c.error << "\nexpected " << c.expected;
  std::string deep = ErrorOf([] { ParseManifest(std::string(200000, '['), "m.json"); });
  EXPECT_NE(deep.find("m.json: JSON nested deeper than 128"), std::string::npos) << deep;
}

// Every prefix and single-byte change of a config and a manifest: an error naming the file or a
// read, never a crash or another exception type.
TEST(RunDir, TruncatedAndCorruptedConfigAndManifestNameTheFile) {
  ScratchDir dir;
  const std::string config =
      R"({"suite": "mbpp", "samples_per_task": 4, "sampling": {"top_p": 0.9}, "ks": [1, 2],)"
      R"( "seed": 7})";
  testing::SweepFile(dir.path() + "/c.json", config,
                     [](const std::string& path) { LoadRoundConfig(path); });
  std::string run = dir.path() + "/run";
  {
    RunDir r(run, ParseRoundConfig(Json::parse(config), "c").ToJson(), false, {{"ilf", "t"}});
    r.MarkDone(1, "sample", {{"samples", 3}}, StageTimes{2.0, 1.5, 0.2, 0.1}, {"samples.jsonl"});
  }
  std::string manifest = ReadFile(run + "/manifest.json");
  // The manifest ends in "}\n": the cut before the newline is the whole manifest.
  testing::SweepFile(run + "/manifest.json", manifest,
                     [&](const std::string&) { ReadManifest(run); },
                     {[&](size_t cut) { return cut == manifest.size() - 1; }, 1, 3});
}

}  // namespace
}  // namespace ilf::round
