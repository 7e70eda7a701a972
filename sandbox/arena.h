// Where the zygote's Python objects live: pymalloc arenas in transparent huge pages.
//
// fork() copies one page-table entry per 4 KiB page of private memory, and the child's exit
// frees them all again; for the ~4 MiB of small objects a zygote holds that is a good part of
// the cost of a fork. Arenas carved from 2 MiB-aligned blocks marked MADV_HUGEPAGE (and collapsed
// with MADV_COLLAPSE) are one entry per 2 MiB instead. A child's first write to such a block
// splits it back into 4 KiB entries and copies only the page it wrote, as for any copy-on-write
// page. Children allocate their own new arenas as plain pages (a huge page would be zeroed whole).
#pragma once

#include <cstddef>

namespace ilf::sandbox {

class ZygoteArenas {
 public:
  ZygoteArenas() = default;
  ZygoteArenas(const ZygoteArenas&) = delete;
  ZygoteArenas& operator=(const ZygoteArenas&) = delete;

  // Makes this object pymalloc's arena allocator; must run before Py_Initialize (no arena exists
  // yet). The object must live as long as the interpreter (the zygote never finalises it).
  void Install();
  // Collapses the blocks filled so far into huge pages (best effort: a kernel without THP or
  // MADV_COLLAPSE keeps 4 KiB pages, which is only slower). Returns the bytes now in huge pages.
  size_t Collapse();
  // In a forked child: new arenas are plain pages from now on.
  void AfterFork();

 private:
  static constexpr int kMaxBlocks = 64;  // 128 MiB of zygote arenas; then plain mmap
  static constexpr int kMaxFree = 128;

  static void* Alloc(void* self, size_t size);
  static void Free(void* self, void* ptr, size_t size);
  bool NewBlock();
  bool InBlock(const void* ptr) const;

  // Plain data only: pymalloc calls in with the GIL held, single-threaded.
  bool in_zygote_ = true;
  char* blocks_[kMaxBlocks] = {};
  int block_count_ = 0;
  char* next_ = nullptr;  // unused part of the newest block
  char* end_ = nullptr;
  void* free_arenas_[kMaxFree] = {};  // arenas pymalloc returned that lie inside a block
  int free_count_ = 0;
};

}  // namespace ilf::sandbox
