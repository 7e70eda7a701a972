// Landlock: which files the sandbox children may touch, and that they may not bind/connect TCP,
// reach abstract unix sockets, or signal processes outside their own domain.
//
// Built in the helper before each fork (allocation allowed there); enforced in the child by
// EnforceLandlock (post-fork safe).
#pragma once

#include <string>
#include <vector>

namespace ilf::sandbox {

// The Landlock ABI version of the running kernel (0 when unavailable).
int LandlockAbi();

class LandlockPolicy {
 public:
  // `read_only` paths (directories or files) the children may read; missing ones are skipped.
  // `read_write_files` are single files (like /dev/null) the children may read and write.
  LandlockPolicy(const std::vector<std::string>& read_only,
                 const std::vector<std::string>& read_write_files);
  ~LandlockPolicy();
  LandlockPolicy(const LandlockPolicy&) = delete;
  LandlockPolicy& operator=(const LandlockPolicy&) = delete;

  // A ruleset fd with the static rules plus full access beneath `scratch_dir`; the caller closes
  // it. Returns -errno on failure.
  int BuildRuleset(const std::string& scratch_dir) const;
  int abi() const { return abi_; }

 private:
  struct Rule {
    int fd;  // O_PATH descriptor, owned
    unsigned long long access;
  };
  int abi_ = 0;
  std::vector<Rule> rules_;
};

// landlock_restrict_self(ruleset_fd). Post-fork safe; needs no_new_privs. Returns 0 or errno.
int EnforceLandlock(int ruleset_fd);

}  // namespace ilf::sandbox
