#include "src/code/parser.h"

#include <fmt/format.h>

#include "src/core/error.h"

extern "C" const TSLanguage* tree_sitter_python();

namespace ilf::code {

Tree::~Tree() {
  if (tree_ != nullptr) ts_tree_delete(tree_);
}

Tree::Tree(Tree&& other) noexcept : tree_(other.tree_), source_(std::move(other.source_)) {
  other.tree_ = nullptr;
}

Tree& Tree::operator=(Tree&& other) noexcept {
  if (this != &other) {
    if (tree_ != nullptr) ts_tree_delete(tree_);
    tree_ = other.tree_;
    source_ = std::move(other.source_);
    other.tree_ = nullptr;
  }
  return *this;
}

std::string_view Tree::Text(TSNode node) const {
  uint32_t start = ts_node_start_byte(node);
  uint32_t end = ts_node_end_byte(node);
  ILF_CHECK(start <= end && end <= source_.size(), "node outside its source");
  return std::string_view(source_).substr(start, end - start);
}

uint32_t PythonGrammarAbiVersion() { return ts_language_version(tree_sitter_python()); }

Parser::Parser() : parser_(ts_parser_new()) {
  ILF_CHECK(parser_ != nullptr, "ts_parser_new failed");
  if (!ts_parser_set_language(parser_, tree_sitter_python())) {
    uint32_t abi = PythonGrammarAbiVersion();
    ts_parser_delete(parser_);
    throw EnvironmentError(fmt::format(
        "tree-sitter runtime cannot load the Python grammar: grammar ABI {}, runtime accepts "
        "{}..{}; "
        "hint: rebuild against Debian's libtree-sitter-dev 0.20.7 and tree-sitter-python@0.23.6 "
        "as fetched by scripts/setup.sh",
        abi, TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION, TREE_SITTER_LANGUAGE_VERSION));
  }
}

Parser::~Parser() { ts_parser_delete(parser_); }

Tree Parser::Parse(std::string_view source) {
  std::string copy(source);
  // Tree-sitter offsets are uint32_t; programs this large are input errors, not bugs.
  if (copy.size() > 0x7fffffffu) {
    throw Error(
        fmt::format("Python source of {} bytes is too large to parse (limit 2 GiB)", copy.size()));
  }
  TSTree* tree =
      ts_parser_parse_string(parser_, nullptr, copy.data(), static_cast<uint32_t>(copy.size()));
  // NULL only when no language is set or parsing was cancelled; neither happens here.
  ILF_CHECK(tree != nullptr, "ts_parser_parse_string returned no tree");
  return Tree(tree, std::move(copy));
}

Tree ParsePython(std::string_view source) {
  Parser parser;
  return parser.Parse(source);
}

std::string_view NodeType(TSNode node) { return ts_node_type(node); }

TSNode ChildByField(TSNode node, std::string_view field) {
  return ts_node_child_by_field_name(node, field.data(), static_cast<uint32_t>(field.size()));
}

}  // namespace ilf::code
