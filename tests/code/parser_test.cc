#include "src/code/parser.h"

#include <gtest/gtest.h>

#include <utility>

namespace ilf::code {
namespace {

TEST(Parser, GrammarAbiIsOneTheRuntimeLoads) {
  EXPECT_EQ(PythonGrammarAbiVersion(), 14u);
  EXPECT_GE(PythonGrammarAbiVersion(),
            static_cast<uint32_t>(TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION));
  EXPECT_LE(PythonGrammarAbiVersion(), static_cast<uint32_t>(TREE_SITTER_LANGUAGE_VERSION));
}

TEST(Parser, ParsesAndQuotesNodes) {
  Parser parser;
  Tree tree = parser.Parse("def f(x):\n    return x\n");
  TSNode root = tree.Root();
  EXPECT_EQ(NodeType(root), "module");
  TSNode function = ts_node_named_child(root, 0);
  EXPECT_EQ(NodeType(function), "function_definition");
  EXPECT_EQ(tree.Text(ChildByField(function, "name")), "f");
  EXPECT_EQ(StartLine(ChildByField(function, "body")), 2u);
  // One parser serves many parses.
  Tree second = parser.Parse("x = 1\n");
  EXPECT_EQ(second.Text(second.Root()), "x = 1\n");
}

TEST(Parser, TreesMoveAndOwnTheirSource) {
  std::string source = "y = 2\n";
  Tree tree = ParsePython(source);
  source.assign("something else entirely");
  Tree moved = std::move(tree);
  EXPECT_EQ(moved.Text(moved.Root()), "y = 2\n");
  Tree assigned = ParsePython("z = 3\n");
  assigned = std::move(moved);
  EXPECT_EQ(assigned.Text(ts_node_named_child(assigned.Root(), 0)), "y = 2");
}

TEST(Parser, InvalidInputStillGivesATree) {
  Tree tree = ParsePython("def (:\n\x01\xff");
  EXPECT_TRUE(ts_node_has_error(tree.Root()));
}

}  // namespace
}  // namespace ilf::code
