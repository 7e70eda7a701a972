#include "runner/round/adapters.h"

#include <memory>

#include "runner/round/code_adapter.h"
#include "runner/round/summarization_adapter.h"
#include "src/core/error.h"
#include "src/lm/tokenizer.h"

namespace ilf::round {

std::unique_ptr<TaskAdapter> MakeTaskAdapter(const RoundConfig& config) {
  if (config.task == "code") {
    CodeAdapterOptions options;
    options.suite = config.suite;
    options.sandbox_workers = static_cast<int>(config.sandbox_workers);
    // Old programs are budgeted in the refiner's tokens.
    std::string dir = !config.tokenizer.empty()      ? config.tokenizer
                      : !config.refine_model.empty() ? config.refine_model
                                                     : config.policy_model;
    auto tokenizer = std::make_shared<lm::Tokenizer>(lm::Tokenizer::Load(dir));
    options.count_tokens = [tokenizer](const std::string& text) {
      return tokenizer->Encode(text).size();
    };
    return std::make_unique<CodeAdapter>(std::move(options));
  }
  if (config.task == "summarization") {
    SummarizationAdapterOptions options;
    options.suite = config.suite;
    options.tokenizer = config.tokenizer;
    options.load.device = config.device;
    options.load.dtype = config.dtype;
    options.load.threads = static_cast<int>(config.threads);
    options.batch_rows = config.sampling.batch_rows;
    options.selection = config.selection;
    options.feedback_source = config.feedback.source;
    return std::make_unique<SummarizationAdapter>(std::move(options));
  }
  throw Error("config 'task': '" + config.task +
              "' is not a task kind ilf knows (known: code, summarization)");
}

}  // namespace ilf::round
