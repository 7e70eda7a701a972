#include "tasks/summarization/porter.h"

#include <functional>
#include <map>
#include <vector>

namespace ilf::tasks::summarization {
namespace {

bool EndsWith(const std::string& word, const std::string& suffix) {
  return word.size() >= suffix.size() &&
         word.compare(word.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Chop(const std::string& word, size_t n) { return word.substr(0, word.size() - n); }

bool IsConsonant(const std::string& word, size_t i) {
  switch (word[i]) {
    case 'a':
    case 'e':
    case 'i':
    case 'o':
    case 'u':
      return false;
    case 'y':
      return i == 0 || !IsConsonant(word, i - 1);
    default:
      return true;
  }
}

// m in [C](VC)^m[V]: the number of vowel-consonant transitions.
int Measure(const std::string& stem) {
  int m = 0;
  for (size_t i = 1; i < stem.size(); ++i) {
    if (!IsConsonant(stem, i - 1) && IsConsonant(stem, i)) ++m;
  }
  return m;
}

bool ContainsVowel(const std::string& stem) {
  for (size_t i = 0; i < stem.size(); ++i) {
    if (!IsConsonant(stem, i)) return true;
  }
  return false;
}

bool EndsDoubleConsonant(const std::string& word) {
  size_t n = word.size();
  return n >= 2 && word[n - 1] == word[n - 2] && IsConsonant(word, n - 1);
}

// *o: consonant-vowel-consonant, the last not w, x or y (NLTK: also a two-letter vowel-consonant).
bool EndsCvc(const std::string& word) {
  size_t n = word.size();
  if (n >= 3 && IsConsonant(word, n - 3) && !IsConsonant(word, n - 2) && IsConsonant(word, n - 1) &&
      word[n - 1] != 'w' && word[n - 1] != 'x' && word[n - 1] != 'y') {
    return true;
  }
  return n == 2 && !IsConsonant(word, 0) && IsConsonant(word, 1);
}

bool PositiveMeasure(const std::string& stem) { return Measure(stem) > 0; }
bool MeasureAboveOne(const std::string& stem) { return Measure(stem) > 1; }

struct Rule {
  std::string suffix;  // "*d": ends in a double consonant
  std::string replacement;
  std::function<bool(const std::string& stem)> condition;  // null: always
};

// The first rule whose suffix matches decides: it applies if its condition holds, else the word
// stays as it is (no later rule is tried).
std::string ApplyRules(const std::string& word, const std::vector<Rule>& rules) {
  for (const Rule& rule : rules) {
    if (rule.suffix == "*d" && EndsDoubleConsonant(word)) {
      std::string stem = Chop(word, 2);
      return !rule.condition || rule.condition(stem) ? stem + rule.replacement : word;
    }
    if (EndsWith(word, rule.suffix)) {
      std::string stem = Chop(word, rule.suffix.size());
      return !rule.condition || rule.condition(stem) ? stem + rule.replacement : word;
    }
  }
  return word;
}

std::string Step1a(const std::string& word) {
  if (EndsWith(word, "ies") && word.size() == 4) return Chop(word, 3) + "ie";
  return ApplyRules(
      word,
      {{"sses", "ss", nullptr}, {"ies", "i", nullptr}, {"ss", "ss", nullptr}, {"s", "", nullptr}});
}

std::string Step1b(const std::string& word) {
  if (EndsWith(word, "ied")) return Chop(word, 3) + (word.size() == 4 ? "ie" : "i");
  if (EndsWith(word, "eed")) {
    std::string stem = Chop(word, 3);
    return Measure(stem) > 0 ? stem + "ee" : word;
  }
  std::string stem;
  bool removed = false;
  for (const char* suffix : {"ed", "ing"}) {
    if (EndsWith(word, suffix)) {
      stem = Chop(word, std::string(suffix).size());
      if (ContainsVowel(stem)) {
        removed = true;
        break;
      }
    }
  }
  if (!removed) return word;
  const char last = stem.back();
  return ApplyRules(
      stem, {{"at", "ate", nullptr},
             {"bl", "ble", nullptr},
             {"iz", "ize", nullptr},
             {"*d", std::string(1, last),
              [last](const std::string&) { return last != 'l' && last != 's' && last != 'z'; }},
             {"", "e", [](const std::string& s) { return Measure(s) == 1 && EndsCvc(s); }}});
}

std::string Step1c(const std::string& word) {
  return ApplyRules(word, {{"y", "i", [](const std::string& stem) {
                              return stem.size() > 1 && IsConsonant(stem, stem.size() - 1);
                            }}});
}

std::string Step2(const std::string& word) {
  if (EndsWith(word, "alli") && PositiveMeasure(Chop(word, 4))) {
    return Step2(Chop(word, 4) + "al");
  }
  // "logi" -> "log" keeps the 'l' with the stem when measuring (geo-logi, theo-logi).
  std::string with_l = word.size() >= 3 ? Chop(word, 3) : "";
  return ApplyRules(
      word, {{"ational", "ate", PositiveMeasure},
             {"tional", "tion", PositiveMeasure},
             {"enci", "ence", PositiveMeasure},
             {"anci", "ance", PositiveMeasure},
             {"izer", "ize", PositiveMeasure},
             {"bli", "ble", PositiveMeasure},
             {"alli", "al", PositiveMeasure},
             {"entli", "ent", PositiveMeasure},
             {"eli", "e", PositiveMeasure},
             {"ousli", "ous", PositiveMeasure},
             {"ization", "ize", PositiveMeasure},
             {"ation", "ate", PositiveMeasure},
             {"ator", "ate", PositiveMeasure},
             {"alism", "al", PositiveMeasure},
             {"iveness", "ive", PositiveMeasure},
             {"fulness", "ful", PositiveMeasure},
             {"ousness", "ous", PositiveMeasure},
             {"aliti", "al", PositiveMeasure},
             {"iviti", "ive", PositiveMeasure},
             {"biliti", "ble", PositiveMeasure},
             {"fulli", "ful", PositiveMeasure},
             {"logi", "log", [with_l](const std::string&) { return PositiveMeasure(with_l); }}});
}

std::string Step3(const std::string& word) {
  return ApplyRules(word, {{"icate", "ic", PositiveMeasure},
                           {"ative", "", PositiveMeasure},
                           {"alize", "al", PositiveMeasure},
                           {"iciti", "ic", PositiveMeasure},
                           {"ical", "ic", PositiveMeasure},
                           {"ful", "", PositiveMeasure},
                           {"ness", "", PositiveMeasure}});
}

std::string Step4(const std::string& word) {
  auto ion = [](const std::string& stem) {
    return Measure(stem) > 1 && (stem.back() == 's' || stem.back() == 't');
  };
  return ApplyRules(word, {{"al", "", MeasureAboveOne},
                           {"ance", "", MeasureAboveOne},
                           {"ence", "", MeasureAboveOne},
                           {"er", "", MeasureAboveOne},
                           {"ic", "", MeasureAboveOne},
                           {"able", "", MeasureAboveOne},
                           {"ible", "", MeasureAboveOne},
                           {"ant", "", MeasureAboveOne},
                           {"ement", "", MeasureAboveOne},
                           {"ment", "", MeasureAboveOne},
                           {"ent", "", MeasureAboveOne},
                           {"ion", "", ion},
                           {"ou", "", MeasureAboveOne},
                           {"ism", "", MeasureAboveOne},
                           {"ate", "", MeasureAboveOne},
                           {"iti", "", MeasureAboveOne},
                           {"ous", "", MeasureAboveOne},
                           {"ive", "", MeasureAboveOne},
                           {"ize", "", MeasureAboveOne}});
}

std::string Step5a(const std::string& word) {
  if (!EndsWith(word, "e")) return word;
  std::string stem = Chop(word, 1);
  int m = Measure(stem);
  return m > 1 || (m == 1 && !EndsCvc(stem)) ? stem : word;
}

std::string Step5b(const std::string& word) {
  std::string without_last = word.empty() ? "" : Chop(word, 1);
  return ApplyRules(
      word,
      {{"ll", "l", [without_last](const std::string&) { return Measure(without_last) > 1; }}});
}

}  // namespace

std::string PorterStem(const std::string& word) {
  static const std::map<std::string, std::string> kIrregular = {
      {"sky", "sky"},        {"skies", "sky"},        {"dying", "die"},
      {"lying", "lie"},      {"tying", "tie"},        {"news", "news"},
      {"innings", "inning"}, {"inning", "inning"},    {"outings", "outing"},
      {"outing", "outing"},  {"cannings", "canning"}, {"canning", "canning"},
      {"howe", "howe"},      {"proceed", "proceed"},  {"exceed", "exceed"},
      {"succeed", "succeed"}};
  auto irregular = kIrregular.find(word);
  if (irregular != kIrregular.end()) return irregular->second;
  if (word.size() <= 2) return word;
  return Step5b(Step5a(Step4(Step3(Step2(Step1c(Step1b(Step1a(word))))))));
}

}  // namespace ilf::tasks::summarization
