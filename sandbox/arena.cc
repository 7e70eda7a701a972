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
constexpr int kMaxBlocks = 64;                    // 128 MiB of zygote arenas; then plain mmap
constexpr int kMaxFree = 128;

// Plain data only: the allocator runs inside pymalloc with the GIL held, single-threaded.
struct State {
  bool in_zygote = true;
  char* blocks[kMaxBlocks] = {};
  int block_count = 0;
  char* next = nullptr;  // unused part of the newest block
  char* end = nullptr;
  void* free_arenas[kMaxFree] = {};  // arenas pymalloc returned that lie inside a block
  int free_count = 0;
};
State state;

bool InBlock(const void* ptr) {
  const char* p = static_cast<const char*>(ptr);
  for (int i = 0; i < state.block_count; ++i) {
    if (p >= state.blocks[i] && p < state.blocks[i] + kBlockBytes) return true;
  }
  return false;
}

void* MapPlain(size_t size) {
  void* ptr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return ptr == MAP_FAILED ? nullptr : ptr;
}

// A fresh 2 MiB-aligned block, or false (then arenas come from plain mmap).
bool NewBlock() {
  if (state.block_count == kMaxBlocks) return false;
  char* raw = static_cast<char*>(MapPlain(2 * kBlockBytes));
  if (raw == nullptr) return false;
  uintptr_t aligned = (reinterpret_cast<uintptr_t>(raw) + kBlockBytes - 1) & ~(kBlockBytes - 1);
  char* block = reinterpret_cast<char*>(aligned);
  if (block > raw) munmap(raw, static_cast<size_t>(block - raw));
  munmap(block + kBlockBytes, static_cast<size_t>(raw + 2 * kBlockBytes - (block + kBlockBytes)));
  madvise(block, kBlockBytes, MADV_HUGEPAGE);
  state.blocks[state.block_count++] = block;
  state.next = block;
  state.end = block + kBlockBytes;
  return true;
}

void* Alloc(void*, size_t size) {
  // pymalloc asks for whole arenas (1 MiB in CPython 3.11), which divide a block evenly.
  if (kBlockBytes % size == 0) {
    if (state.free_count > 0) return state.free_arenas[--state.free_count];
    if (state.in_zygote && (state.next + size <= state.end || NewBlock())) {
      void* arena = state.next;
      state.next += size;
      return arena;
    }
  }
  return MapPlain(size);
}

void Free(void*, void* ptr, size_t size) {
  if (InBlock(ptr)) {
    // Kept for reuse: unmapping part of a block would split its huge page for nothing.
    if (state.free_count < kMaxFree) state.free_arenas[state.free_count++] = ptr;
    return;
  }
  munmap(ptr, size);
}

}  // namespace

void InstallZygoteArenas() {
  PyObjectArenaAllocator allocator = {nullptr, Alloc, Free};
  PyObject_SetArenaAllocator(&allocator);
}

size_t CollapseZygoteArenas() {
  size_t collapsed = 0;
  for (int i = 0; i < state.block_count; ++i) {
    if (madvise(state.blocks[i], kBlockBytes, MADV_COLLAPSE) == 0) collapsed += kBlockBytes;
  }
  return collapsed;
}

void ZygoteArenasAfterFork() {
  state.in_zygote = false;
  state.next = state.end = nullptr;
}

}  // namespace ilf::sandbox
