#include "src/core/jsonl.h"

#include <cinttypes>
#include <cstdio>

#include "src/core/error.h"

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
    JsonlRecord record{file, line, Json()};
    try {
      record.value = Json::parse(row);
    } catch (const Json::parse_error& e) {
      std::string message = e.what();
      // nlohmann's text starts with "[json.exception.parse_error.101] parse error at line 1, column N: …"
      size_t pos = message.find("column");
      throw Error(record.Where() + ": not valid JSON (" +
                  (pos == std::string::npos ? message : message.substr(pos)) + ")");
    }
    if (!record.value.is_object()) {
      throw Error(record.Where() + ": expected a JSON object, got " + record.value.type_name());
    }
    records.push_back(std::move(record));
  }
  return records;
}

std::vector<JsonlRecord> ReadJsonl(const std::string& path) { return ParseJsonl(ReadFile(path), path); }

Json ArtifactHeader::ToJson() const {
  return Json{{"ilf_header", {{"schema", schema}, {"version", version}, {"config_hash", config_hash}}}};
}

std::vector<JsonlRecord> ReadArtifact(const std::string& path, const std::string& schema, int version,
                                      bool header_required,
                                      std::optional<ArtifactHeader>* header_out) {
  std::vector<JsonlRecord> records = ReadJsonl(path);
  if (!records.empty() && records.front().value.contains("ilf_header")) {
    const JsonlRecord& first = records.front();
    const Json& h = first.value["ilf_header"];
    ArtifactHeader header;
    header.schema = h.value("schema", "");
    header.version = h.value("version", 0);
    header.config_hash = h.value("config_hash", "");
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
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016" PRIx64, hash);
  return out;
}

}  // namespace ilf
