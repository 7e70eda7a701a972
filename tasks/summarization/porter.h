// The Porter stemmer as NLTK's PorterStemmer computes it in its default mode (NLTK_EXTENSIONS),
// which is the stemmer Google's rouge-score package applies with use_stemmer=True.
//
// Porter, M.F. (1980) "An algorithm for suffix stripping", steps 1a-5b, with NLTK's departures
// from the published algorithm: a table of irregular forms (sky/skies, dying, lying, tying, news,
// innings, outings, cannings, howe, proceed, exceed, succeed); words of one or two letters kept;
// "ies"/"ied" on four-letter words become "ie" (dies -> die); y -> i only after a consonant that is
// not the whole stem (happy -> happi, enjoy -> enjoy); "alli" -> "al" tried first in step 2; "bli"
// -> "ble" instead of "abli" -> "able"; "fulli" -> "ful" and "logi" -> "log"; and a two-letter stem
// vowel-consonant counts as *o.
#pragma once

#include <string>

namespace ilf::tasks::summarization {

// The stem of `word`, which must be lowercase ASCII letters and digits (what rouge-score's
// tokenizer hands the stemmer). Pure.
std::string PorterStem(const std::string& word);

}  // namespace ilf::tasks::summarization
