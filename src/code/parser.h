// Python source analysis on tree-sitter: the parser and tree owners every src/code function uses.
//
// Theory of operation. src/code answers questions about Python text without starting Python: is it
// syntactically valid (syntax.h), where does a model's completion end (truncate.h), which part of a
// chatty answer is the program (extract.h), which names a program defines and which of them the
// tests call (names.h), and what the top-level statements of a test file are (statements.h). Each
// question is a pure function of its input strings. Each call parses with its own Parser (a full
// CheckSyntax of an MBPP program takes about 0.1 ms), so every function here is thread-safe and
// holds no state between calls.
//
// The grammar is tree-sitter-python 0.23.6 (ABI 14), compiled into the library from third_party/;
// the runtime is Debian's libtree-sitter 0.20.7. tree-sitter always produces a tree: invalid input
// yields ERROR and MISSING nodes rather than a failure, so the analyses accept any text
// (SplitStatements alone refuses a test file that does not parse). Where tree-sitter reads valid
// Python differently from CPython (a line inside brackets dedented below its block, a space before
// a tab, a lone '\r'), the analyses parse a same-length rewrite of the text (rewrite.h), so offsets
// still index the caller's source.
#pragma once

#include <tree_sitter/api.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ilf::code {

// libtree-sitter 0.20.7 (Debian 12) corrupts its heap once a parse holds about 2^16 subtrees on its
// stack or in one run of comments (tree-sitter issue #2134, fixed in 0.20.8): `x = ` + 70,000 `(`,
// or 70,000 comment lines, crash it. A parse is therefore only ever given text whose TokenBound is
// below kMaxParseTokens; larger sources are parsed in chunks (rewrite.h, ParseAsCPythonReads).
constexpr size_t kMaxParseTokens = 30000;
// An upper bound on the tokens tree-sitter-python can produce from `text`: its non-blank bytes
// (every token but the zero-width indentation ones has one) plus 3 per line that has any.
size_t TokenBound(std::string_view text);

// A parsed Python source. Owns the TSTree and shares the source the node offsets refer to.
// Movable, not copyable. Nodes obtained from it are valid as long as the Tree lives.
class Tree {
 public:
  // Takes ownership of `tree`, which must have been parsed from `source`.
  Tree(TSTree* tree, std::shared_ptr<const std::string> source)
      : tree_(tree), source_(std::move(source)) {}
  ~Tree();
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;
  Tree(Tree&& other) noexcept;
  Tree& operator=(Tree&& other) noexcept;

  TSNode Root() const { return ts_tree_root_node(tree_); }
  const std::string& source() const { return *source_; }
  // The source bytes a node spans.
  std::string_view Text(TSNode node) const;

 private:
  TSTree* tree_;
  std::shared_ptr<const std::string> source_;
};

// A tree-sitter parser set to the Python grammar. Not copyable; not thread-safe (use one per
// thread).
class Parser {
 public:
  // Throws ilf::EnvironmentError when the runtime cannot load the grammar's ABI version.
  Parser();
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Parses bytes [begin, end) of UTF-8 Python `source`; node offsets and rows index all of
  // `source`. `begin` must be a line start. Never fails on bad input (see the theory of operation
  // above); the range's TokenBound must be below kMaxParseTokens (checked: a bug otherwise).
  Tree Parse(std::shared_ptr<const std::string> source, size_t begin, size_t end);
  // Parses all of `source`.
  Tree Parse(std::string_view source);

 private:
  TSParser* parser_;
};

// Parses `source` with a fresh Parser.
Tree ParsePython(std::string_view source);

// The grammar's tree-sitter ABI version (14 for tree-sitter-python 0.23.6).
uint32_t PythonGrammarAbiVersion();

// Tree walks. Both are iterative (a TSTreeCursor), so any nesting depth is safe, and linear in the
// number of nodes visited (indexing children with ts_node_named_child(i) is linear per call).
//
// What WalkTree does after visiting a node.
enum class Walk { kDescend, kSkipChildren, kStop };
// Visits `root` and its descendants, named and anonymous, in pre-order (source order).
void WalkTree(TSNode root, const std::function<Walk(TSNode)>& visit);
// The named children of `node`, in order.
std::vector<TSNode> NamedChildren(TSNode node);

// Node helpers. `field` names come from the grammar (e.g. "name", "function", "body").
std::string_view NodeType(TSNode node);
TSNode ChildByField(TSNode node, std::string_view field);
// 1-based line and 0-based byte column of a node's start, as tree-sitter counts them.
inline uint32_t StartLine(TSNode node) { return ts_node_start_point(node).row + 1; }

}  // namespace ilf::code
