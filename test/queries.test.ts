// The `.scm` queries compile against the pinned grammar, and the walks of src/frontend/queries.ts find what
// the evaluator relies on (test/frontend-syntax.test.ts checks the walks against the queries on corpora).
import { readFileSync } from "node:fs";
import Parser from "tree-sitter";
import Python from "tree-sitter-python";
import { describe, expect, it } from "vitest";
import { SourceFile } from "../src/frontend/parse.js";
import { effects, moduleFunctions } from "../src/frontend/queries.js";

const pythonQueries = () => new Parser.Query(Python as unknown as Parser.Language, readFileSync(new URL("../grammars/python-queries.scm", import.meta.url), "utf8"));
const nativeParser = new Parser();
nativeParser.setLanguage(Python as unknown as Parser.Language);

const parse = (text: string) => new SourceFile("q.py", text).tree.rootNode;

describe("grammars/python-queries.scm", () => {
  it("compiles against the pinned tree-sitter-python", () => {
    const query = pythonQueries();
    const names = new Set(query.captures(nativeParser.parse("def f(a, b=1):\n    g(a)\n    a = 2\n").rootNode).map((c) => c.name));
    expect([...names].sort()).toEqual(["builder", "builder.name", "builder.parameters", "effect.callee", "effect.target", "parameter.required"]);
  });

  it("finds module-level functions and whether they can be called with no arguments", () => {
    const root = parse(
      [
        "def build(num_classes=10, *args, width: int = 4, **kw): pass",
        "def block(x, filters=8): pass",
        "def typed(x: int): pass",
        "@decorator",
        "def decorated(a=1): pass",
        "class C:",
        "    def method(self): pass",
        "def outer():",
        "    def inner(y): pass",
      ].join("\n"),
    );
    expect(moduleFunctions(root).map((f) => [f.name, f.allDefaults])).toEqual([
      ["build", true],
      ["block", false],
      ["typed", false],
      ["decorated", true],
      ["outer", true],
    ]);
  });

  it("lists the calls and assignment targets of a statement", () => {
    const stmt = parse("if flag:\n    x = layers.Dense(4)(x)\n    n += 1\n").namedChildren[0]!;
    const { callees, targets } = effects(stmt);
    expect(callees.map((c) => c.text)).toEqual(["layers.Dense(4)", "layers.Dense"]);
    expect(targets.map((t) => t.text)).toEqual(["x", "n"]);
  });
});
