// Where the zygote's Python objects live: pymalloc arenas in transparent huge pages.
//
// fork() copies one page-table entry per 4 KiB page of private memory, and the child's exit
// frees them all again; for the ~4 MiB of small objects a zygote holds that is most of the cost
// of a fork. Arenas carved from 2 MiB-aligned blocks marked MADV_HUGEPAGE (and collapsed with
// MADV_COLLAPSE) are one entry per 2 MiB instead. A child's first write to such a block splits
// it back into 4 KiB entries and copies only the page it wrote, as for any copy-on-write page.
// Children allocate their own new arenas as plain pages (a huge page would be zeroed whole).
#pragma once

#include <cstddef>

namespace ilf::sandbox {

// Installs the arena allocator; must run before Py_Initialize (no arena exists yet).
void InstallZygoteArenas();
// Collapses the blocks the zygote filled into huge pages (best effort: a kernel without THP or
// MADV_COLLAPSE keeps 4 KiB pages, which is only slower). Returns the bytes now in huge pages.
size_t CollapseZygoteArenas();
// In a forked child: new arenas are plain pages from now on.
void ZygoteArenasAfterFork();

}  // namespace ilf::sandbox
