// ROUGE-L (Lin 2004) as Google's rouge-score package computes "rougeL": the longest common
// subsequence of two token sequences, precision = LCS / prediction tokens, recall = LCS / target
// tokens, F = 2PR / (P + R); all three 0 when either side has no token.
//
// Tokenisation is rouge-score's DefaultTokenizer: lowercase, every run of characters other than
// [a-z0-9] is a separator, and (use_stemmer) tokens longer than three characters are replaced by
// their Porter stem (porter.h). Non-ASCII characters are separators, as in rouge-score (whose
// str.lower() maps a few, e.g. the Kelvin sign, to ASCII letters first; those few differ here).
#pragma once

#include <string>
#include <vector>

namespace ilf::tasks::summarization {

struct RougeScore {
  double precision = 0;  // LCS / prediction tokens
  double recall = 0;     // LCS / target tokens
  double fmeasure = 0;   // 2PR / (P + R), 0 when P + R = 0
};

// rouge-score's tokens of `text`.
std::vector<std::string> RougeTokens(const std::string& text, bool use_stemmer);

// Length of the longest common subsequence.
size_t LcsLength(const std::vector<std::string>& a, const std::vector<std::string>& b);

// rouge_scorer.RougeScorer(["rougeL"], use_stemmer).score(target, prediction)["rougeL"].
RougeScore RougeL(const std::string& target, const std::string& prediction, bool use_stemmer);

}  // namespace ilf::tasks::summarization
