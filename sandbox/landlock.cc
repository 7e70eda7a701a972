#include "sandbox/landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace ilf::sandbox {
namespace {

// Debian 12's kernel headers predate ABI 4-7, so the UAPI constants are spelled out here.
constexpr uint64_t kExecute = 1ull << 0, kWriteFile = 1ull << 1, kReadFile = 1ull << 2,
                   kReadDir = 1ull << 3, kRemoveDir = 1ull << 4, kRemoveFile = 1ull << 5,
                   kMakeChar = 1ull << 6, kMakeDir = 1ull << 7, kMakeReg = 1ull << 8,
                   kMakeSock = 1ull << 9, kMakeFifo = 1ull << 10, kMakeBlock = 1ull << 11,
                   kMakeSym = 1ull << 12, kRefer = 1ull << 13, kTruncate = 1ull << 14,
                   kIoctlDev = 1ull << 15;
constexpr uint64_t kBindTcp = 1ull << 0, kConnectTcp = 1ull << 1;
constexpr uint64_t kScopeAbstractUnix = 1ull << 0, kScopeSignal = 1ull << 1;
constexpr uint32_t kCreateRulesetVersion = 1u << 0;
constexpr int kRulePathBeneath = 1;

struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

struct __attribute__((packed)) PathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
};

uint64_t HandledFs(int abi) {
  uint64_t fs = kExecute | kWriteFile | kReadFile | kReadDir | kRemoveDir | kRemoveFile |
                kMakeChar | kMakeDir | kMakeReg | kMakeSock | kMakeFifo | kMakeBlock | kMakeSym;
  if (abi >= 2) fs |= kRefer;
  if (abi >= 3) fs |= kTruncate;
  if (abi >= 5) fs |= kIoctlDev;
  return fs;
}

constexpr uint64_t kFileRights = kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;

}  // namespace

int LandlockAbi() {
  long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
  return abi < 0 ? 0 : static_cast<int>(abi);
}

LandlockPolicy::LandlockPolicy(const std::vector<std::string>& read_only,
                               const std::vector<std::string>& read_write_files)
    : abi_(LandlockAbi()) {
  auto add = [&](const std::string& path, uint64_t access) {
    int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) access &= kFileRights;
    rules_.push_back({fd, access & HandledFs(abi_)});
  };
  for (const std::string& path : read_only) add(path, kExecute | kReadFile | kReadDir);
  for (const std::string& path : read_write_files) add(path, kReadFile | kWriteFile);
}

LandlockPolicy::~LandlockPolicy() {
  for (const Rule& rule : rules_) close(rule.fd);
}

int LandlockPolicy::BuildRuleset(const std::string& scratch_dir) const {
  if (abi_ < 1) return -EOPNOTSUPP;
  RulesetAttr attr{HandledFs(abi_), abi_ >= 4 ? kBindTcp | kConnectTcp : 0,
                   abi_ >= 6 ? kScopeAbstractUnix | kScopeSignal : 0};
  size_t size = abi_ >= 6 ? sizeof attr : abi_ >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
  int ruleset = static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, size, 0));
  if (ruleset < 0) return -errno;
  auto add_rule = [&](int fd, uint64_t access) {
    PathBeneathAttr rule{access, fd};
    return syscall(SYS_landlock_add_rule, ruleset, kRulePathBeneath, &rule, 0) == 0;
  };
  for (const Rule& rule : rules_) {
    if (!add_rule(rule.fd, rule.access)) {
      int error = errno;
      close(ruleset);
      return -error;
    }
  }
  int scratch = open(scratch_dir.c_str(), O_PATH | O_CLOEXEC | O_DIRECTORY);
  bool ok = scratch >= 0 && add_rule(scratch, HandledFs(abi_) & ~(kMakeChar | kMakeBlock));
  int error = errno;
  if (scratch >= 0) close(scratch);
  if (!ok) {
    close(ruleset);
    return -error;
  }
  return ruleset;
}

int EnforceLandlock(int ruleset_fd) {
  if (syscall(SYS_landlock_restrict_self, ruleset_fd, 0) != 0) return errno;
  return 0;
}

}  // namespace ilf::sandbox
