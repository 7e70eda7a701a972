// Locating the ilf-sandbox helper binary.
#pragma once

#include <string>

namespace ilf::sandbox {

// $ILF_SANDBOX_HELPER when set; else the first existing of <dir of this executable>/ilf-sandbox,
// <dir>/../sandbox/ilf-sandbox, <dir>/../../sandbox/ilf-sandbox,
// $ILF_BINARY_DIR/sandbox/ilf-sandbox. Throws ilf::Error (exit 1) listing the places it looked,
// with a hint.
std::string FindHelper();

}  // namespace ilf::sandbox
