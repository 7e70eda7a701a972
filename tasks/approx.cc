#include "tasks/approx.h"

#include <cctype>
#include <vector>

namespace ilf::tasks {
namespace {

std::string Strip(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  size_t end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

// Positions of top-level (outside brackets and strings) occurrences of `token` in `text`.
std::vector<size_t> TopLevel(const std::string& text, const std::string& token) {
  std::vector<size_t> out;
  int depth = 0;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote != 0) {
      if (c == '\\') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      --depth;
    } else if (c == '#') {
      break;
    } else if (depth == 0 && text.compare(i, token.size(), token) == 0) {
      out.push_back(i);
    }
  }
  return quote == 0 && depth == 0 ? out : std::vector<size_t>{};
}

// A Python float literal: digits with a '.' or an exponent, optional sign and parentheses.
bool IsFloatLiteral(std::string s) {
  s = Strip(s);
  while (s.size() >= 2 && s.front() == '(' && s.back() == ')') s = Strip(s.substr(1, s.size() - 2));
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s = Strip(s.substr(1));
  bool digits = false, point = false, exponent = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c)) || (c == '_' && digits)) {
      digits = true;
    } else if (c == '.' && !point && !exponent) {
      point = true;
    } else if ((c == 'e' || c == 'E') && digits && !exponent) {
      exponent = true;
      digits = false;
      if (i + 1 < s.size() && (s[i + 1] == '-' || s[i + 1] == '+')) ++i;
    } else {
      return false;
    }
  }
  return digits && (point || exponent);
}

}  // namespace

std::optional<EqualityAssert> ParseEqualityAssert(const std::string& test) {
  std::string body = Strip(test);
  if (body.compare(0, 6, "assert") != 0 || body.size() < 7 || !std::isspace(static_cast<unsigned char>(body[6]))) {
    return std::nullopt;
  }
  body = body.substr(6);
  std::vector<size_t> commas = TopLevel(body, ",");
  std::string condition = commas.empty() ? body : body.substr(0, commas.front());
  std::vector<size_t> equals = TopLevel(condition, "==");
  if (equals.size() != 1) return std::nullopt;
  EqualityAssert parts{Strip(condition.substr(0, equals[0])), Strip(condition.substr(equals[0] + 2)),
                       commas.empty() ? "" : body.substr(commas.front())};
  if (parts.left.empty() || parts.right.empty()) return std::nullopt;
  return parts;
}

std::string ApproximateFloatEquality(const std::string& test) {
  std::optional<EqualityAssert> parts = ParseEqualityAssert(test);
  if (!parts || !IsFloatLiteral(parts->right)) return test;
  return "assert " + parts->left + " == _ilf_approx(" + parts->right + ")" + parts->message;
}

const std::string& ApproxDefinition() {
  static const std::string kDefinition =
      "class _ilf_approx:\n"
      "    \"\"\"pytest.approx for one number: relative 1e-6, absolute 1e-12.\"\"\"\n"
      "    def __init__(self, expected):\n"
      "        self.expected = expected\n"
      "    def __eq__(self, actual):\n"
      "        if type(actual) not in (int, float):\n"
      "            return False\n"
      "        if actual == self.expected:\n"
      "            return True\n"
      "        return abs(actual - self.expected) <= max(1e-6 * abs(self.expected), 1e-12)\n"
      "    def __repr__(self):\n"
      "        return 'approx(%r)' % (self.expected,)\n";
  return kDefinition;
}

void ApplyApproximateFloats(sandbox::ExecRequest& request) {
  bool changed = false;
  for (std::string& test : request.tests) {
    std::string rewritten = ApproximateFloatEquality(test);
    if (rewritten != test) {
      test = std::move(rewritten);
      changed = true;
    }
  }
  if (changed) request.setup = ApproxDefinition() + request.setup;
}

}  // namespace ilf::tasks
