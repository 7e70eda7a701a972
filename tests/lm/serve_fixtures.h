// Loopback fixtures of the remote-engine tests: a live `ilf serve` Server over a model, and a
// proxy in front of one that misbehaves by plan (drops, 429, 500, stalls, a freeze); the
// comparison of two samples files.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "src/core/jsonl.h"
#include "src/lm/serve.h"

namespace ilf::lm {

// A server over a model, listening on a free loopback port while it lives.
class LiveServer {
 public:
  LiveServer(LanguageModel& model, const Tokenizer& tokenizer, int64_t max_batch_rows = 32)
      : server_(model, tokenizer, Options(max_batch_rows)) {
    port_ = server_.Bind();
    thread_ = std::thread([this] { server_.Serve(); });
  }
  ~LiveServer() {
    server_.Stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  int port() const { return port_; }
  Server& server() { return server_; }

 private:
  static ServeOptions Options(int64_t rows) {
    ServeOptions o;
    o.port = 0;
    o.model_name = "tiny";
    o.max_batch_rows = rows;
    return o;
  }
  Server server_;
  int port_ = 0;
  std::thread thread_;
};

// Forwards completions, chat and embeddings requests to a backend server, misbehaving by a plan:
// each request's number (from 0) picks drop (answer cut after its headers), 429, 500 or a stall
// longer than the client's timeout; others pass. In "freeze" mode every request after `pass_limit`
// forwarded ones waits until released and is then refused.
class FaultyProxy {
 public:
  FaultyProxy(int backend_port, std::vector<std::string> plan, int pass_limit = 1 << 30)
      : backend_port_(backend_port), plan_(std::move(plan)), pass_limit_(pass_limit) {
    server_.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
      httplib::Client backend("127.0.0.1", backend_port_);
      auto r = backend.Get("/v1/models");
      res.set_content(r->body, "application/json");
    });
    for (const char* path : {"/v1/completions", "/v1/chat/completions", "/v1/embeddings"}) {
      server_.Post(
          path, [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
    }
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FaultyProxy() {
    Release();
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  int forwarded() const { return forwarded_; }
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = true;
    wake_.notify_all();
  }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    size_t number = requests_++;
    std::string fault = number < plan_.size() ? plan_[number] : "pass";
    if (fault == "429") {
      res.status = 429;
      res.set_header("Retry-After", "0");
      res.set_content("{\"error\": \"slow down\"}", "application/json");
      return;
    }
    if (fault == "500") {
      res.status = 500;
      res.set_content("{\"error\": \"boom\"}", "application/json");
      return;
    }
    if (fault == "stall") {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait_for(lock, std::chrono::seconds(3), [this] { return released_; });
      res.status = 503;
      return;
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (forwarded_ >= pass_limit_) {  // freeze: hold the request until released
        wake_.wait(lock, [this] { return released_; });
        res.status = 503;
        return;
      }
      ++forwarded_;
    }
    httplib::Client backend("127.0.0.1", backend_port_);
    backend.set_read_timeout(120, 0);
    auto r = backend.Post(req.path, req.body, "application/json");
    if (fault == "drop") {  // headers go out, then the connection closes mid-body
      res.set_content_provider(r->body.size(), "application/json",
                               [](size_t, size_t, httplib::DataSink&) { return false; });
      return;
    }
    res.status = r->status;
    res.set_content(r->body, "application/json");
  }

  int backend_port_;
  std::vector<std::string> plan_;
  int pass_limit_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<size_t> requests_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool released_ = false;
  int forwarded_ = 0;
};

// Same records (ids, text, finish reason; log-prob within 1e-5) in the same order.
inline void ExpectSameSamples(const std::string& a, const std::string& b) {
  std::vector<JsonlRecord> x = ReadJsonl(a), y = ReadJsonl(b);
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i].Field("task_id"), y[i].Field("task_id")) << i;
    EXPECT_EQ(x[i].Int("sample_id"), y[i].Int("sample_id")) << i;
    EXPECT_EQ(x[i].Field("completion_ids"), y[i].Field("completion_ids")) << i;
    EXPECT_EQ(x[i].String("completion"), y[i].String("completion")) << i;
    EXPECT_EQ(x[i].String("finish_reason"), y[i].String("finish_reason")) << i;
    EXPECT_NEAR(x[i].Number("logprob"), y[i].Number("logprob"), 1e-5) << i;
  }
}

}  // namespace ilf::lm
