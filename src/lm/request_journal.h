// RequestJournal: an append-only file of (request, answer) pairs, so a remote run that is killed
// (SIGKILL included) and rerun asks the server only for what it has not answered yet.
//
// Each line is {"request": BODY, "response": ANSWER}, written whole with one write(2) and flushed
// to the kernel before the answer is used, after a versioned header line
// ({"ilf_header": {"schema": "ilf.request_journal", "version": 1}}). A torn last line (the process
// died mid-write) is ignored on load. Requests are matched by their exact canonical JSON body, so
// a changed request (another temperature, seed or model) is asked again. The journal never holds
// the API key (it travels in a header, not the body).
// Thread safety: Find and Append may be called concurrently.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace ilf::lm {

class RequestJournal {
 public:
  // Opens (creating) `path` and loads its answers. Throws ilf::Error when it cannot, or when the
  // file is not a request journal.
  explicit RequestJournal(std::string path);
  ~RequestJournal();
  RequestJournal(const RequestJournal&) = delete;
  RequestJournal& operator=(const RequestJournal&) = delete;

  // The recorded answer of `request` (a request body), if any.
  std::optional<nlohmann::json> Find(const nlohmann::json& request) const;
  // Records an answer. Throws ilf::Error when the write fails.
  void Append(const nlohmann::json& request, const nlohmann::json& response);
  size_t size() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, nlohmann::json> answers_;  // canonical request dump -> answer
};

}  // namespace ilf::lm
