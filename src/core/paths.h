// Where reference data lives.
//
// Reference data (MBPP, HumanEval, EvalPlus, annotations, tokenizers, golden fixtures) is read from
// $ILF_DATA_DIR, default "../shared/data" relative to the repository root (compiled in as
// ILF_SOURCE_DIR). It is never copied into the repository; scripts/download_data.sh fetches the
// public originals for users.
#pragma once

#include <string>

namespace ilf {

// The data directory (may not exist).
std::string DataDir();
// DataDir()/relative; throws ilf::Error with a hint when it does not exist.
std::string DataPath(const std::string& relative);

}  // namespace ilf
