#include "tests/sandbox/host_facts.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace ilf::sandbox::testing {

std::vector<ProcessInfo> Descendants() {
  std::map<pid_t, std::pair<pid_t, std::string>> all;  // pid -> (ppid, comm)
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return {};
  while (dirent* entry = readdir(proc)) {
    pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0) continue;
    // A process may exit between readdir and read (ESRCH); std::ifstream would throw then.
    std::string text;
    int fd = open(("/proc/" + std::string(entry->d_name) + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char buffer[1024];
    ssize_t n = read(fd, buffer, sizeof buffer);
    close(fd);
    if (n <= 0) continue;
    text.assign(buffer, static_cast<size_t>(n));
    size_t open = text.find('('), close = text.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(text.substr(close + 2));
    char state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (state == 'Z' || state == 'X') continue;  // zombies are gone for our purposes
    all[pid] = {ppid, text.substr(open + 1, close - open - 1)};
  }
  closedir(proc);
  std::vector<ProcessInfo> result;
  for (const auto& [pid, info] : all) {
    for (pid_t p = info.first; p > 1;) {
      if (p == getpid()) {
        result.push_back({pid, info.first, info.second});
        break;
      }
      auto it = all.find(p);
      if (it == all.end()) break;
      p = it->second.first;
    }
  }
  return result;
}

void BecomeSubreaper() { prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

Listener::Listener() {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  listen(fd_, 16);
  socklen_t size = sizeof address;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
  port_ = ntohs(address.sin_port);
}

Listener::~Listener() { close(fd_); }

bool Listener::Contacted() {
  int client = accept(fd_, nullptr, nullptr);
  if (client >= 0) close(client);
  return client >= 0;
}

ScratchFile::ScratchFile(std::string path, const std::string& content) : path_(std::move(path)) {
  std::ofstream(path_) << content;
  chmod(path_.c_str(), 0644);  // readable by everyone: only the sandbox may stop a reader
}

ScratchFile::~ScratchFile() { unlink(path_.c_str()); }

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

bool KernelHasI386Entry() {
  // mov eax, 20 (i386 getpid); int 0x80; ret
  static const unsigned char kCode[] = {0xb8, 0x14, 0x00, 0x00, 0x00, 0xcd, 0x80, 0xc3};
  pid_t child = fork();
  if (child == 0) {
    void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    if (page == MAP_FAILED) _exit(2);
    for (size_t i = 0; i < sizeof kCode; ++i) static_cast<unsigned char*>(page)[i] = kCode[i];
    reinterpret_cast<int (*)()>(page)();
    _exit(0);
  }
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child) return true;  // assume the common case
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace ilf::sandbox::testing
