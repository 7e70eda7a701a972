#include "src/code/parser.h"

#include <algorithm>

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
  ILF_CHECK(start <= end && end <= source_->size(), "node outside its source");
  return std::string_view(*source_).substr(start, end - start);
}

size_t TokenBound(std::string_view text) {
  size_t bound = 0;
  bool line_has_token = false;
  for (char c : text) {
    if (c == '\n') {
      if (line_has_token) bound += 3;
      line_has_token = false;
    } else if (c != ' ' && c != '\t' && c != '\f' && c != '\r') {
      ++bound;
      line_has_token = true;
    }
  }
  return bound + (line_has_token ? 3 : 0);
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

Tree Parser::Parse(std::shared_ptr<const std::string> source, size_t begin, size_t end) {
  ILF_CHECK(source != nullptr && begin <= end && end <= source->size(), "bad parse range");
  ILF_CHECK(begin == 0 || (*source)[begin - 1] == '\n', "a parse range starts at a line start");
  std::string_view range = std::string_view(*source).substr(begin, end - begin);
  ILF_CHECK(TokenBound(range) < kMaxParseTokens, "range too large for libtree-sitter 0.20.7");
  // Tree-sitter offsets are uint32_t; programs this large are input errors, not bugs.
  if (source->size() > 0x7fffffffu) {
    throw Error(fmt::format("Python source of {} bytes is too large to parse (limit 2 GiB)",
                            source->size()));
  }
  uint32_t row = static_cast<uint32_t>(std::count(source->begin(), source->begin() + begin, '\n'));
  uint32_t end_row = row + static_cast<uint32_t>(std::count(range.begin(), range.end(), '\n'));
  size_t last_break = range.rfind('\n');
  uint32_t end_column = static_cast<uint32_t>(
      last_break == std::string_view::npos ? range.size() : range.size() - last_break - 1);
  TSRange included{
      {row, 0}, {end_row, end_column}, static_cast<uint32_t>(begin), static_cast<uint32_t>(end)};
  bool ranges_set = ts_parser_set_included_ranges(parser_, &included, 1);
  ILF_CHECK(ranges_set, "ts_parser_set_included_ranges refused one ordered range");
  TSTree* tree = ts_parser_parse_string(parser_, nullptr, source->data(),
                                        static_cast<uint32_t>(source->size()));
  // NULL only when no language is set or parsing was cancelled; neither happens here.
  ILF_CHECK(tree != nullptr, "ts_parser_parse_string returned no tree");
  return Tree(tree, std::move(source));
}

Tree Parser::Parse(std::string_view source) {
  auto shared = std::make_shared<const std::string>(source);
  size_t size = shared->size();
  return Parse(std::move(shared), 0, size);
}

Tree ParsePython(std::string_view source) {
  Parser parser;
  return parser.Parse(source);
}

namespace {

// Owns a TSTreeCursor.
class Cursor {
 public:
  explicit Cursor(TSNode node) : cursor_(ts_tree_cursor_new(node)) {}
  ~Cursor() { ts_tree_cursor_delete(&cursor_); }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  TSTreeCursor* get() { return &cursor_; }

 private:
  TSTreeCursor cursor_;
};

}  // namespace

void WalkTree(TSNode root, const std::function<Walk(TSNode)>& visit) {
  Cursor cursor(root);
  TSTreeCursor* c = cursor.get();
  for (;;) {
    Walk walk = visit(ts_tree_cursor_current_node(c));
    if (walk == Walk::kStop) return;
    if (walk == Walk::kDescend && ts_tree_cursor_goto_first_child(c)) continue;
    // Next sibling of this node or of its nearest ancestor below `root`.
    while (!ts_tree_cursor_goto_next_sibling(c)) {
      if (!ts_tree_cursor_goto_parent(c)) return;  // back at `root`: done
    }
  }
}

std::vector<TSNode> NamedChildren(TSNode node) {
  std::vector<TSNode> children;
  Cursor cursor(node);
  TSTreeCursor* c = cursor.get();
  if (!ts_tree_cursor_goto_first_child(c)) return children;
  do {
    TSNode child = ts_tree_cursor_current_node(c);
    if (ts_node_is_named(child)) children.push_back(child);
  } while (ts_tree_cursor_goto_next_sibling(c));
  return children;
}

std::string_view NodeType(TSNode node) { return ts_node_type(node); }

TSNode ChildByField(TSNode node, std::string_view field) {
  return ts_node_child_by_field_name(node, field.data(), static_cast<uint32_t>(field.size()));
}

}  // namespace ilf::code
