#include "runner/round/config.h"

#include <fstream>
#include <limits>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/json_parse.h"

namespace ilf::round {
namespace {

Json FinetuneJson(const FinetuneSettings& f) {
  return {{"epochs", f.epochs},
          {"lr", f.lr},
          {"batch_size", f.batch_size},
          {"grad_accum", f.grad_accum},
          {"warmup_steps", f.warmup_steps},
          {"lora_rank", f.lora_rank},
          {"lora_alpha", f.lora_alpha},
          {"save_every_steps", f.save_every_steps},
          {"max_length", f.max_length}};
}

FinetuneSettings FinetuneFrom(const Json& j) {
  FinetuneSettings f;
  j.at("epochs").get_to(f.epochs);
  j.at("lr").get_to(f.lr);
  j.at("batch_size").get_to(f.batch_size);
  j.at("grad_accum").get_to(f.grad_accum);
  j.at("warmup_steps").get_to(f.warmup_steps);
  j.at("lora_rank").get_to(f.lora_rank);
  j.at("lora_alpha").get_to(f.lora_alpha);
  j.at("save_every_steps").get_to(f.save_every_steps);
  j.at("max_length").get_to(f.max_length);
  return f;
}

std::string TypeName(const Json& v) {
  if (v.is_number_unsigned()) return "a non-negative integer";
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a number";
  return std::string("a ") + v.type_name();
}

// Integers must also fit the field: int64_t fields (number_integer defaults) refuse values past
// INT64_MAX, the uint64_t seed (a number_unsigned default) refuses negative ones; get_to would
// wrap.
bool SameKind(const Json& want, const Json& got) {
  if (want.is_number_float()) return got.is_number();
  if (want.is_number_unsigned()) return got.is_number_unsigned();
  if (want.is_number_integer())
    return got.is_number_integer() &&
           !(got.is_number_unsigned() &&
             got.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
  return want.type() == got.type();
}

// Checks `user` against the defaults' shape (keys and value kinds) and writes it over `merged`.
void Merge(const Json& user, Json* merged, const std::string& where, const std::string& prefix) {
  if (!user.is_object()) {
    std::string name =
        prefix.empty() ? "the config" : "'" + prefix.substr(0, prefix.size() - 1) + "'";
    throw Error(where + ": " + name + " must be a JSON object, got " + user.dump().substr(0, 80));
  }
  for (const auto& [key, value] : user.items()) {
    std::string name = prefix + key;
    if (!merged->contains(key)) {
      std::string known;
      for (const auto& [k, v] : merged->items()) known += (known.empty() ? "" : ", ") + k;
      throw Error(where + ": unknown key '" + name + "' (known here: " + known + ")");
    }
    Json& slot = (*merged)[key];
    if (slot.is_object()) {
      Merge(value, &slot, where, name + ".");
      continue;
    }
    if (!SameKind(slot, value)) {
      throw Error(where + ": '" + name + "' must be " + TypeName(slot) + ", got " + value.dump());
    }
    if (slot.is_array() && !slot.empty()) {
      for (const Json& element : value) {
        if (!SameKind(slot[0], element))
          throw Error(where + ": '" + name + "' holds " + element.dump() + ", expected " +
                      TypeName(slot[0]) + " elements");
      }
    }
    slot = value;
  }
}

// As lm::IsRemoteModel, which lives in the LibTorch library this one does without.
bool IsEndpoint(const std::string& model) {
  return model.rfind("http://", 0) == 0 || model.rfind("https://", 0) == 0;
}

// Which models may be URLs, and what a URL needs: the policy is finetuned in process; the round
// encodes the refiner's, scorer's and judge's prompts (and a summary feedback model's) itself, so
// these need a local copy of the tokenizer; a served name belongs to a URL.
void CheckEndpoints(const RoundConfig& c, const std::string& where) {
  if (IsEndpoint(c.policy_model))
    throw Error(where + ": 'policy_model' is " + c.policy_model +
                ", an endpoint; the policy is finetuned in process, so it must be a checkpoint "
                "directory (hint: an endpoint can be refine_model, scorer_model, judge_model or "
                "feedback.source \"model:URL\")");
  const std::string feedback_model =
      c.feedback.source.rfind("model:", 0) == 0 ? c.feedback.source.substr(6) : "";
  struct Role {
    const char* model_key;
    const std::string& model;
    const char* name_key;
    const std::string& name;
    bool encodes;  // the round tokenizes the model's prompts
  };
  for (const Role& role :
       {Role{"refine_model", c.refine_model, "refine_model_name", c.refine_model_name, true},
        Role{"scorer_model", c.scorer_model, "scorer_model_name", c.scorer_model_name, true},
        Role{"judge_model", c.judge_model, "judge_model_name", c.judge_model_name, true},
        // Code feedback goes to a chat endpoint as messages; a summary's is a plain prompt.
        Role{"feedback.source", feedback_model, "feedback.model_name", c.feedback.model_name,
             c.task == "summarization"}}) {
    bool url = IsEndpoint(role.model);
    if (!role.name.empty() && !url)
      throw Error(where + ": '" + role.name_key + "' is \"" + role.name + "\" but '" +
                  role.model_key + "' is not an http(s):// endpoint (got \"" + role.model +
                  "\"); a served model name belongs to a URL");
    if (url && role.encodes && c.tokenizer.empty())
      throw Error(where + ": '" + role.model_key + "' is the endpoint " + role.model +
                  "; set 'tokenizer' to a local copy of its tokenizer (the round encodes its "
                  "prompts and budgets tokens itself)");
  }
}

void Diff(const Json& a, const Json& b, const std::string& prefix, std::vector<std::string>* out) {
  if (a.is_object() && b.is_object()) {
    for (const auto& [key, value] : a.items()) {
      if (prefix.empty() && key == "endpoint") continue;  // how requests go, not what they ask
      if (!b.contains(key)) {
        out->push_back(prefix + key + ": " + value.dump() + " -> (absent)");
      } else {
        Diff(value, b[key], prefix + key + ".", out);
      }
    }
    for (const auto& [key, value] : b.items()) {
      if (prefix.empty() && key == "endpoint") continue;
      if (!a.contains(key)) out->push_back(prefix + key + ": (absent) -> " + value.dump());
    }
    return;
  }
  if (a != b) {
    std::string name = prefix.empty() ? "config" : prefix.substr(0, prefix.size() - 1);
    out->push_back(name + ": " + a.dump() + " -> " + b.dump());
  }
}

}  // namespace

Json RoundConfig::ToJson() const {
  return {{"task", task},
          {"suite", suite},
          {"train_split", train_split},
          {"train_limit", train_limit},
          {"train_task_ids", train_task_ids},
          {"eval_split", eval_split},
          {"eval_limit", eval_limit},
          {"eval_task_ids", eval_task_ids},
          {"policy_model", policy_model},
          {"refine_model", refine_model},
          {"refine_model_name", refine_model_name},
          {"tokenizer", tokenizer},
          {"scorer_model", scorer_model},
          {"scorer_model_name", scorer_model_name},
          {"judge_model", judge_model},
          {"judge_model_name", judge_model_name},
          {"device", device},
          {"dtype", dtype},
          {"threads", threads},
          {"samples_per_task", samples_per_task},
          {"refinements_per_item", refinements_per_item},
          {"sampling",
           {{"temperature", sampling.temperature},
            {"top_p", sampling.top_p},
            {"max_new_tokens", sampling.max_new_tokens},
            {"batch_rows", sampling.batch_rows}}},
          {"feedback",
           {{"source", feedback.source},
            {"model_name", feedback.model_name},
            {"per_task", feedback.per_task},
            {"shots", feedback.shots}}},
          {"endpoint",
           {{"concurrency", endpoint.concurrency},
            {"max_retries", endpoint.max_retries},
            {"request_timeout_s", endpoint.request_timeout_s}}},
          {"selection", selection},
          {"finetune", FinetuneJson(finetune)},
          {"refiner",
           {{"annotations", refiner.annotations},
            {"task_ids", refiner.task_ids},
            {"finetune", FinetuneJson(refiner.finetune)}}},
          {"eval_samples_per_task", eval_samples_per_task},
          {"eval_temperature", eval_temperature},
          {"ks", ks},
          {"rounds", rounds},
          {"sandbox_workers", sandbox_workers},
          {"seed", seed}};
}

std::string RoundConfig::Hash() const { return ConfigHash(ToJson()); }

std::string ConfigHash(const Json& config) {
  Json hashed = config;
  if (hashed.is_object()) hashed.erase("endpoint");
  return HashJson(hashed);
}

RoundConfig ParseRoundConfig(const Json& json, const std::string& where) {
  Json merged = RoundConfig().ToJson();
  Merge(json, &merged, where, "");
  RoundConfig c;
  const Json& j = merged;
  j.at("task").get_to(c.task);
  j.at("suite").get_to(c.suite);
  j.at("train_split").get_to(c.train_split);
  j.at("train_limit").get_to(c.train_limit);
  j.at("eval_split").get_to(c.eval_split);
  j.at("eval_limit").get_to(c.eval_limit);
  j.at("policy_model").get_to(c.policy_model);
  j.at("refine_model").get_to(c.refine_model);
  j.at("refine_model_name").get_to(c.refine_model_name);
  j.at("tokenizer").get_to(c.tokenizer);
  j.at("scorer_model").get_to(c.scorer_model);
  j.at("scorer_model_name").get_to(c.scorer_model_name);
  j.at("judge_model").get_to(c.judge_model);
  j.at("judge_model_name").get_to(c.judge_model_name);
  j.at("device").get_to(c.device);
  j.at("dtype").get_to(c.dtype);
  j.at("threads").get_to(c.threads);
  j.at("samples_per_task").get_to(c.samples_per_task);
  j.at("refinements_per_item").get_to(c.refinements_per_item);
  const Json& s = j.at("sampling");
  s.at("temperature").get_to(c.sampling.temperature);
  s.at("top_p").get_to(c.sampling.top_p);
  s.at("max_new_tokens").get_to(c.sampling.max_new_tokens);
  s.at("batch_rows").get_to(c.sampling.batch_rows);
  const Json& f = j.at("feedback");
  f.at("source").get_to(c.feedback.source);
  f.at("model_name").get_to(c.feedback.model_name);
  f.at("per_task").get_to(c.feedback.per_task);
  f.at("shots").get_to(c.feedback.shots);
  const Json& e = j.at("endpoint");
  e.at("concurrency").get_to(c.endpoint.concurrency);
  e.at("max_retries").get_to(c.endpoint.max_retries);
  e.at("request_timeout_s").get_to(c.endpoint.request_timeout_s);
  j.at("selection").get_to(c.selection);
  c.finetune = FinetuneFrom(j.at("finetune"));
  const Json& r = j.at("refiner");
  r.at("annotations").get_to(c.refiner.annotations);
  auto ids = [&](const Json& from, const char* key, std::vector<std::string>* out,
                 const std::string& name) {
    try {
      from.at(key).get_to(*out);
    } catch (const Json::exception&) {
      throw Error(where + ": '" + name + "' must be a list of task id strings");
    }
  };
  ids(r, "task_ids", &c.refiner.task_ids, "refiner.task_ids");
  ids(j, "train_task_ids", &c.train_task_ids, "train_task_ids");
  ids(j, "eval_task_ids", &c.eval_task_ids, "eval_task_ids");
  c.refiner.finetune = FinetuneFrom(r.at("finetune"));
  j.at("eval_samples_per_task").get_to(c.eval_samples_per_task);
  j.at("eval_temperature").get_to(c.eval_temperature);
  j.at("ks").get_to(c.ks);
  j.at("rounds").get_to(c.rounds);
  j.at("sandbox_workers").get_to(c.sandbox_workers);
  j.at("seed").get_to(c.seed);

  auto positive = [&](int64_t value, const char* name) {
    if (value < 1)
      throw Error(where + ": '" + name + "' must be at least 1, got " + std::to_string(value));
  };
  positive(c.samples_per_task, "samples_per_task");
  positive(c.refinements_per_item, "refinements_per_item");
  positive(c.eval_samples_per_task, "eval_samples_per_task");
  positive(c.rounds, "rounds");
  positive(c.feedback.per_task, "feedback.per_task");
  positive(c.sampling.max_new_tokens, "sampling.max_new_tokens");
  for (int64_t k : c.ks) positive(k, "ks");
  // Counts that are cast to int or mean "all" at 0: a negative or huge one is a typo, not a choice.
  auto within = [&](int64_t value, int64_t most, const char* name) {
    if (value < 0 || value > most)
      throw Error(where + ": '" + name + "' must be in 0.." + std::to_string(most) + ", got " +
                  std::to_string(value));
  };
  within(c.threads, 4096, "threads");
  within(c.sandbox_workers, 4096, "sandbox_workers");
  within(c.train_limit, std::numeric_limits<int32_t>::max(), "train_limit");
  within(c.eval_limit, std::numeric_limits<int32_t>::max(), "eval_limit");
  within(c.feedback.shots, 1000, "feedback.shots");
  positive(c.endpoint.concurrency, "endpoint.concurrency");
  within(c.endpoint.concurrency, 4096, "endpoint.concurrency");
  within(c.endpoint.max_retries, 1000, "endpoint.max_retries");
  if (!(c.endpoint.request_timeout_s > 0))
    throw Error(where + ": 'endpoint.request_timeout_s' must be above 0 seconds, got " +
                std::to_string(c.endpoint.request_timeout_s));
  CheckEndpoints(c, where);
  // The selection rule is the adapter's to check (summarization adds its own selectors).
  return c;
}

RoundConfig LoadRoundConfig(const std::string& path) {
  return ParseRoundConfig(ReadJsonFile(path), path);
}

std::vector<std::string> ConfigDifferences(const Json& before, const Json& after) {
  std::vector<std::string> out;
  Diff(before, after, "", &out);
  return out;
}

}  // namespace ilf::round
