#include "src/code/names.h"

#include <algorithm>
#include <unordered_set>

#include "src/code/parser.h"
#include "src/code/rewrite.h"

namespace ilf::code {
namespace {

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Appends names to a list, keeping the first occurrence of each (in time linear in the input).
class UniqueList {
 public:
  explicit UniqueList(std::vector<std::string>* names) : names_(names) {}
  void Add(std::string_view name) {
    if (!name.empty() && seen_.emplace(name).second) names_->emplace_back(name);
  }

 private:
  std::vector<std::string>* names_;
  std::unordered_set<std::string> seen_;
};

// Collects top-level definitions from the statements of a module or a top-level block.
class Collector {
 public:
  // Collects from the module of `tree`; call once per tree of a ParsedSource.
  void Module(const Tree& tree) {
    tree_ = &tree;
    Statements(tree.Root());
  }

  TopLevelNames names;

 private:
  void Statements(TSNode parent) {
    for (TSNode child : NamedChildren(parent)) Statement(child);
  }

  // Recursion here follows statement nesting only, which a parse of under kMaxParseTokens tokens
  // keeps to a few thousand levels at most; expressions are walked iteratively.
  void Statement(TSNode node) {
    std::string_view type = NodeType(node);
    if (type == "function_definition") {
      functions_.Add(tree_->Text(ChildByField(node, "name")));
    } else if (type == "class_definition") {
      classes_.Add(tree_->Text(ChildByField(node, "name")));
    } else if (type == "decorated_definition") {
      Statement(ChildByField(node, "definition"));
    } else if (type == "expression_statement") {
      for (TSNode child : NamedChildren(node)) Assignment(child);
    } else if (type == "import_statement" || type == "import_from_statement") {
      Import(node);
    } else if (type == "block" || EndsWith(type, "_clause") || EndsWith(type, "_statement")) {
      // Compound statements and their clauses: their blocks bind top-level names.
      for (TSNode child : NamedChildren(node)) {
        std::string_view child_type = NodeType(child);
        if (child_type == "block") Statements(child);
        if (EndsWith(child_type, "_clause")) Statement(child);
      }
    }
  }

  // `a = b = 1` nests to the right: walk the chain.
  void Assignment(TSNode node) {
    for (;;) {
      std::string_view type = NodeType(node);
      if (type != "assignment" && type != "augmented_assignment") return;
      TSNode right = ChildByField(node, "right");
      if (ts_node_is_null(right)) return;  // `t: int` binds nothing
      Targets(ChildByField(node, "left"));
      node = right;
    }
  }

  void Targets(TSNode left) {
    if (ts_node_is_null(left)) return;
    WalkTree(left, [this](TSNode node) {
      std::string_view type = NodeType(node);
      if (type == "identifier") {
        variables_.Add(tree_->Text(node));
        return Walk::kSkipChildren;
      }
      bool unpacking = type == "pattern_list" || type == "tuple_pattern" ||
                       type == "list_pattern" || type == "list_splat_pattern" ||
                       type == "parenthesized_expression" || !ts_node_is_named(node);
      return unpacking ? Walk::kDescend : Walk::kSkipChildren;  // `a.b = `, `a[0] = ` bind no name
    });
  }

  void Import(TSNode node) {
    bool from = NodeType(node) == "import_from_statement";
    TSNode module = ChildByField(node, "module_name");
    for (TSNode name : NamedChildren(node)) {
      std::string_view type = NodeType(name);
      if (!ts_node_is_null(module) && ts_node_eq(name, module)) continue;
      if (type == "aliased_import") {
        imports_.Add(tree_->Text(ChildByField(name, "alias")));
      } else if (type == "dotted_name" && from) {
        imports_.Add(tree_->Text(name));
      } else if (type == "dotted_name" && ts_node_named_child_count(name) > 0) {
        imports_.Add(tree_->Text(ts_node_named_child(name, 0)));  // `import a.b` binds a
      }  // wildcard imports and comments bind no known name
    }
  }

  const Tree* tree_ = nullptr;
  UniqueList functions_{&names.functions};
  UniqueList classes_{&names.classes};
  UniqueList variables_{&names.variables};
  UniqueList imports_{&names.imports};
};

}  // namespace

bool TopLevelNames::Defines(std::string_view name) const {
  return Contains(functions, name) || Contains(classes, name) || Contains(variables, name) ||
         Contains(imports, name);
}

TopLevelNames FindTopLevelNames(std::string_view source) {
  Collector collector;
  for (const Tree& tree : ParseAsCPythonReads(source).trees) collector.Module(tree);
  return std::move(collector.names);
}

std::vector<std::string> CalledNames(std::string_view source) {
  std::vector<std::string> names;
  UniqueList unique(&names);
  for (const Tree& tree : ParseAsCPythonReads(source).trees) {
    WalkTree(tree.Root(), [&](TSNode node) {
      if (NodeType(node) == "call") {
        TSNode function = ChildByField(node, "function");
        if (!ts_node_is_null(function) && NodeType(function) == "identifier") {
          unique.Add(tree.Text(function));
        }
      }
      return Walk::kDescend;
    });
  }
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
