// What the evaluator looks up in the syntax tree by pattern, as walks over the mirrored tree (syntax.ts).
// grammars/python-queries.scm states the same patterns as tree-sitter queries; test/queries.test.ts
// checks that the walks find exactly what the compiled queries capture, in the same order.
import type { SyntaxNode } from "./syntax.js";

export interface BuilderCandidate {
  name: string;
  node: SyntaxNode;
  /** Every parameter has a default (or is `*args`/`**kwargs`): callable with no arguments. */
  allDefaults: boolean;
}

/** Module-level functions, decorated or not, in source order. */
export function moduleFunctions(root: SyntaxNode): BuilderCandidate[] {
  const found: BuilderCandidate[] = [];
  if (root.type !== "module") return found;
  for (const child of root.children) {
    const def = child.type === "function_definition" ? child : child.type === "decorated_definition" ? child.childForFieldName("definition") : null;
    if (def?.type !== "function_definition") continue;
    const name = def.childForFieldName("name");
    const parameters = def.childForFieldName("parameters");
    if (name?.type !== "identifier" || parameters?.type !== "parameters") continue;
    found.push({ name: name.text, node: def, allDefaults: !parameters.children.some(isRequired) });
  }
  return found;
}

/** A parameter without a default: a name, or a typed name (`x: int`; not `*args: int`). */
function isRequired(parameter: SyntaxNode): boolean {
  if (parameter.type === "identifier") return true;
  return parameter.type === "typed_parameter" && parameter.namedChildren[0]?.type === "identifier";
}

/** Callees and assignment targets inside a statement (what it could do to a model if it ran), in source order. */
export function effects(statement: SyntaxNode): { callees: SyntaxNode[]; targets: SyntaxNode[] } {
  const callees: SyntaxNode[] = [];
  const targets: SyntaxNode[] = [];
  // Document order (a call's callee starts where the call does, so outer calls come first).
  const stack: SyntaxNode[] = [statement];
  while (stack.length) {
    const node = stack.pop()!;
    const type = node.type;
    if (type === "call") {
      const callee = node.childForFieldName("function");
      if (callee?.isNamed) callees.push(callee);
    } else if (type === "assignment" || type === "augmented_assignment") {
      const target = node.childForFieldName("left");
      if (target?.isNamed) targets.push(target);
    }
    const children = node.children;
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return { callees, targets };
}
