#include "tasks/summarization/rouge.h"

#include <algorithm>

#include "tasks/summarization/porter.h"

namespace ilf::tasks::summarization {

std::vector<std::string> RougeTokens(const std::string& text, bool use_stemmer) {
  std::vector<std::string> tokens;
  std::string token;
  auto flush = [&] {
    if (token.empty()) return;
    tokens.push_back(use_stemmer && token.size() > 3 ? PorterStem(token) : token);
    token.clear();
  };
  for (char raw : text) {
    char c = raw >= 'A' && raw <= 'Z' ? static_cast<char>(raw - 'A' + 'a') : raw;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      token += c;
    } else {
      flush();
    }
  }
  flush();
  return tokens;
}

size_t LcsLength(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<size_t> previous(b.size() + 1, 0), current(b.size() + 1, 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      current[j] =
          a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : std::max(previous[j], current[j - 1]);
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

RougeScore RougeL(const std::string& target, const std::string& prediction, bool use_stemmer) {
  std::vector<std::string> t = RougeTokens(target, use_stemmer);
  std::vector<std::string> p = RougeTokens(prediction, use_stemmer);
  if (t.empty() || p.empty()) return {};
  const double lcs = static_cast<double>(LcsLength(t, p));
  RougeScore score;
  score.precision = lcs / p.size();
  score.recall = lcs / t.size();
  double sum = score.precision + score.recall;
  score.fmeasure = sum > 0 ? 2 * score.precision * score.recall / sum : 0.0;
  return score;
}

}  // namespace ilf::tasks::summarization
