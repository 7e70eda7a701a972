// The trusted side's decoding of what a sandbox helper sends (sandbox/protocol.h): frames read
// from a pipe with ReadFrame, each parsed and turned into an ExecResult the way sandbox/pool.cc
// does. The helper relays what an untrusted program produced, so its bytes are outside input: a
// malformed frame must end as "no frame" or an exception pool.cc turns into SANDBOX_ERROR, never
// a crash, a hang or an allocation beyond kMaxFrameBytes.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "sandbox/protocol.h"
#include "src/core/json_parse.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static int fd = memfd_create("frames", MFD_CLOEXEC);
  if (fd < 0) std::abort();
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size) ||
      lseek(fd, 0, SEEK_SET) != 0) {
    std::abort();
  }
  while (std::optional<std::string> frame = ilf::sandbox::ReadFrame(fd)) {
    if (frame->size() > ilf::sandbox::kMaxFrameBytes) std::abort();
    try {
      ilf::sandbox::ExecResult result =
          ilf::sandbox::ResultFromJson(ilf::ParseJson(*frame, "helper reply"));
      result.ToJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const ilf::Error&) {
    } catch (const nlohmann::json::exception&) {  // what pool.cc catches as an unreadable reply
    }
  }
  return 0;
}
