// Bounded JSON parsing: every reader of outside JSON parses through ParseJson.
//
// nlohmann parses and destroys values without recursion, but copying, comparing, dump() and the
// readers' own walks recurse once per nesting level: a 200,000-deep `[[[...]]]` parses and then
// overflows the stack (SIGSEGV) in whatever touches it next. ParseJson refuses nesting past a limit
// while parsing, so nothing that deep is ever built, and reports it (and any syntax error) as an
// ilf::Error naming where the text came from. Thread-safe (no shared state).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace ilf {

using Json = nlohmann::json;

// Deepest nesting of arrays and objects ParseJson accepts. Every format ilf reads needs under 16
// (tokenizer.json's Sequence normalizers and pre-tokenizers are the deepest at about 8); 128 leaves
// room for hand-written nesting and keeps recursive code far from the stack's end.
inline constexpr int kMaxJsonDepth = 128;

// Parses `text` as exactly one JSON value (whitespace around it allowed). `where` names the source
// in errors: "file", "file:line" or "file: header". Throws ilf::Error
//   "WHERE: not valid JSON (line L, column C: ...)" or
//   "WHERE: JSON nested deeper than 128 levels (...)".
Json ParseJson(std::string_view text, const std::string& where, int max_depth = kMaxJsonDepth);

// ParseJson for lines a reader skips or refuses as a whole when malformed (a torn journal line,
// a program's output line): the value, or a discarded one (is_discarded()) for any syntax error or
// nesting past `max_depth`, like nlohmann::json::parse(text, nullptr, false) but bounded.
Json TryParseJson(std::string_view text, int max_depth = kMaxJsonDepth);

// Reads `path` with ReadFile (".gz" decompressed) and parses it with ParseJson; errors name the
// path.
Json ReadJsonFile(const std::string& path, int max_depth = kMaxJsonDepth);

}  // namespace ilf
