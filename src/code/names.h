// Names a Python program defines at top level, names its tests call, and the entry point.
//
// "Top level" is the module's own statements and the bodies of top-level compound statements (`if`,
// `try`/`except`/`else`/`finally`, `with`, `for`, `while`, `match`), which bind module names too;
// the bodies of functions and classes are not top level. The functions parse with tree-sitter and
// accept any text: parts that do not parse, and a single top-level statement too large to parse
// safely (parser.h, kMaxParseTokens), contribute nothing. Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ilf::code {

// Each list is in order of first definition, without duplicates.
struct TopLevelNames {
  std::vector<std::string> functions;  // `def` and `async def`, decorated or not
  std::vector<std::string> classes;    // `class`
  std::vector<std::string> variables;  // assignment targets: `a = b = 1`, `x, (y, *z) = ...`,
                                       // `n += 1`, `t: int = 0` (not `t: int`, which binds nothing)
  std::vector<std::string> imports;    // bound by imports: `import a.b` -> a, `import a as b` -> b,
                                       // `from m import x as y` -> y (not `*`, not __future__)

  // Whether any of the lists holds `name`.
  bool Defines(std::string_view name) const;
};

TopLevelNames FindTopLevelNames(std::string_view source);

// Names called as plain functions (`f(...)`, not `obj.f(...)`) anywhere in `source`, in order of
// first call, without duplicates. For MBPP tests `assert remove_Occ("hello","l") == "heo"` this is
// {"remove_Occ"}.
std::vector<std::string> CalledNames(std::string_view source);

// The top-level functions of `program` that `tests` call, in the order the tests first call them.
std::vector<std::string> FunctionsCalledByTests(std::string_view program, std::string_view tests);

// The name the tests use to reach the program: the first function of FunctionsCalledByTests, else
// the first other top-level name of `program` (a class, `f = lambda ...`, an import alias) that the
// tests call; nullopt when the tests call nothing the program defines.
std::optional<std::string> FindEntryPoint(std::string_view program, std::string_view tests);

}  // namespace ilf::code
