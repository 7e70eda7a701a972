// Reading Hugging Face's tokenizer.json (the `tokenizers` library's file) into the parts of a
// byte-level BPE tokenizer. Internal to the tokenizer (tokenizer_load.cc).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "src/lm/tokenizer_added.h"
#include "src/lm/tokenizer_bpe.h"

namespace ilf::lm {

// The parts of a tokenizer before they become a Tokenizer.
struct TokenizerParts {
  nlohmann::json vocab;                     // token -> id, byte-level spelling
  std::vector<BpeModel::MergeRule> merges;  // in rank order
  std::string vocab_where, merges_where;    // names for errors
  bool ignore_merges = false;               // emit a word whole when it is a vocabulary token
  std::vector<std::string> patterns;        // pre-tokenizer regexes, applied in order
  bool nfc = false;                         // NFC-normalize text before pre-tokenizing
  std::vector<AddedToken> added;            // added tokens, in file order
};

// One added token from its JSON ({"content": ..., "special": ..., "lstrip": ...}); throws
// ilf::Error naming `where` when content is missing.
AddedToken ParseAddedToken(const nlohmann::json& json, int32_t id, const std::string& where);

// Fills `parts` from tokenizer.json at `path`. Supported: a BPE model (vocab, merges as "a b"
// strings or [a, b] pairs, ignore_merges) with the ByteLevel pre-tokenizer alone or in a Sequence
// with Split (Regex or String, behavior Isolated) and Digits pre-tokenizers; normalizer null or NFC
// (alone or in a Sequence). Anything else (SentencePiece-style Metaspace, prefix spaces, other
// normalizers) throws ilf::Error naming the file and the setting, since silently ignoring it would
// give wrong ids.
void ReadTokenizerJson(const nlohmann::json& json, const std::string& path, TokenizerParts* parts);

}  // namespace ilf::lm
