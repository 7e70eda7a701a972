// Byte-level BPE spelling and UTF-8 helpers.
//
// Byte-level BPE vocabularies (GPT-2, Qwen2, Llama-3, ...) spell every raw byte as one printable
// code point (GPT-2's `bytes_to_unicode`: printable Latin-1 bytes stand for themselves, the other
// 68 map to U+0100..U+0143, so a space is "Ġ" and a newline "Ċ"). The tokenizer converts each
// vocabulary entry to its raw bytes once at load time and works on raw bytes afterwards. All
// functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ilf::lm {

// The vocabulary spelling of one raw byte: one code point, UTF-8 encoded ("Ġ" for 0x20).
const std::string& ByteToVocabChars(uint8_t byte);

// Raw bytes of a vocabulary token spelled with ByteToVocabChars; nullopt when the token holds a
// code point that is not one of the 256 byte spellings (e.g. a token that is not byte-level).
std::optional<std::string> VocabTokenToBytes(std::string_view token);

// Byte offset of the first invalid UTF-8 sequence in `text` (overlong forms, surrogates and code
// points past U+10FFFF count as invalid), or nullopt when all of it is valid.
std::optional<size_t> FindInvalidUtf8(std::string_view text);

// `bytes` as valid UTF-8: each maximal invalid subsequence becomes U+FFFD, exactly as Rust's
// String::from_utf8_lossy (which Hugging Face tokenizers' byte-level decoder uses) does it.
std::string RepairUtf8(std::string_view bytes);

}  // namespace ilf::lm
