// The Porter stemmer: the published algorithm's own examples (Porter 1980) and NLTK's departures.
#include "tasks/summarization/porter.h"

#include <gtest/gtest.h>

namespace ilf::tasks::summarization {
namespace {

struct Case {
  const char* word;
  const char* stem;
};

// Porter (1980)'s examples, step by step, where NLTK keeps the published result.
TEST(PorterStem, PublishedExamples) {
  const Case cases[] = {// Step 1a
                        {"caresses", "caress"},
                        {"ponies", "poni"},
                        {"caress", "caress"},
                        {"cats", "cat"},
                        // Step 1b
                        {"feed", "feed"},
                        {"agreed", "agre"},
                        {"plastered", "plaster"},
                        {"bled", "bled"},
                        {"motoring", "motor"},
                        {"sing", "sing"},
                        {"conflated", "conflat"},
                        {"troubled", "troubl"},
                        {"sized", "size"},
                        {"hopping", "hop"},
                        {"tanned", "tan"},
                        {"falling", "fall"},
                        {"hissing", "hiss"},
                        {"fizzed", "fizz"},
                        {"failing", "fail"},
                        {"filing", "file"},
                        // Step 1c
                        {"happy", "happi"},
                        // Steps 2-4 (the stem after all steps)
                        {"relational", "relat"},
                        {"conditional", "condit"},
                        {"rational", "ration"},
                        {"digitizer", "digit"},
                        {"vietnamization", "vietnam"},
                        {"operator", "oper"},
                        {"decisiveness", "decis"},
                        {"hopefulness", "hope"},
                        {"callousness", "callous"},
                        {"sensitiviti", "sensit"},
                        {"triplicate", "triplic"},
                        {"formative", "form"},
                        {"electrical", "electr"},
                        {"goodness", "good"},
                        {"revival", "reviv"},
                        {"allowance", "allow"},
                        {"inference", "infer"},
                        {"airliner", "airlin"},
                        {"adjustable", "adjust"},
                        {"defensible", "defens"},
                        {"replacement", "replac"},
                        {"adjustment", "adjust"},
                        {"dependent", "depend"},
                        {"adoption", "adopt"},
                        {"communism", "commun"},
                        {"activate", "activ"},
                        {"effective", "effect"},
                        // Step 5
                        {"probate", "probat"},
                        {"rate", "rate"},
                        {"cease", "ceas"},
                        {"controll", "control"},
                        {"roll", "roll"}};
  for (const Case& c : cases) EXPECT_EQ(PorterStem(c.word), c.stem) << c.word;
}

// Where NLTK's default mode departs from the published algorithm (rouge-score uses it).
TEST(PorterStem, NltkExtensions) {
  const Case cases[] = {{"ties", "tie"},
                        {"dies", "die"},
                        {"died", "die"},
                        {"spied", "spi"},
                        {"flies", "fli"},
                        {"dying", "die"},
                        {"lying", "lie"},
                        {"skies", "sky"},
                        {"sky", "sky"},
                        {"news", "news"},
                        {"innings", "inning"},
                        {"enjoy", "enjoy"},
                        {"generously", "gener"},
                        {"fully", "fulli"},
                        {"geology", "geolog"},
                        {"archaeology", "archaeolog"},
                        {"radically", "radic"},
                        {"proceed", "proceed"},
                        {"exceeded", "exceed"},
                        {"as", "as"},
                        {"is", "is"}};
  for (const Case& c : cases) EXPECT_EQ(PorterStem(c.word), c.stem) << c.word;
}

}  // namespace
}  // namespace ilf::tasks::summarization
