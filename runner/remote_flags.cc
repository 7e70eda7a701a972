#include "runner/remote_flags.h"

namespace ilf {

void AddRemoteFlags(CLI::App& app, lm::RemoteOptions* remote_options) {
  lm::RemoteOptions& remote = *remote_options;
  app.add_option("--model-name", remote.model_name,
                 "endpoint: the served model's name (default: the first of /v1/models)");
  app.add_option("--concurrency", remote.concurrency, "endpoint: requests in flight")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  app.add_option("--max-retries", remote.max_retries,
                 "endpoint: retries after 429, 5xx, a dropped connection or a timeout")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  app.add_option("--request-timeout", remote.request_timeout_s, "endpoint: seconds per request")
      ->capture_default_str()
      ->check(RealBetween(0, kNoMax, /*open_min=*/true));
  app.add_option("--request-journal", remote.journal_path,
                 "endpoint: JSONL of answers kept for a rerun (default: OUT.requests.jsonl)");
}

}  // namespace ilf
