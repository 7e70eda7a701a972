#include "src/lm/request_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/json_parse.h"

namespace ilf::lm {
namespace {

constexpr char kSchema[] = "ilf.request_journal";
constexpr int kVersion = 1;

nlohmann::json Header() {
  return {{"ilf_header", {{"schema", kSchema}, {"version", kVersion}, {"config_hash", ""}}}};
}

}  // namespace

RequestJournal::RequestJournal(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(path_ + ": cannot open the request journal: " + std::strerror(errno));
  const std::string text = ReadFile(path_);
  std::istringstream lines(text);
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    nlohmann::json record = TryParseJson(line);
    if (first) {
      first = false;
      const nlohmann::json* h =
          record.is_object() && record.contains("ilf_header") ? &record["ilf_header"] : nullptr;
      if (!h || h->value("schema", "") != kSchema || h->value("version", 0) != kVersion) {
        ::close(fd_);
        throw Error(path_ + ":1: not an ilf request journal (schema " + kSchema + " v" +
                    std::to_string(kVersion) + "); remove it or pick another path");
      }
      continue;
    }
    // A torn line (killed mid-write) is skipped; the answer is asked again.
    if (record.is_discarded() || !record.contains("request") || !record.contains("response"))
      continue;
    answers_[record["request"].dump()] = record["response"];
  }
  if (first) {  // a new file
    std::string header = Header().dump() + "\n";
    if (::write(fd_, header.data(), header.size()) != static_cast<ssize_t>(header.size()))
      throw Error(path_ + ": cannot write the request journal: " + std::strerror(errno));
  } else if (text.back() != '\n') {
    // Terminate a torn last line so the next record starts on its own line.
    if (::write(fd_, "\n", 1) != 1)
      throw Error(path_ + ": cannot write the request journal: " + std::strerror(errno));
  }
}

RequestJournal::~RequestJournal() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<nlohmann::json> RequestJournal::Find(const nlohmann::json& request) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = answers_.find(request.dump());
  if (it == answers_.end()) return std::nullopt;
  return it->second;
}

void RequestJournal::Append(const nlohmann::json& request, const nlohmann::json& response) {
  std::string line = nlohmann::json{{"request", request}, {"response", response}}.dump() + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  // O_APPEND and one write: the line lands whole or (killed mid-call) torn at the end.
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw Error(path_ + ": cannot append to the request journal: " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  answers_[request.dump()] = response;
}

size_t RequestJournal::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return answers_.size();
}

}  // namespace ilf::lm
