// Approximate comparison of float expected values in assert tests (DESIGN.md §1, Chen et al.'s
// evaluation wraps them in pytest.approx): `assert f(x) == 400.00000000000006` becomes
// `assert f(x) == _ilf_approx(400.00000000000006)`, which accepts a relative error of 1e-6 (absolute
// 1e-12 near zero), like pytest.approx's defaults. Only a top-level `==` whose right-hand side is a
// single float literal (optionally signed or parenthesised) is rewritten; every other test is kept
// byte for byte. Pure functions.
#pragma once

#include <optional>
#include <string>

#include "tasks/task.h"

namespace ilf::tasks {

// The parts of `assert LEFT == RIGHT[, MESSAGE]` (one top-level `==`, outside strings and
// brackets), stripped; nullopt for any other test. `message` keeps its leading comma ("" if none).
struct EqualityAssert {
  std::string left;
  std::string right;
  std::string message;
};
std::optional<EqualityAssert> ParseEqualityAssert(const std::string& test);

// The rewritten test, or `test` unchanged when it is not `assert EXPR == FLOAT_LITERAL[, message]`.
std::string ApproximateFloatEquality(const std::string& test);

// Python source defining _ilf_approx (runs in the trusted evaluator as part of the setup).
const std::string& ApproxDefinition();

// Rewrites every test of `request`; when one changed, prepends ApproxDefinition() to its setup.
void ApplyApproximateFloats(sandbox::ExecRequest& request);

}  // namespace ilf::tasks
