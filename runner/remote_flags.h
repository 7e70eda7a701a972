// The flags of an OpenAI-compatible endpoint (--model-name, --concurrency, --max-retries,
// --request-timeout, --request-journal), shared by the model commands (runner/model_flags.h) and
// `ilf feedback`, whose model comes from --source. Torch-free.
#pragma once

#include "runner/cli.h"
#include "src/lm/language_model.h"

namespace ilf {

void AddRemoteFlags(CLI::App& app, lm::RemoteOptions* remote);

}  // namespace ilf
