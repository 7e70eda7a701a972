// The built-in suites, each read from its original release file (see ../shared/data/*/README.md).
#include "src/code/names.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/json_parse.h"
#include "src/core/jsonl.h"
#include "src/core/paths.h"
#include "tasks/prompts.h"
#include "tasks/suite.h"

namespace ilf::tasks {
namespace {

// MBPP's standard splits (Austin et al.) and Chen et al.'s ILF splits, by task number.
std::vector<Split> MbppSplits(bool with_ilf_splits) {
  std::vector<Split> splits = {
      {"prompt", "few-shot prompt tasks 1-10", 1, 10, {}},
      {"test", "standard test split 11-510", 11, 510, {}},
      {"validation", "standard validation split 511-600", 511, 600, {}},
      {"train", "standard train split 601-974", 601, 974, {}},
  };
  if (with_ilf_splits) {
    splits.push_back({"chen-test", "Chen et al. MBPP_Test 11-110", 11, 110, {}});
    splits.push_back({"chen-refine", "Chen et al. MBPP_Refine 111-310 (trains pi_Refine)", 111, 310, {}});
    splits.push_back({"chen-train", "Chen et al. MBPP_Train 311-974", 311, 974, {}});
  }
  return splits;
}

Split AllAsTest(const std::string& description) { return {"test", description, 0, INT64_MAX, {}}; }

std::vector<std::string> StringList(const JsonlRecord& record, const std::string& key) {
  const Json& field = record.Field(key);
  if (!field.is_array()) throw Error(record.Where() + ": field '" + key + "' must be a list of strings");
  std::vector<std::string> out;
  for (const Json& item : field) {
    if (!item.is_string()) throw Error(record.Where() + ": field '" + key + "' must be a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::string IdOf(const JsonlRecord& record) {
  const Json& id = record.Field("task_id");
  if (id.is_number_integer()) return std::to_string(id.get<int64_t>());
  if (id.is_string()) return id.get<std::string>();
  throw Error(record.Where() + ": field 'task_id' must be an integer or a string");
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

void FinishTask(Task& task) {
  task.number = TaskNumber(task.task_id);
  if (task.EntryPoint().empty()) task.DeriveEntryPoint();
}

Suite LoadMbpp() {
  Suite suite{"mbpp", "MBPP (Austin et al. 2021), 974 tasks, 3 asserts each (+ challenge tests)",
              DataPath("mbpp/mbpp.jsonl"), {}, MbppSplits(true), PromptStyle::kChen, {}, {"Mbpp/"}, true};
  for (const JsonlRecord& record : ReadJsonl(suite.source)) {
    Task task;
    task.task_id = IdOf(record);
    task.text = record.String("text");
    task.reference = record.String("code");
    task.setup = record.Has("test_setup_code") ? record.String("test_setup_code") : "";
    task.tests = StringList(record, "test_list");
    if (record.Has("challenge_test_list")) {
      for (std::string& test : StringList(record, "challenge_test_list")) task.tests.push_back(test);
    }
    task.base_test_count = task.tests.size();
    FinishTask(task);
    suite.tasks.push_back(std::move(task));
  }
  return suite;
}

Suite LoadMbppSanitized() {
  Suite suite{"mbpp-sanitized", "sanitized MBPP (Austin et al. 2021), 427 hand-verified tasks",
              DataPath("mbpp/sanitized-mbpp.json"), {}, MbppSplits(false), PromptStyle::kChen, {}, {"Mbpp/"},
              true};
  Json all = ReadJsonFile(suite.source);
  if (!all.is_array()) throw Error(suite.source + ": expected a JSON array of tasks");
  int index = 0;
  for (const Json& value : all) {
    JsonlRecord record{suite.source + " [record " + std::to_string(index) + "]", 1, value};
    ++index;
    Task task;
    task.task_id = IdOf(record);
    task.text = record.String("prompt");
    task.reference = record.String("code");
    task.setup = record.Has("test_imports") ? Join(StringList(record, "test_imports")) : "";
    task.tests = StringList(record, "test_list");
    task.base_test_count = task.tests.size();
    FinishTask(task);
    suite.tasks.push_back(std::move(task));
  }
  return suite;
}

// The fields HumanEval and HumanEval+ records share: id, prompt, entry point, reference.
Task HumanEvalTask(const JsonlRecord& record) {
  Task task;
  task.task_id = IdOf(record);
  task.prompt = record.String("prompt");
  task.text = task.prompt;
  task.SetEntryPoint(record.String("entry_point"));
  task.reference = task.prompt + record.String("canonical_solution");
  return task;
}

// EvalPlus's plus tests run hundreds of inputs per task.
void UsePlusLimits(Suite& suite) {
  suite.limits.wall_time_ms = 60000;
  suite.limits.cpu_time_ms = 60000;
  suite.limits.memory_mib = 4096;
}

Suite LoadHumanEval() {
  Suite suite{"humaneval", "HumanEval (Chen et al. 2021), 164 function-completion tasks",
              DataPath("humaneval/HumanEval.jsonl.gz"), {}, {AllAsTest("all 164 tasks")},
              PromptStyle::kHumanEval, {}, {"HumanEval/"}};
  for (const JsonlRecord& record : ReadJsonl(suite.source)) {
    Task task = HumanEvalTask(record);
    task.setup = record.String("test");
    task.tests = {"check(" + task.EntryPoint() + ")"};
    task.base_test_count = 1;
    FinishTask(task);
    suite.tasks.push_back(std::move(task));
  }
  return suite;
}

// HumanEval+: the base test is HumanEval's own check(); the plus test is EvalPlus's check() over all
// base and plus inputs with expected outputs. Each test block defines its check and calls it.
Suite LoadHumanEvalPlus() {
  Suite suite{"humanevalplus", "HumanEval+ v0.1.10 (Liu et al. 2023): HumanEval with 80x more tests",
              DataPath("evalplus/HumanEvalPlus-OriginFmt.jsonl.gz"), {},
              {AllAsTest("all 164 tasks")}, PromptStyle::kHumanEval, {}, {"HumanEval/"}};
  std::vector<JsonlRecord> base = ReadJsonl(DataPath("evalplus/HumanEvalPlus.jsonl.gz"));
  std::vector<JsonlRecord> plus = ReadJsonl(suite.source);
  if (base.size() != plus.size()) {
    throw Error(suite.source + ": " + std::to_string(plus.size()) + " tasks, but HumanEvalPlus.jsonl.gz has " +
                std::to_string(base.size()));
  }
  UsePlusLimits(suite);
  for (size_t i = 0; i < plus.size(); ++i) {
    Task task = HumanEvalTask(plus[i]);
    if (IdOf(base[i]) != task.task_id) throw Error(plus[i].Where() + ": task order differs from HumanEvalPlus.jsonl.gz");
    std::string call = "\ncheck(" + task.EntryPoint() + ")\n";
    std::string plus_test = plus[i].String("test");
    if (task.task_id == "HumanEval/32") {
      // Upstream bug in HumanEvalPlus-OriginFmt v0.1.10: `_poly(*candidate(*inp), inp)` unpacks the
      // float root, which raises TypeError for every program. EvalPlus's own evaluator checks
      // `abs(_poly(*inp, out)) <= atol` for find_zero; the test is rewritten to that.
      plus_test = ReplaceAll(plus_test, "assert _poly(*candidate(*inp), inp) <= 0.0001",
                             "assert abs(_poly(*inp, candidate(*inp))) <= 0.0001");
    }
    task.tests = {base[i].String("test") + call, plus_test + call};
    task.base_test_count = 1;
    FinishTask(task);
    suite.tasks.push_back(std::move(task));
  }
  return suite;
}

// MBPP+: the base tests are the original asserts; the plus test is EvalPlus's program over all inputs.
Suite LoadMbppPlus() {
  Suite suite{"mbppplus", "MBPP+ v0.2.0 (Liu et al. 2023): 378 sanitized MBPP tasks with 35x more tests",
              DataPath("evalplus/MbppPlus-OriginFmt.jsonl.gz"), {}, {AllAsTest("all 378 tasks")},
              PromptStyle::kChen, {}, {"Mbpp/"}};
  UsePlusLimits(suite);
  for (const JsonlRecord& record : ReadJsonl(suite.source)) {
    Task task;
    task.task_id = "Mbpp/" + IdOf(record);
    task.text = record.String("prompt");
    task.reference = record.String("code");
    task.setup = record.Has("test_imports") ? Join(StringList(record, "test_imports")) : "";
    task.tests = StringList(record, "test_list");
    task.base_test_count = task.tests.size();
    task.tests.push_back(record.String("test"));
    FinishTask(task);
    suite.tasks.push_back(std::move(task));
  }
  return suite;
}

}  // namespace

const std::vector<BuiltinSuiteInfo>& BuiltinSuites() {
  static const std::vector<BuiltinSuiteInfo> kSuites = {
      {"mbpp", "MBPP, 974 tasks", {"mbpp/mbpp.jsonl"}},
      {"mbpp-sanitized", "sanitized MBPP, 427 tasks", {"mbpp/sanitized-mbpp.json"}},
      {"humaneval", "HumanEval, 164 tasks", {"humaneval/HumanEval.jsonl.gz"}},
      {"mbppplus", "MBPP+ (EvalPlus), 378 tasks", {"evalplus/MbppPlus-OriginFmt.jsonl.gz"}},
      {"humanevalplus", "HumanEval+ (EvalPlus), 164 tasks",
       {"evalplus/HumanEvalPlus-OriginFmt.jsonl.gz", "evalplus/HumanEvalPlus.jsonl.gz"}},
  };
  return kSuites;
}

Suite LoadBuiltinSuite(const std::string& name) {
  if (name == "mbpp") return LoadMbpp();
  if (name == "mbpp-sanitized") return LoadMbppSanitized();
  if (name == "humaneval") return LoadHumanEval();
  if (name == "humanevalplus") return LoadHumanEvalPlus();
  if (name == "mbppplus") return LoadMbppPlus();
  std::string known;
  for (const BuiltinSuiteInfo& info : BuiltinSuites()) known += (known.empty() ? "" : ", ") + info.name;
  throw Error("unknown suite '" + name + "' (built-in: " + known +
              "; or give the path of a suite manifest, see tasks/examples/)");
}

}  // namespace ilf::tasks
