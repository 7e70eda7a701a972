#include "src/core/atomic_file.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "src/core/error.h"
#include "tests/support/test_data.h"

namespace ilf {
namespace {

size_t FileCount(const std::string& dir) {
  size_t n = 0;
  for (auto& entry : std::filesystem::directory_iterator(dir)) n += entry.is_regular_file();
  return n;
}

TEST(AtomicFile, NothingAppearsBeforeCommit) {
  testing::ScratchDir dir;
  std::string path = dir.path() + "/out.jsonl";
  AtomicFile file(path);
  file.Write("hello\n");
  EXPECT_FALSE(std::filesystem::exists(path));
  file.Commit();
  EXPECT_EQ(ReadFile(path), "hello\n");
  EXPECT_EQ(FileCount(dir.path()), 1u);
}

TEST(AtomicFile, AbandonedWriteLeavesOldContentAndNoTemporary) {
  testing::ScratchDir dir;
  std::string path = dir.Write("out.jsonl", "old\n");
  try {
    AtomicFile file(path);
    file.Write("half of the new");
    throw Error("simulated failure mid-write");
  } catch (const Error&) {
  }
  EXPECT_EQ(ReadFile(path), "old\n");
  EXPECT_EQ(FileCount(dir.path()), 1u);
}

TEST(AtomicFile, CreatesParentDirectories) {
  testing::ScratchDir dir;
  WriteFileAtomically(dir.path() + "/a/b/c.json", "{}");
  EXPECT_EQ(ReadFile(dir.path() + "/a/b/c.json"), "{}");
}

TEST(ReadFile, MissingFileNamesThePath) {
  try {
    ReadFile("/nonexistent/file.jsonl");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/file.jsonl"), std::string::npos);
  }
}

TEST(AtomicFile, LongestLegalFileNameStillWritesAtomically) {
  testing::ScratchDir dir;
  // 251 bytes: legal, but "<name>.tmp-PID-N" was not, so the atomic write failed where open worked.
  std::string path = dir.path() + "/" + std::string(247, 'n') + ".txt";
  WriteFileAtomically(path, "long");
  EXPECT_EQ(ReadFile(path), "long");
  EXPECT_EQ(FileCount(dir.path()), 1u);
  std::string temp = TempPathFor(path, 4194304, 123456);
  EXPECT_EQ(std::filesystem::path(temp).parent_path(), dir.path());
  EXPECT_LE(std::filesystem::path(temp).filename().string().size(), kNameMax);
  EXPECT_EQ(TempPathFor("/d/out.jsonl", 12, 3), "/d/out.jsonl.tmp-12-3");
  EXPECT_EQ(TempPathFor("out.jsonl", 12, 3), "out.jsonl.tmp-12-3");
}

TEST(AtomicFile, FailedCommitReportsTheFailingCallsErrno) {
  testing::ScratchDir dir;
  std::string path = dir.path() + "/big.txt";
  // In a child limited to 16-byte files, the flush fails with EFBIG; the message must say so (a
  // later call's stale errno, or none, was reported before) and nothing may be left behind.
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = {16, 16};
    setrlimit(RLIMIT_FSIZE, &limit);
    try {
      WriteFileAtomically(path, std::string(1000, 'x'));
    } catch (const Error& e) {
      _exit(std::string(e.what()).find(std::strerror(EFBIG)) != std::string::npos ? 0 : 3);
    }
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "3: the message lacks EFBIG's text; 4: no error";
  EXPECT_EQ(FileCount(dir.path()), 0u);
}

TEST(ReadFile, TruncatedGzipIsAnErrorNamingTheFile) {
  testing::ScratchDir dir;
  std::string path = dir.path() + "/s.jsonl.gz";
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  std::string half;
  for (int i = 0; i < 20000; ++i) {
    std::string line = "{\"i\": " + std::to_string(i) + "}\n";
    gzwrite(gz, line.data(), static_cast<unsigned>(line.size()));
    if (i == 9999) {
      ASSERT_EQ(gzflush(gz, Z_SYNC_FLUSH), Z_OK);
      std::ifstream in(path, std::ios::binary);
      half.assign(std::istreambuf_iterator<char>(in), {});
    }
  }
  gzclose(gz);
  size_t complete_lines = 0;
  for (char c : ReadFile(path)) complete_lines += c == '\n';
  EXPECT_EQ(complete_lines, 20000u);

  // Cut at the sync-flush point: zlib yields the first 10,000 records and then Z_BUF_ERROR, which
  // was ignored (10,000 of 20,000 records, silently).
  std::string cut = dir.Write("cut.jsonl.gz", half);
  std::string message = testing::ErrorOf([&] { ReadFile(cut); });
  EXPECT_NE(message.find("cannot decompress '" + cut + "'"), std::string::npos) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  // And every other cut of the complete file, too.
  std::ifstream in(path, std::ios::binary);
  std::string whole;
  whole.assign(std::istreambuf_iterator<char>(in), {});
  for (size_t cut_at :
       {size_t{5}, size_t{10}, whole.size() / 3, whole.size() - 8, whole.size() - 1}) {
    std::string part = dir.Write("part.jsonl.gz", whole.substr(0, cut_at));
    EXPECT_NE(testing::ErrorOf([&] { ReadFile(part); }), "") << "cut at " << cut_at;
  }
}

}  // namespace
}  // namespace ilf
