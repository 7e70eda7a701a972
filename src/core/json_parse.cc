#include "src/core/json_parse.h"

#include "src/core/atomic_file.h"
#include "src/core/error.h"

namespace ilf {
namespace {

// nlohmann's DOM builder with a depth count in front: sax_parse is a template over the handler, so
// this costs one comparison per array or object and keeps nlohmann's fast non-callback parser.
class BoundedDomParser {
 public:
  using Dom = nlohmann::detail::json_sax_dom_parser<Json>;
  BoundedDomParser(Json& result, int max_depth) : dom_(result, true), max_depth_(max_depth) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(Json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(Json::number_float_t v, const Json::string_t& s) {
    return dom_.number_float(v, s);
  }
  bool string(Json::string_t& v) { return dom_.string(v); }
  bool binary(Json::binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) { return Enter() && dom_.start_object(n); }
  bool key(Json::string_t& v) { return dom_.key(v); }
  bool end_object() { return Leave() && dom_.end_object(); }
  bool start_array(std::size_t n) { return Enter() && dom_.start_array(n); }
  bool end_array() { return Leave() && dom_.end_array(); }
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& e) {
    return dom_.parse_error(position, token, e);
  }
  bool too_deep() const { return too_deep_; }

 private:
  bool Enter() {
    if (++depth_ > max_depth_) too_deep_ = true;
    return !too_deep_;  // false stops the parser at once
  }
  bool Leave() {
    --depth_;
    return true;
  }

  Dom dom_;
  int max_depth_;
  int depth_ = 0;
  bool too_deep_ = false;
};

// "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..." →
// "line 1, column 5: syntax error ...".
std::string ShortParseMessage(const std::string& message) {
  size_t pos = message.find("at line ");
  return pos == std::string::npos ? message : message.substr(pos + 3);
}

}  // namespace

Json ParseJson(std::string_view text, const std::string& where, int max_depth) {
  Json result;
  BoundedDomParser parser(result, max_depth);
  try {
    Json::sax_parse(text.begin(), text.end(), &parser);
  } catch (const Json::exception& e) {  // the DOM builder rethrows a parse_error sliced to this
    throw Error(where + ": not valid JSON (" + ShortParseMessage(e.what()) + ")");
  }
  if (parser.too_deep()) {
    throw Error(where + ": JSON nested deeper than " + std::to_string(max_depth) +
                " levels (arrays and objects; hint: no file ilf reads needs that much)");
  }
  return result;
}

Json TryParseJson(std::string_view text, int max_depth) {
  try {
    return ParseJson(text, "", max_depth);
  } catch (const Error&) {
    return Json(Json::value_t::discarded);
  }
}

Json ReadJsonFile(const std::string& path, int max_depth) {
  return ParseJson(ReadFile(path), path, max_depth);
}

}  // namespace ilf
