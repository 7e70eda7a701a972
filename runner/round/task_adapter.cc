#include "runner/round/task_adapter.h"

#include "src/core/error.h"

namespace ilf::round {
namespace {

// A task or sample id as a string: MBPP files spell task ids as integers.
std::string IdField(const JsonlRecord& record, const std::string& key) {
  const Json& id = record.Field(key);
  if (id.is_string()) return id.get<std::string>();
  if (id.is_number_integer()) return std::to_string(id.get<int64_t>());
  throw Error(record.Where() + ": field '" + key + "' must be a string or an integer, got " +
              id.dump());
}

std::string OptionalString(const JsonlRecord& record, const std::string& key) {
  return record.Has(key) ? IdField(record, key) : "";
}

}  // namespace

Json Output::ToJson() const {
  Json j = {{"task_id", task_id},
            {"sample_id", sample_id},
            {"completion", completion},
            {"logprob", logprob}};
  if (!parent_sample_id.empty()) j["parent_sample_id"] = parent_sample_id;
  if (!feedback_id.empty()) j["feedback_id"] = feedback_id;
  return j;
}

Output Output::FromRecord(const JsonlRecord& record) {
  Output o;
  o.task_id = IdField(record, "task_id");
  o.sample_id = IdField(record, "sample_id");
  o.completion = record.String("completion");
  o.logprob = record.Has("logprob") ? record.Number("logprob") : 0.0;
  o.parent_sample_id = OptionalString(record, "parent_sample_id");
  o.feedback_id = OptionalString(record, "feedback_id");
  return o;
}

Json Check::ToJson() const {
  Json j = detail.is_object() ? detail : Json::object();
  j["task_id"] = task_id;
  j["sample_id"] = sample_id;
  j["passed"] = passed;
  j["verdict"] = verdict;
  j["score"] = score;
  return j;
}

Check Check::FromRecord(const JsonlRecord& record) {
  Check c;
  c.task_id = IdField(record, "task_id");
  c.sample_id = IdField(record, "sample_id");
  const Json& passed = record.Field("passed");
  if (!passed.is_boolean()) throw Error(record.Where() + ": field 'passed' must be true or false");
  c.passed = passed.get<bool>();
  c.verdict = record.String("verdict");
  c.score = record.Has("score") ? record.Number("score") : (c.passed ? 1.0 : 0.0);
  c.detail = record.value;
  return c;
}

size_t TaskAdapter::WriteRefinerPairs(const std::string& annotations,
                                      const std::vector<std::string>&, const std::string&,
                                      const std::string&) {
  throw Error("config 'refiner.annotations' (" + annotations + "): task kind '" + kind() +
              "' has no refiner training; leave it empty");
}

Json Selection::ToJson() const {
  return {{"prompt", prompt}, {"target", target}, {"task_id", task_id}, {"sample_id", sample_id}};
}

}  // namespace ilf::round
