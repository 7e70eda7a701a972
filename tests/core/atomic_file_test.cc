#include "src/core/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>

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

}  // namespace
}  // namespace ilf
