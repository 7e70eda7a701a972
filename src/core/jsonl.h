// JSONL artifacts: reading with file:line errors, versioned headers, atomic writing.
//
// Every artifact ilf writes (results, feedback, pairs, run manifests) starts with a header record
//   {"ilf_header": {"schema": "ilf.results", "version": 1, "config_hash": "…"}}
// and readers refuse a schema or version mismatch with a hint. Interchange files read from other tools
// (samples in the human-eval/EvalPlus format, task suites) may lack the header; ReadArtifact accepts that.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/core/atomic_file.h"
#include "src/core/json_parse.h"

namespace ilf {

struct JsonlRecord {
  std::string file;  // path the record came from
  int line = 0;      // 1-based line number
  Json value;        // always a JSON object

  // "file:line", for error messages.
  std::string Where() const { return file + ":" + std::to_string(line); }
  // Typed field access; a missing field or wrong type throws ilf::Error naming file:line and field.
  const Json& Field(const std::string& key) const;
  std::string String(const std::string& key) const;
  int64_t Int(const std::string& key) const;
  double Number(const std::string& key) const;
  bool Has(const std::string& key) const { return value.contains(key) && !value[key].is_null(); }
};

// Parses JSONL text (blank lines skipped; each line must be a JSON object, parsed with ParseJson so
// its nesting is bounded). `file` names it in errors.
std::vector<JsonlRecord> ParseJsonl(const std::string& text, const std::string& file);
// Reads a JSONL file (".gz" decompressed). Throws ilf::Error "file:line: …" on the first bad line.
std::vector<JsonlRecord> ReadJsonl(const std::string& path);

struct ArtifactHeader {
  std::string schema;       // e.g. "ilf.results"
  int version = 1;          // bumped when a field changes meaning
  std::string config_hash;  // hash of the config that produced it ("" when none)
  Json ToJson() const;
};

// The header of `record` (which has an "ilf_header" field): "schema" a string, "version" an integer
// in [1, INT_MAX], optional "config_hash" a string. Throws ilf::Error naming file:line otherwise.
ArtifactHeader ParseArtifactHeader(const JsonlRecord& record);

// Reads a JSONL artifact. A leading header record is checked against (schema, version) and removed;
// with `header_required` a file without one is refused. `header_out` receives the header if present.
std::vector<JsonlRecord> ReadArtifact(const std::string& path, const std::string& schema, int version,
                                      bool header_required = false,
                                      std::optional<ArtifactHeader>* header_out = nullptr);

// Writes JSONL records atomically: nothing appears under `path` until Commit().
class JsonlWriter {
 public:
  explicit JsonlWriter(const std::string& path, const std::optional<ArtifactHeader>& header = {});
  void Write(const Json& record);
  void Commit() { file_.Commit(); }
  const std::string& path() const { return file_.path(); }

 private:
  AtomicFile file_;
};

// A stable short hash (16 hex digits, FNV-1a 64) of a JSON value's canonical dump.
std::string HashJson(const Json& value);

}  // namespace ilf
