// A Python memory scanner for hostile tests: finds which needles are anywhere in the readable
// memory of the process that runs it, without /proc (Landlock hides it from the program).
//
// Mapped pages are found by bisecting the address space with mmap(MAP_FIXED_NOREPLACE), which
// fails with EEXIST exactly when the range overlaps a mapping; each page is then copied out
// through a pipe (write() from an unreadable page fails with EFAULT instead of crashing). A needle
// is given as two halves that the scanner never joins, so the needle itself is not in memory
// unless something else put it there.
#pragma once

namespace ilf::sandbox::testing {

// Defines `memory_contains(pairs)` -> list of bools, one per (head, tail) pair of bytes.
inline constexpr char kMemoryScanner[] = R"PY(
import ctypes, mmap, os
_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                       ctypes.c_long]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_libc.write.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
_libc.write.restype = ctypes.c_ssize_t
_PAGE = 4096
_FLAGS = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x4000 | 0x100000  # NORESERVE, FIXED_NOREPLACE

def _has_mapping(lo, hi):
    p = _libc.mmap(lo, hi - lo, 0, _FLAGS, -1, 0)
    if p is None or p == ctypes.c_void_p(-1).value:
        return ctypes.get_errno() == 17  # EEXIST
    _libc.munmap(p, hi - lo)
    return p != lo  # a kernel without NOREPLACE placed it elsewhere: assume mapped

def _mapped_pages(lo, hi, out):
    if not _has_mapping(lo, hi):
        return
    if hi - lo == _PAGE:
        out.append(lo)
        return
    mid = lo + ((hi - lo) // _PAGE // 2) * _PAGE
    _mapped_pages(lo, mid, out)
    _mapped_pages(mid, hi, out)

def memory_contains(pairs):
    pages = []
    _mapped_pages(_PAGE * 16, 0x7ffffffff000, pages)
    r, w = os.pipe()
    found = [False] * len(pairs)
    prev, last, readable = b'', None, 0
    try:
        for page in pages:
            if _libc.write(w, page, _PAGE) != _PAGE:
                prev, last = b'', None
                continue
            readable += 1
            data = os.read(r, _PAGE)
            chunk = (prev if last == page - _PAGE else b'') + data
            for i, (head, tail) in enumerate(pairs):
                start = chunk.find(head)
                while start >= 0 and not found[i]:
                    found[i] = chunk[start + len(head):start + len(head) + len(tail)] == tail
                    start = chunk.find(head, start + 1)
            prev, last = data[-256:], page
    finally:
        os.close(r)
        os.close(w)
    if readable < 100:
        raise RuntimeError('scanner saw only %d readable pages' % readable)
    return found
)PY";

}  // namespace ilf::sandbox::testing
