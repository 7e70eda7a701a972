# ilf_lm_formats: the model files' parsers that need no LibTorch (config.json, the safetensors
# header and shard index), so they are fuzzed and tested in every build. Included by
# src/lm/CMakeLists.txt (torch builds) and tests/fuzz (clang builds without torch).
include_guard(GLOBAL)
ilf_library(ilf_lm_formats
  SOURCES ${CMAKE_SOURCE_DIR}/src/lm/model_config.cc ${CMAKE_SOURCE_DIR}/src/lm/safetensors_header.cc
    ${CMAKE_SOURCE_DIR}/src/lm/checkpoint_dir.cc
  DEPS ilf_core fmt::fmt nlohmann_json::nlohmann_json)
