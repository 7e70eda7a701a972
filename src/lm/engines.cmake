# ilf_engines: the OpenAI-compatible protocol, the remote engine (client) and `ilf serve`'s server
# and batcher, over the torch-free LanguageModel interface (src/lm/language_model.h). HTTP from
# cpp-httplib (Debian libcpp-httplib-dev, built with OpenSSL). Included by src/lm/CMakeLists.txt
# (ilf_lm's LoadLanguageModel returns the remote engine for http(s):// models) and runner.
include_guard(GLOBAL)
include(${CMAKE_CURRENT_LIST_DIR}/tokenizer.cmake)
set(ILF_ENGINES_DIR ${CMAKE_SOURCE_DIR}/src/lm)
ilf_library(ilf_engines
  SOURCES ${ILF_ENGINES_DIR}/chat.cc ${ILF_ENGINES_DIR}/openai_client.cc
          ${ILF_ENGINES_DIR}/openai_embeddings.cc ${ILF_ENGINES_DIR}/openai_protocol.cc
          ${ILF_ENGINES_DIR}/remote_model.cc
          ${ILF_ENGINES_DIR}/request_journal.cc ${ILF_ENGINES_DIR}/serve.cc
          ${ILF_ENGINES_DIR}/serve_batcher.cc
  DEPS ilf_tokenizer ilf_core PkgConfig::HTTPLIB Threads::Threads fmt::fmt
       nlohmann_json::nlohmann_json)
