// Linux namespaces for the helper process, set up once at helper start.
//
// The helper unshares user, network, IPC, UTS and mount namespaces for itself (so its children
// inherit them: no network but a downed loopback, no shared IPC). Each execution's untrusted
// process additionally gets a fresh pid namespace (supervisor.cc). When the helper runs as root,
// a short-lived mapper child writes a uid/gid map {0 -> 0, 65534 -> 65534}, so the children can
// drop to uid 65534 inside the namespace; otherwise the map is {0 -> own uid}.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace ilf::sandbox {

struct NamespaceSetup {
  std::vector<std::string> active;   // "user-ns", "net-ns", "ipc-ns", "uts-ns", "mount-ns"
  std::vector<std::string> missing;  // the ones the kernel refused, with the reason
  bool can_drop_uid = false;         // children can setresuid to `child_uid`
  uid_t child_uid = 65534;           // unprivileged uid for the children (inside the namespace)
  gid_t child_gid = 65534;
  bool pid_ns = false;  // CLONE_NEWPID works for children
};

// Unshares what the kernel allows. Call while single-threaded. Never throws.
NamespaceSetup SetUpNamespaces();

}  // namespace ilf::sandbox
