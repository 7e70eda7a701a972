# ilf_tokenizer: the byte-level BPE tokenizer and chat format (src/lm/tokenizer.h), pure C++ without
# LibTorch, so `ilf tokenize` also builds with ILF_WITH_TORCH=OFF. Included by src/lm/CMakeLists.txt
# (torch builds) and runner/CMakeLists.txt (every build); the guard defines the target once.
include_guard(GLOBAL)
set(ILF_TOKENIZER_DIR ${CMAKE_SOURCE_DIR}/src/lm)
ilf_library(ilf_tokenizer
  SOURCES ${ILF_TOKENIZER_DIR}/chat_template.cc ${ILF_TOKENIZER_DIR}/pretokenize.cc
          ${ILF_TOKENIZER_DIR}/tokenizer.cc ${ILF_TOKENIZER_DIR}/tokenizer_added.cc
          ${ILF_TOKENIZER_DIR}/tokenizer_bpe.cc ${ILF_TOKENIZER_DIR}/tokenizer_bytes.cc
          ${ILF_TOKENIZER_DIR}/tokenizer_json.cc ${ILF_TOKENIZER_DIR}/tokenizer_load.cc
  DEPS ilf_core PkgConfig::PCRE2 PkgConfig::UTF8PROC fmt::fmt nlohmann_json::nlohmann_json)
