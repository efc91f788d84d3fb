// The `.scm` queries of grammars/python-queries.scm, compiled once per process and cached.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Parser from "tree-sitter";
import Python from "tree-sitter-python";
import type { SyntaxNode } from "./syntax.js";

const QUERY_FILE = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "grammars", "python-queries.scm");

let compiled: Parser.Query | null = null;

/** The compiled query; throws (and so fails the tests) if a pattern does not compile. */
export function pythonQueries(): Parser.Query {
  compiled ??= new Parser.Query(Python as unknown as Parser.Language, readFileSync(QUERY_FILE, "utf8"));
  return compiled;
}

function captures(node: SyntaxNode, prefix: string): { name: string; node: SyntaxNode }[] {
  return pythonQueries()
    .captures(node.native)
    .filter((c) => c.name.startsWith(prefix))
    .map((c) => ({ name: c.name, node: node.forest.wrap(c.node) }));
}

export interface BuilderCandidate {
  name: string;
  node: SyntaxNode;
  /** Every parameter has a default (or is `*args`/`**kwargs`): callable with no arguments. */
  allDefaults: boolean;
}

/** Module-level functions, in source order. */
export function moduleFunctions(root: SyntaxNode): BuilderCandidate[] {
  const found = captures(root, "builder");
  return found
    .filter((c) => c.name === "builder")
    .map((def) => {
      const parameters = def.node.childForFieldName("parameters")!;
      const required = captures(parameters, "parameter.required").filter((c) => c.node.parent?.id === parameters.id || c.node.parent?.parent?.id === parameters.id);
      return { name: def.node.childForFieldName("name")!.text, node: def.node, allDefaults: required.length === 0 };
    });
}

/** Callees and assignment targets inside a statement (what it could do to a model if it ran). */
export function effects(statement: SyntaxNode): { callees: SyntaxNode[]; targets: SyntaxNode[] } {
  const found = captures(statement, "effect");
  return {
    callees: found.filter((c) => c.name === "effect.callee").map((c) => c.node),
    targets: found.filter((c) => c.name === "effect.target").map((c) => c.node),
  };
}
