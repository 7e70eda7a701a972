#include "src/lm/serve_batcher.h"

#include <algorithm>
#include <exception>
#include <future>
#include <tuple>

#include "src/core/log.h"

namespace ilf::lm {

struct ServeBatcher::Job {
  enum Kind { kGenerate, kScore, kEmbed } kind = kGenerate;
  GenerateJobSpec generate;
  std::vector<ScoreRequest> score;
  std::vector<std::vector<int64_t>> embed;
  std::promise<std::vector<Sample>> samples;
  std::promise<std::vector<ScoreResult>> scores;
  std::promise<std::vector<std::vector<double>>> embeddings;

  int64_t rows() const {
    return kind != kGenerate ? 0
                             : static_cast<int64_t>(generate.prompts.size()) * generate.options.n;
  }
  // Jobs that can share one Generate call.
  auto Key() const {
    const GenerateOptions& o = generate.options;
    return std::make_tuple(o.n, o.temperature, o.top_k, o.top_p, o.ignore_eos, o.eos_token_ids);
  }
};

std::string CompletionText(const Tokenizer& tokenizer, const std::vector<int64_t>& ids,
                           const std::vector<std::string>& stop, bool* stopped, bool skip_special) {
  std::vector<int32_t> known;
  for (int64_t id : ids) {
    if (id >= 0 && id < tokenizer.vocab_size() && tokenizer.HasId(static_cast<int32_t>(id)))
      known.push_back(static_cast<int32_t>(id));
  }
  std::string text = tokenizer.Decode(known, skip_special);
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

void ServeBatcher::Enqueue(std::shared_ptr<Job> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
}

std::vector<Sample> ServeBatcher::Generate(GenerateJobSpec spec) {
  auto job = std::make_shared<Job>();
  job->generate = std::move(spec);
  std::future<std::vector<Sample>> done = job->samples.get_future();
  Enqueue(job);
  return done.get();
}

std::vector<ScoreResult> ServeBatcher::Score(std::vector<ScoreRequest> requests) {
  auto job = std::make_shared<Job>();
  job->kind = Job::kScore;
  job->score = std::move(requests);
  std::future<std::vector<ScoreResult>> done = job->scores.get_future();
  Enqueue(job);
  return done.get();
}

std::vector<std::vector<double>> ServeBatcher::Embed(std::vector<std::vector<int64_t>> sequences) {
  auto job = std::make_shared<Job>();
  job->kind = Job::kEmbed;
  job->embed = std::move(sequences);
  std::future<std::vector<std::vector<double>>> done = job->embeddings.get_future();
  Enqueue(job);
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
    bool fits = job.kind == first.kind &&
                (first.kind != Job::kGenerate ||
                 (job.Key() == first.Key() && rows + job.rows() <= max_batch_rows_));
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
    switch (batch[0]->kind) {
      case Job::kGenerate:
        RunGenerate(batch);
        break;
      case Job::kScore:
        RunScore(batch);
        break;
      case Job::kEmbed:
        RunEmbed(batch);
        break;
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

namespace {

// Runs `run` over the inputs of all `jobs` at once and hands each job its share of the outputs;
// when the merged call fails, each job is run alone, so only a bad request gets the error.
template <typename Input, typename Output, typename JobPtr, typename Run>
void RunMerged(const std::vector<JobPtr>& jobs, std::vector<Input> JobPtr::element_type::*inputs,
               std::promise<std::vector<Output>> JobPtr::element_type::*promise, Run run) {
  std::vector<Input> all;
  for (const auto& job : jobs)
    all.insert(all.end(), ((*job).*inputs).begin(), ((*job).*inputs).end());
  std::vector<Output> outputs;
  try {
    outputs = run(all);
  } catch (const std::exception&) {
    if (jobs.size() == 1) {
      ((*jobs[0]).*promise).set_exception(std::current_exception());
      return;
    }
    for (const auto& job : jobs)
      RunMerged<Input, Output>(std::vector<JobPtr>{job}, inputs, promise, run);
    return;
  }
  size_t next = 0;
  for (const auto& job : jobs) {
    size_t count = ((*job).*inputs).size();
    ((*job).*promise)
        .set_value(std::vector<Output>(std::make_move_iterator(outputs.begin() + next),
                                       std::make_move_iterator(outputs.begin() + next + count)));
    next += count;
  }
}

}  // namespace

void ServeBatcher::RunScore(const std::vector<std::shared_ptr<Job>>& jobs) {
  RunMerged<ScoreRequest, ScoreResult>(
      jobs, &Job::score, &Job::scores,
      [this](const std::vector<ScoreRequest>& requests) { return model_.Score(requests); });
}

void ServeBatcher::RunEmbed(const std::vector<std::shared_ptr<Job>>& jobs) {
  RunMerged<std::vector<int64_t>, std::vector<double>>(
      jobs, &Job::embed, &Job::embeddings,
      [this](const std::vector<std::vector<int64_t>>& sequences) {
        return model_.MeanHiddenStates(sequences);
      });
}

}  // namespace ilf::lm
