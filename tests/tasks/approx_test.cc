#include "tasks/approx.h"

#include <gtest/gtest.h>

namespace ilf::tasks {
namespace {

TEST(Approx, RewritesOnlyFloatLiteralEquality) {
  struct Case {
    const char* test;
    const char* expected;
  };
  const Case kCases[] = {
      {"assert area_polygon(4,20)==400.00000000000006", "assert area_polygon(4,20) == _ilf_approx(400.00000000000006)"},
      {"assert f(1) == -2.5", "assert f(1) == _ilf_approx(-2.5)"},
      {"assert f(1) == (1e-3)", "assert f(1) == _ilf_approx((1e-3))"},
      {"assert f(1) == 3.0, 'message, with comma'", "assert f(1) == _ilf_approx(3.0), 'message, with comma'"},
      {"assert f(1) == 37", "assert f(1) == 37"},                      // int literal: exact
      {"assert f('a==1.5') == 'x'", "assert f('a==1.5') == 'x'"},      // == inside a string
      {"assert f([1.5]) == [1.5]", "assert f([1.5]) == [1.5]"},        // not a single literal
      {"assert f(1) != 1.5", "assert f(1) != 1.5"},
      {"assert f(1) == 1.5 == g(2)", "assert f(1) == 1.5 == g(2)"},  // chained comparison
      {"assert math.isclose(f(1), 1.5)", "assert math.isclose(f(1), 1.5)"},
      {"check(candidate)", "check(candidate)"},
      {"assertx == 1.5", "assertx == 1.5"},
      {"assert f(1) == 1_000.5", "assert f(1) == _ilf_approx(1_000.5)"},
      {"assert f(1) == 1.5e", "assert f(1) == 1.5e"},
  };
  for (const Case& c : kCases) EXPECT_EQ(ApproximateFloatEquality(c.test), c.expected) << c.test;
}

TEST(Approx, RequestGetsDefinitionOnlyWhenATestChanged) {
  sandbox::ExecRequest request;
  request.setup = "import math\n";
  request.tests = {"assert f(1) == 'a'"};
  ApplyApproximateFloats(request);
  EXPECT_EQ(request.setup, "import math\n");
  request.tests.push_back("assert f(2) == 0.1");
  ApplyApproximateFloats(request);
  EXPECT_EQ(request.setup, ApproxDefinition() + "import math\n");
  EXPECT_EQ(request.tests[1], "assert f(2) == _ilf_approx(0.1)");
}

}  // namespace
}  // namespace ilf::tasks
