#include "sandbox/scratch.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace ilf::sandbox {

Scratch::~Scratch() {
  if (ruleset_ >= 0) close(ruleset_);
}

std::string Scratch::Ready() {
  if (!path_.empty()) return "";
  if (ruleset_ >= 0) close(ruleset_);
  ruleset_ = -1;
  std::string path = base_ + "/scratch" + std::to_string(generation_++);
  if (mkdir(path.c_str(), 0700) != 0) return "mkdir " + path + ": " + strerror(errno);
  if (chown_ && chown(path.c_str(), uid_, gid_) != 0) {
    return "chown " + path + ": " + strerror(errno);
  }
  if (landlock_ != nullptr) {
    int ruleset = landlock_->BuildRuleset(path);
    if (ruleset < 0) return std::string("landlock ruleset: ") + strerror(-ruleset);
    ruleset_ = ruleset;
  }
  path_ = path;
  return "";
}

int64_t Scratch::Bytes() const {
  int64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st;
    if (lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) total += st.st_size;
  }
  return total;
}

void Scratch::Clean() {
  if (path_.empty()) return;
  std::error_code ec;
  bool clean = true;
  for (auto it = std::filesystem::directory_iterator(path_, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::error_code remove_ec;
    std::filesystem::remove_all(it->path(), remove_ec);
    clean = clean && !remove_ec;
  }
  struct stat st;
  clean = clean && !ec && lstat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
          (st.st_mode & 07777) == 0700;
  if (!clean) {  // e.g. the program chmod'ed it: a new one next time
    std::filesystem::remove_all(path_, ec);
    path_.clear();
  }
}

}  // namespace ilf::sandbox
