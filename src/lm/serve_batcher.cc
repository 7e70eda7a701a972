#include "src/lm/serve_batcher.h"

#include <algorithm>
#include <exception>
#include <future>
#include <tuple>

#include "src/core/log.h"

namespace ilf::lm {

struct ServeBatcher::Job {
  bool is_score = false;
  GenerateJobSpec generate;
  std::vector<ScoreRequest> score;
  std::promise<std::vector<Sample>> samples;
  std::promise<std::vector<ScoreResult>> scores;

  int64_t rows() const {
    return is_score ? 0 : static_cast<int64_t>(generate.prompts.size()) * generate.options.n;
  }
  // Jobs that can share one Generate call.
  auto Key() const {
    const GenerateOptions& o = generate.options;
    return std::make_tuple(o.n, o.temperature, o.top_k, o.top_p, o.ignore_eos, o.eos_token_ids);
  }
};

std::string CompletionText(const Tokenizer& tokenizer, const std::vector<int64_t>& ids,
                           const std::vector<std::string>& stop, bool* stopped) {
  std::vector<int32_t> known;
  for (int64_t id : ids) {
    if (id >= 0 && id < tokenizer.vocab_size() && tokenizer.HasId(static_cast<int32_t>(id)))
      known.push_back(static_cast<int32_t>(id));
  }
  std::string text = tokenizer.Decode(known);
  size_t cut = std::string::npos;
  for (const std::string& s : stop) {
    if (!s.empty()) cut = std::min(cut, text.find(s));
  }
  if (stopped) *stopped = cut != std::string::npos;
  if (cut != std::string::npos) text.resize(cut);
  return text;
}

ServeBatcher::ServeBatcher(LanguageModel& model, const Tokenizer& tokenizer, int64_t max_batch_rows)
    : model_(model),
      tokenizer_(tokenizer),
      max_batch_rows_(std::max<int64_t>(1, max_batch_rows)),
      thread_([this] { Loop(); }) {}

ServeBatcher::~ServeBatcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::vector<Sample> ServeBatcher::Generate(GenerateJobSpec spec) {
  auto job = std::make_shared<Job>();
  job->generate = std::move(spec);
  std::future<std::vector<Sample>> done = job->samples.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(job);
  }
  wake_.notify_one();
  return done.get();
}

std::vector<ScoreResult> ServeBatcher::Score(std::vector<ScoreRequest> requests) {
  auto job = std::make_shared<Job>();
  job->is_score = true;
  job->score = std::move(requests);
  std::future<std::vector<ScoreResult>> done = job->scores.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(job);
  }
  wake_.notify_one();
  return done.get();
}

BatcherStats ServeBatcher::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

std::vector<std::shared_ptr<ServeBatcher::Job>> ServeBatcher::TakeBatch() {
  std::vector<std::shared_ptr<Job>> batch{queue_.front()};
  queue_.pop_front();
  const Job& first = *batch[0];
  int64_t rows = first.rows();
  for (auto it = queue_.begin(); it != queue_.end();) {
    const Job& job = **it;
    bool fits = first.is_score ? job.is_score
                               : !job.is_score && job.Key() == first.Key() &&
                                     rows + job.rows() <= max_batch_rows_;
    if (fits) {
      rows += job.rows();
      batch.push_back(*it);
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  return batch;
}

void ServeBatcher::Loop() {
  while (true) {
    std::vector<std::shared_ptr<Job>> batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping with nothing left
      batch = TakeBatch();
    }
    if (batch[0]->is_score) {
      RunScore(batch);
    } else {
      RunGenerate(batch);
    }
  }
}

void ServeBatcher::RunGenerate(const std::vector<std::shared_ptr<Job>>& jobs) {
  // Merged prompts: job of each, and the options of the group.
  std::vector<std::vector<int64_t>> prompts;
  std::vector<const Job*> owner;
  GenerateOptions options = jobs[0]->generate.options;
  options.prompt_seeds.clear();
  options.max_new_tokens = 0;
  for (const auto& job : jobs) {
    const GenerateJobSpec& spec = job->generate;
    for (size_t i = 0; i < spec.prompts.size(); ++i) {
      prompts.push_back(spec.prompts[i]);
      owner.push_back(job.get());
      options.prompt_seeds.push_back(spec.options.prompt_seeds.at(i));
    }
    options.max_new_tokens = std::max(options.max_new_tokens, spec.options.max_new_tokens);
  }
  bool per_job_limits = false;  // a stop string, or a limit below the group's
  for (const auto& job : jobs) {
    per_job_limits |= !job->generate.stop.empty() ||
                      job->generate.options.max_new_tokens != options.max_new_tokens;
  }
  options.max_batch_rows = max_batch_rows_;
  StopFn stop = nullptr;
  if (per_job_limits) {
    stop = [&](int64_t prompt, const std::vector<int64_t>& ids) {
      const GenerateJobSpec& spec = owner[prompt]->generate;
      if (static_cast<int64_t>(ids.size()) >= spec.options.max_new_tokens) return true;
      if (spec.stop.empty()) return false;
      bool stopped = false;
      CompletionText(tokenizer_, ids, spec.stop, &stopped);
      return stopped;
    };
  }
  std::vector<Sample> samples;
  try {
    samples = model_.Generate(prompts, options, stop);
  } catch (const std::exception& e) {
    if (jobs.size() == 1) {
      jobs[0]->samples.set_exception(std::current_exception());
      return;
    }
    for (const auto& job : jobs) RunGenerate({job});  // isolate the bad request
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.batches += 1;
    stats_.rows += static_cast<int64_t>(samples.size());
    stats_.max_rows = std::max<int64_t>(stats_.max_rows, samples.size());
  }
  // Hand each job its samples, renumbering prompt indices to the job's own.
  size_t next = 0;
  int64_t base = 0;
  for (const auto& job : jobs) {
    size_t count = static_cast<size_t>(job->rows());
    std::vector<Sample> own(std::make_move_iterator(samples.begin() + next),
                            std::make_move_iterator(samples.begin() + next + count));
    for (Sample& s : own) s.prompt_index -= base;
    next += count;
    base += static_cast<int64_t>(job->generate.prompts.size());
    job->samples.set_value(std::move(own));
  }
}

void ServeBatcher::RunScore(const std::vector<std::shared_ptr<Job>>& jobs) {
  std::vector<ScoreRequest> requests;
  for (const auto& job : jobs)
    requests.insert(requests.end(), job->score.begin(), job->score.end());
  std::vector<ScoreResult> results;
  try {
    results = model_.Score(requests);
  } catch (const std::exception& e) {
    if (jobs.size() == 1) {
      jobs[0]->scores.set_exception(std::current_exception());
      return;
    }
    for (const auto& job : jobs) RunScore({job});
    return;
  }
  size_t next = 0;
  for (const auto& job : jobs) {
    size_t count = job->score.size();
    job->scores.set_value(
        std::vector<ScoreResult>(results.begin() + next, results.begin() + next + count));
    next += count;
  }
}

}  // namespace ilf::lm
