#include <gtest/gtest.h>

#include "src/lm/stop_strings.h"

namespace ilf::lm {
namespace {

TEST(StopStringsTest, CutsAtTheEarliestRule) {
  struct Case {
    std::string text;
    StopRules rules;
    std::optional<size_t> cut;
  } cases[] = {
      {"    return a + b\n", {{}, true}, std::nullopt},   // indented body goes on
      {"    return a + b\nprint(f(1))", {{}, true}, 16},  // top-level statement ends it
      {"    x = 1\n\n# test\n", {{}, true}, 10},          // blank line, then a comment
      {"    s = 1\n\"\"\"doc", {{}, true}, 9},            // a string at column 0
      {"    y\n    z\n", {{}, true}, std::nullopt},
      {"    y\n)", {{}, true}, std::nullopt},  // other characters do not stop
      {"abc[DONE]def", {{"[DONE]"}, false}, 3},
      {"a\nb[DONE]", {{"[DONE]"}, true}, 1},  // the earlier of the two
      {"a[DONE]\nb", {{"[DONE]", "a"}, true}, 0},
      {"nothing", {{"", "zzz"}, false}, std::nullopt},
  };
  for (const Case& c : cases) EXPECT_EQ(FindStop(c.text, c.rules), c.cut) << c.text;
}

}  // namespace
}  // namespace ilf::lm
