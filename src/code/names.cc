#include "src/code/names.h"

#include <algorithm>

#include "src/code/parser.h"
#include "src/code/rewrite.h"

namespace ilf::code {
namespace {

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

void AddUnique(std::vector<std::string>* names, std::string_view name) {
  if (name.empty()) return;
  if (std::find(names->begin(), names->end(), name) == names->end()) names->emplace_back(name);
}

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Collects top-level definitions from the statements of a module or a top-level block.
class Collector {
 public:
  explicit Collector(const Tree& tree) : tree_(tree) {}

  void Statements(TSNode parent) {
    uint32_t count = ts_node_named_child_count(parent);
    for (uint32_t i = 0; i < count; ++i) Statement(ts_node_named_child(parent, i));
  }

  TopLevelNames names;

 private:
  void Statement(TSNode node) {
    std::string_view type = NodeType(node);
    if (type == "function_definition") {
      AddUnique(&names.functions, tree_.Text(ChildByField(node, "name")));
    } else if (type == "class_definition") {
      AddUnique(&names.classes, tree_.Text(ChildByField(node, "name")));
    } else if (type == "decorated_definition") {
      Statement(ChildByField(node, "definition"));
    } else if (type == "expression_statement") {
      uint32_t count = ts_node_named_child_count(node);
      for (uint32_t i = 0; i < count; ++i) Assignment(ts_node_named_child(node, i));
    } else if (type == "import_statement" || type == "import_from_statement") {
      Import(node);
    } else if (type == "block" || EndsWith(type, "_clause") || EndsWith(type, "_statement")) {
      // Compound statements and their clauses: their blocks bind top-level names.
      uint32_t count = ts_node_named_child_count(node);
      for (uint32_t i = 0; i < count; ++i) {
        TSNode child = ts_node_named_child(node, i);
        std::string_view child_type = NodeType(child);
        if (child_type == "block") Statements(child);
        if (EndsWith(child_type, "_clause")) Statement(child);
      }
    }
  }

  void Assignment(TSNode node) {
    std::string_view type = NodeType(node);
    if (type != "assignment" && type != "augmented_assignment") return;
    TSNode right = ChildByField(node, "right");
    if (ts_node_is_null(right)) return;  // `t: int` binds nothing
    Target(ChildByField(node, "left"));
    Assignment(right);  // `a = b = 1`
  }

  void Target(TSNode node) {
    if (ts_node_is_null(node)) return;
    std::string_view type = NodeType(node);
    if (type == "identifier") {
      AddUnique(&names.variables, tree_.Text(node));
    } else if (type == "pattern_list" || type == "tuple_pattern" || type == "list_pattern" ||
               type == "list_splat_pattern" || type == "parenthesized_expression") {
      uint32_t count = ts_node_named_child_count(node);
      for (uint32_t i = 0; i < count; ++i) Target(ts_node_named_child(node, i));
    }  // attributes and subscripts bind no name
  }

  void Import(TSNode node) {
    bool from = NodeType(node) == "import_from_statement";
    TSNode module = ChildByField(node, "module_name");
    uint32_t count = ts_node_named_child_count(node);
    for (uint32_t i = 0; i < count; ++i) {
      TSNode name = ts_node_named_child(node, i);
      std::string_view type = NodeType(name);
      if (!ts_node_is_null(module) && ts_node_eq(name, module)) continue;
      if (type == "aliased_import") {
        AddUnique(&names.imports, tree_.Text(ChildByField(name, "alias")));
      } else if (type == "dotted_name" && from) {
        AddUnique(&names.imports, tree_.Text(name));
      } else if (type == "dotted_name" && ts_node_named_child_count(name) > 0) {
        AddUnique(&names.imports, tree_.Text(ts_node_named_child(name, 0)));  // `import a.b` -> a
      }  // wildcard imports and comments bind no known name
    }
  }

  const Tree& tree_;
};

void CollectCalls(const Tree& tree, TSNode node, std::vector<std::string>* names) {
  if (NodeType(node) == "call") {
    TSNode function = ChildByField(node, "function");
    if (!ts_node_is_null(function) && NodeType(function) == "identifier") {
      AddUnique(names, tree.Text(function));
    }
  }
  uint32_t count = ts_node_named_child_count(node);
  for (uint32_t i = 0; i < count; ++i) CollectCalls(tree, ts_node_named_child(node, i), names);
}

}  // namespace

bool TopLevelNames::Defines(std::string_view name) const {
  return Contains(functions, name) || Contains(classes, name) || Contains(variables, name) ||
         Contains(imports, name);
}

TopLevelNames FindTopLevelNames(std::string_view source) {
  Tree tree = ParseAsCPythonReads(source);
  Collector collector(tree);
  collector.Statements(tree.Root());
  return std::move(collector.names);
}

std::vector<std::string> CalledNames(std::string_view source) {
  Tree tree = ParseAsCPythonReads(source);
  std::vector<std::string> names;
  CollectCalls(tree, tree.Root(), &names);
  return names;
}

std::vector<std::string> FunctionsCalledByTests(std::string_view program, std::string_view tests) {
  TopLevelNames defined = FindTopLevelNames(program);
  std::vector<std::string> called;
  for (const std::string& name : CalledNames(tests)) {
    if (Contains(defined.functions, name)) called.push_back(name);
  }
  return called;
}

std::optional<std::string> FindEntryPoint(std::string_view program, std::string_view tests) {
  TopLevelNames defined = FindTopLevelNames(program);
  std::vector<std::string> called = CalledNames(tests);
  for (const std::string& name : called) {
    if (Contains(defined.functions, name)) return name;
  }
  for (const std::string& name : called) {
    if (defined.Defines(name)) return name;
  }
  return std::nullopt;
}

}  // namespace ilf::code
