#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "sandbox/arena.h"

#include <sys/mman.h>

#include <cstdint>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

namespace ilf::sandbox {
namespace {

constexpr size_t kBlockBytes = size_t{2} << 20;  // one PMD-mapped transparent huge page

void* MapPlain(size_t size) {
  void* ptr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return ptr == MAP_FAILED ? nullptr : ptr;
}

}  // namespace

void ZygoteArenas::Install() {
  PyObjectArenaAllocator allocator = {this, Alloc, Free};
  PyObject_SetArenaAllocator(&allocator);
}

size_t ZygoteArenas::Collapse() {
  size_t collapsed = 0;
  for (int i = 0; i < block_count_; ++i) {
    if (madvise(blocks_[i], kBlockBytes, MADV_COLLAPSE) == 0) collapsed += kBlockBytes;
  }
  return collapsed;
}

void ZygoteArenas::AfterFork() {
  in_zygote_ = false;
  next_ = end_ = nullptr;
}

bool ZygoteArenas::InBlock(const void* ptr) const {
  const char* p = static_cast<const char*>(ptr);
  for (int i = 0; i < block_count_; ++i) {
    if (p >= blocks_[i] && p < blocks_[i] + kBlockBytes) return true;
  }
  return false;
}

// A fresh 2 MiB-aligned block, or false (then arenas come from plain mmap).
bool ZygoteArenas::NewBlock() {
  if (block_count_ == kMaxBlocks) return false;
  char* raw = static_cast<char*>(MapPlain(2 * kBlockBytes));
  if (raw == nullptr) return false;
  uintptr_t aligned = (reinterpret_cast<uintptr_t>(raw) + kBlockBytes - 1) & ~(kBlockBytes - 1);
  char* block = reinterpret_cast<char*>(aligned);
  if (block > raw) munmap(raw, static_cast<size_t>(block - raw));
  munmap(block + kBlockBytes, static_cast<size_t>(raw + 2 * kBlockBytes - (block + kBlockBytes)));
  madvise(block, kBlockBytes, MADV_HUGEPAGE);
  blocks_[block_count_++] = block;
  next_ = block;
  end_ = block + kBlockBytes;
  return true;
}

void* ZygoteArenas::Alloc(void* self, size_t size) {
  auto* arenas = static_cast<ZygoteArenas*>(self);
  // pymalloc asks for whole arenas (1 MiB in CPython 3.11), which divide a block evenly.
  if (kBlockBytes % size == 0) {
    if (arenas->free_count_ > 0) return arenas->free_arenas_[--arenas->free_count_];
    if (arenas->in_zygote_ && (arenas->next_ + size <= arenas->end_ || arenas->NewBlock())) {
      void* arena = arenas->next_;
      arenas->next_ += size;
      return arena;
    }
  }
  return MapPlain(size);
}

void ZygoteArenas::Free(void* self, void* ptr, size_t size) {
  auto* arenas = static_cast<ZygoteArenas*>(self);
  if (arenas->InBlock(ptr)) {
    // Kept for reuse: unmapping part of a block would split its huge page for nothing.
    if (arenas->free_count_ < kMaxFree) arenas->free_arenas_[arenas->free_count_++] = ptr;
    return;
  }
  munmap(ptr, size);
}

}  // namespace ilf::sandbox
