// The untrusted process's working directory, reused by a helper's consecutive executions.
//
// Executions on one helper are sequential, so one directory (and the Landlock ruleset that
// grants access beneath it, built once) serves them all: it is emptied after each execution,
// and replaced by a new one if the program changed it in a way that cannot be undone.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "sandbox/landlock.h"

namespace ilf::sandbox {

class Scratch {
 public:
  // Directories are created under `base` and owned by uid/gid when `chown_to_child`.
  Scratch(std::string base, const LandlockPolicy* landlock, bool chown_to_child, uid_t uid,
          gid_t gid)
      : base_(std::move(base)), landlock_(landlock), chown_(chown_to_child), uid_(uid), gid_(gid) {}
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  // Makes sure an empty directory (and its ruleset) exists. Returns "" or what failed.
  std::string Ready();
  const std::string& path() const { return path_; }
  int ruleset() const { return ruleset_; }  // -1 without Landlock
  // Total bytes of regular files in it now.
  int64_t Bytes() const;
  // Empties it (or drops it, to be replaced by the next Ready()).
  void Clean();

 private:
  std::string base_;
  const LandlockPolicy* landlock_;
  bool chown_;
  uid_t uid_;
  gid_t gid_;
  std::string path_;  // "" when none is ready
  int ruleset_ = -1;
  int generation_ = 0;
};

}  // namespace ilf::sandbox
