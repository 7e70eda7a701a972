#include "tests/support/corruption.h"

#include <gtest/gtest.h>

#include <exception>
#include <fstream>
#include <typeinfo>
#include <utility>

#include "src/core/error.h"

namespace ilf::testing {
namespace {

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

enum class Outcome { kRead, kNamedError, kFailed };

// Runs one case, reporting a gtest failure for a wrong outcome.
Outcome RunCase(const std::string& path, const std::string& what,
                const std::function<void(const std::string&)>& read) {
  try {
    read(path);
    return Outcome::kRead;
  } catch (const Error& e) {
    if (std::string(e.what()).find(path) != std::string::npos) return Outcome::kNamedError;
    ADD_FAILURE() << what << ": the error does not name " << path << ": " << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": " << typeid(e).name() << " instead of ilf::Error: " << e.what();
  }
  return Outcome::kFailed;
}

// Puts the valid file back however the sweep ends, so the next sweep starts from a good state.
class Restore {
 public:
  Restore(std::string path, const std::string& bytes) : path_(std::move(path)), bytes_(bytes) {}
  ~Restore() { WriteBytes(path_, bytes_); }
  Restore(const Restore&) = delete;
  Restore& operator=(const Restore&) = delete;

 private:
  std::string path_;
  const std::string& bytes_;
};

}  // namespace

size_t SweepFile(const std::string& path, const std::string& valid,
                 const std::function<void(const std::string& path)>& read,
                 const SweepOptions& options) {
  size_t cases = 0;
  Restore restore(path, valid);
  WriteBytes(path, valid);
  if (RunCase(path, "the valid file", read) != Outcome::kRead) {
    ADD_FAILURE() << "the valid " << path << " must read";
    return cases;
  }
  for (size_t cut = 0; cut < valid.size(); ++cut) {
    bool near_end = cut < 32 || cut + 32 >= valid.size();
    if (!near_end && cut % options.cut_stride != 0) continue;
    ++cases;
    WriteBytes(path, valid.substr(0, cut));
    Outcome outcome = RunCase(path, "cut at " + std::to_string(cut), read);
    if (outcome == Outcome::kRead && !(options.cut_may_succeed && options.cut_may_succeed(cut))) {
      ADD_FAILURE() << "cut at " << cut << " of " << valid.size() << " bytes of " << path
                    << " read without an error (a silent short read)";
      outcome = Outcome::kFailed;
    }
    if (outcome == Outcome::kFailed) return cases;  // one report is enough
  }
  for (size_t at = 0; at < valid.size(); at += options.flip_stride) {
    for (char value : {'\0', '\xff', static_cast<char>(valid[at] ^ 0x20)}) {
      if (value == valid[at]) continue;
      std::string changed = valid;
      changed[at] = value;
      WriteBytes(path, changed);
      std::string what = "byte " + std::to_string(at) + " set to " +
                         std::to_string(static_cast<unsigned char>(value));
      ++cases;
      if (RunCase(path, what, read) == Outcome::kFailed) return cases;
    }
  }
  return cases;
}

}  // namespace ilf::testing
