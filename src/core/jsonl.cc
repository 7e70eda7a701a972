#include "src/core/jsonl.h"

#include <cinttypes>
#include <cstdio>
#include <limits>

#include "src/core/error.h"
#include "src/core/hash.h"

namespace ilf {

const Json& JsonlRecord::Field(const std::string& key) const {
  auto it = value.find(key);
  if (it == value.end() || it->is_null()) {
    throw Error(Where() + ": missing field '" + key + "'");
  }
  return *it;
}

std::string JsonlRecord::String(const std::string& key) const {
  const Json& field = Field(key);
  if (!field.is_string()) {
    throw Error(Where() + ": field '" + key + "' must be a string, got " + field.type_name());
  }
  return field.get<std::string>();
}

int64_t JsonlRecord::Int(const std::string& key) const {
  const Json& field = Field(key);
  if (!field.is_number_integer()) {
    throw Error(Where() + ": field '" + key + "' must be an integer, got " + field.type_name());
  }
  if (field.is_number_unsigned() &&
      field.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    throw Error(Where() + ": field '" + key + "' out of range: " + field.dump());
  }
  return field.get<int64_t>();
}

double JsonlRecord::Number(const std::string& key) const {
  const Json& field = Field(key);
  if (!field.is_number()) {
    throw Error(Where() + ": field '" + key + "' must be a number, got " + field.type_name());
  }
  return field.get<double>();
}

std::vector<JsonlRecord> ParseJsonl(const std::string& text, const std::string& file) {
  std::vector<JsonlRecord> records;
  size_t start = 0;
  int line = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line;
    std::string_view row(text.data() + start, end - start);
    start = end + 1;
    if (row.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    JsonlRecord record{file, line, ParseJson(row, file + ":" + std::to_string(line))};
    if (!record.value.is_object()) {
      throw Error(record.Where() + ": expected a JSON object, got " + record.value.type_name());
    }
    records.push_back(std::move(record));
  }
  return records;
}

std::vector<JsonlRecord> ReadJsonl(const std::string& path) { return ParseJsonl(ReadFile(path), path); }

ArtifactHeader ParseArtifactHeader(const JsonlRecord& record) {
  const Json& h = record.Field("ilf_header");
  if (!h.is_object()) {
    throw Error(record.Where() + ": 'ilf_header' must be an object, got " + h.type_name());
  }
  JsonlRecord fields{record.file, record.line, h};
  ArtifactHeader header;
  header.schema = fields.String("schema");
  int64_t version = fields.Int("version");  // a huge unsigned value is not an integer here
  if (version < 1 || version > std::numeric_limits<int>::max()) {
    throw Error(record.Where() + ": 'ilf_header' version " + h["version"].dump() +
                " out of range (a positive integer)");
  }
  header.version = static_cast<int>(version);
  header.config_hash = fields.Has("config_hash") ? fields.String("config_hash") : "";
  return header;
}

Json ArtifactHeader::ToJson() const {
  return Json{{"ilf_header", {{"schema", schema}, {"version", version}, {"config_hash", config_hash}}}};
}

std::vector<JsonlRecord> ReadArtifact(const std::string& path, const std::string& schema, int version,
                                      bool header_required,
                                      std::optional<ArtifactHeader>* header_out) {
  std::vector<JsonlRecord> records = ReadJsonl(path);
  if (!records.empty() && records.front().value.contains("ilf_header")) {
    const JsonlRecord& first = records.front();
    ArtifactHeader header = ParseArtifactHeader(first);
    if (header.schema != schema) {
      throw Error(first.Where() + ": this is a '" + header.schema + "' file, expected '" + schema +
                  "' (hint: check which file you passed)");
    }
    if (header.version != version) {
      throw Error(first.Where() + ": '" + schema + "' version " + std::to_string(header.version) +
                  ", this ilf reads version " + std::to_string(version) +
                  " (hint: regenerate the file with this version of ilf)");
    }
    if (header_out != nullptr) *header_out = header;
    records.erase(records.begin());
  } else if (header_required) {
    throw Error(path + ": no ilf_header record; expected a '" + schema + "' file written by ilf");
  }
  return records;
}

JsonlWriter::JsonlWriter(const std::string& path, const std::optional<ArtifactHeader>& header)
    : file_(path) {
  if (header) Write(header->ToJson());
}

void JsonlWriter::Write(const Json& record) {
  file_.Write(record.dump(-1, ' ', false, Json::error_handler_t::replace));
  file_.Write("\n");
}

std::string HashJson(const Json& value) {
  std::string text = value.dump();  // nlohmann sorts object keys: the dump is canonical
  // This basis lacks a digit of FNV's (kFnv1aOffsetBasis); kept so existing config hashes (run
  // manifests, artifact headers) stay valid.
  uint64_t hash = Fnv1a(text, 1469598103934665603ull);
  char out[17];
  std::snprintf(out, sizeof out, "%016" PRIx64, hash);
  return out;
}

}  // namespace ilf
