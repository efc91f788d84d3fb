// The mirrored syntax tree (src/frontend/syntax.ts) against tree-sitter's own nodes, node by node, and the
// pattern walks (src/frontend/queries.ts) against the compiled queries of grammars/python-queries.scm, over
// the golden sources, the examples, part of the bench corpora and files with syntax errors.
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Parser from "tree-sitter";
import Python from "tree-sitter-python";
import { describe, expect, it } from "vitest";
import { SourceFile } from "../src/frontend/parse.js";
import { effects, moduleFunctions } from "../src/frontend/queries.js";
import { nativeTree, parseFlat } from "../src/frontend/flat-tree.js";
import { SyntaxForest, type SyntaxNode } from "../src/frontend/syntax.js";
// @ts-expect-error: a plain .mjs module of the bench
import { writeCorpus } from "../bench/corpus.mjs";
// @ts-expect-error: a plain .mjs module of the bench
import { trainingCorpus } from "../bench/training-corpus.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const language = Python as unknown as Parser.Language;
const parser = new Parser();
parser.setLanguage(language);

function sources(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const c of readdirSync(join(ROOT, "golden")).sort()) {
    const src = join(ROOT, "golden", c, "src");
    if (!existsSync(src)) continue;
    for (const f of readdirSync(src).filter((f) => f.endsWith(".py"))) out.push({ name: `${c}/${f}`, text: readFileSync(join(src, f), "utf8") });
  }
  for (const f of readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".py"))) out.push({ name: f, text: readFileSync(join(ROOT, "examples", f), "utf8") });
  const dir = mkdtempSync(join(tmpdir(), "keras2torch-syntax-"));
  for (const p of (writeCorpus(dir, 60) as string[])) out.push({ name: p, text: readFileSync(join(dir, p), "utf8") });
  rmSync(dir, { recursive: true, force: true });
  for (const f of (trainingCorpus(12) as { name: string; text: string }[])) out.push(f);
  const broken = ["x = (1,", "def f(:\n    pass", "x = [1, 2", "model = keras.Sequential([layers.Dense(2)", "if x\n    y = 1", "x = 1 +", "class A(\n", "print 'a'", "def f():\nreturn 1", "x = {'a': }", "for in range(3): pass", "x = f(a=)"];
  for (const [i, line] of broken.entries()) out.push({ name: `broken_${i}.py`, text: `import keras\n${line}\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n` });
  out.push({ name: "unicode.py", text: "s = 'é😀x'\n\ty = 1\nz = '😀' + s  # 😀\r\nw = 2\r\n" });
  return out;
}

const FIELDS = [...new Set(((Python as unknown as { nodeTypeInfo: { fields?: Record<string, unknown> }[] }).nodeTypeInfo ?? []).flatMap((t) => Object.keys(t.fields ?? {})))].sort();
const TYPES = ["identifier", "for_statement", "class_definition", "function_definition", "as_pattern_target", "call", "ERROR"];

describe("the mirrored syntax tree", () => {
  const files = sources();

  it("has every node of tree-sitter's tree with its type, range, flags, fields, children and parent", () => {
    expect(FIELDS.length).toBeGreaterThan(20);
    let nodes = 0;
    for (const { name, text } of files) {
      const source = new SourceFile(name, text);
      const forest = source.tree;
      const tree = parser.parse(forest.text, undefined, { bufferSize: Math.max(32 * 1024, forest.text.length * 2 + 1024) });
      const byId = new Map<number, SyntaxNode>();
      const pairs: [Parser.SyntaxNode, SyntaxNode][] = [[tree.rootNode, forest.rootNode]];
      // Differences as text, so that one expect per file reports them (an expect per node is slow).
      const wrong: string[] = [];
      const same = (what: string, a: unknown, b: unknown) => {
        const x = JSON.stringify(a);
        const y = JSON.stringify(b);
        if (x !== y && wrong.length < 20) wrong.push(`${what}: mirror ${x}, tree-sitter ${y}`);
      };
      const span = (c: { startIndex: number; endIndex: number; type: string } | null) => (c ? [c.startIndex, c.endIndex, c.type] : null);
      while (pairs.length) {
        const [native, mirror] = pairs.pop()!;
        nodes++;
        byId.set(native.id, mirror);
        const where = `${name}: ${native.type} at ${native.startIndex}`;
        same(where, [mirror.type, mirror.startIndex, mirror.endIndex, mirror.isNamed, mirror.isMissing, mirror.hasError, mirror.text, mirror.startPosition, mirror.children.length], [native.type, native.startIndex, native.endIndex, native.isNamed, native.isMissing, native.hasError, native.text, native.startPosition, native.childCount]);
        const children = native.children;
        for (let i = 0; i < children.length && i < mirror.children.length; i++) pairs.push([children[i]!, mirror.children[i]!]);
        if (children.length) {
          // The mirror leaves extras (comments, line continuations) out of the named children of every
          // node but a block and the module (syntax.ts).
          const extrasKept = native.type === "block" || native.type === "module";
          same(`${where} named`, mirror.namedChildren.map(span), native.namedChildren.filter((c) => extrasKept || (c.type !== "comment" && c.type !== "line_continuation")).map(span));
          for (const field of FIELDS) {
            same(`${where} .${field}`, span(mirror.childForFieldName(field)), span(native.childForFieldName(field)));
            same(`${where} .${field}[]`, mirror.childrenForFieldName(field).map(span), native.childrenForFieldName(field).map(span));
          }
        }
      }
      expect(wrong).toEqual([]);
      // Parents and identity: every mirrored node's parent is the mirror of the native parent.
      const check: [Parser.SyntaxNode, SyntaxNode][] = [[tree.rootNode, forest.rootNode]];
      while (check.length) {
        const [native, mirror] = check.pop()!;
        const parent = native.parent;
        if (mirror.parent !== (parent ? byId.get(parent.id)! : null)) expect.fail(`${name}: parent of ${native.type} at ${native.startIndex}`);
        native.children.forEach((c, i) => check.push([c, mirror.children[i]!]));
      }
      for (const type of TYPES) {
        expect(forest.rootNode.descendantsOfType(type), `${name}: ${type}`).toEqual(tree.rootNode.descendantsOfType(type).map((n) => byId.get(n.id)!));
      }
      for (const stmt of tree.rootNode.namedChildren) {
        expect(byId.get(stmt.id)!.descendantsOfType("identifier")).toEqual(stmt.descendantsOfType("identifier").map((n) => byId.get(n.id)!));
      }
    }
    expect(nodes).toBeGreaterThan(50_000);
  });

  it("comes from the native flat tree, which npm ci builds (KERAS2TORCH_NATIVE_TREE=0 turns it off)", () => {
    expect(nativeTree).toBe(process.env.KERAS2TORCH_NATIVE_TREE !== "0");
  });

  it.skipIf(!nativeTree)("is the same walked from the flat tree as from tree-sitter's cursor, near the depth limit too", () => {
    const deep = [`x = ${"-".repeat(999)}1`, `x = ${"-".repeat(1001)}1`, `x = 1${" if True else 1".repeat(600)}`, `x = ${"1 + ".repeat(3000)}1`, "x = 1\n" + "#\n".repeat(50) + "y = (1,"];
    const inputs = [...files.map((f) => f.text), ...deep];
    let nodes = 0;
    for (const text of inputs) {
      const fromCursor = new SyntaxForest(parser.parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 1024) }).walk(), text);
      const fromFlat = new SyntaxForest(parseFlat(text)!, text);
      const describe = (n: SyntaxNode | null) => (n ? [n.type, n.startIndex, n.endIndex, n.isNamed, n.isMissing, n.hasError, n.fieldName, n.children.length] : null);
      expect(describe(fromFlat.tooDeep), text.slice(0, 40)).toEqual(describe(fromCursor.tooDeep));
      const pairs: [SyntaxNode, SyntaxNode][] = [[fromCursor.rootNode, fromFlat.rootNode]];
      while (pairs.length) {
        const [a, b] = pairs.pop()!;
        nodes++;
        if (JSON.stringify(describe(a)) !== JSON.stringify(describe(b))) expect(describe(b), text.slice(0, 40)).toEqual(describe(a));
        a.children.forEach((c, i) => pairs.push([c, b.children[i]!]));
      }
    }
    expect(nodes).toBeGreaterThan(50_000);
  });

  it("visits with eachNamed what a walk through namedChildren reaches, in the same order, from both mirrors", () => {
    let visited = 0;
    for (const { text } of files) {
      for (const forest of [new SourceFile("a.py", text).tree, new SyntaxForest(parser.parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 1024) }).walk(), text)]) {
        // From the root and from every statement of the module.
        for (const start of [forest.rootNode, ...forest.rootNode.namedChildren]) {
          const expected: SyntaxNode[] = [];
          const stack = [start];
          while (stack.length) {
            const n = stack.pop()!;
            expected.push(n);
            for (let i = n.namedChildren.length - 1; i >= 0; i--) stack.push(n.namedChildren[i]!);
          }
          const seen: SyntaxNode[] = [];
          forest.eachNamed(start, (n, end) => {
            seen.push(n);
            // `end` is past the node's subtree and no further than the node after it.
            let lastDescendant = n;
            while (lastDescendant.children.length) lastDescendant = lastDescendant.children.at(-1)!;
            let after: SyntaxNode | undefined;
            for (let m: SyntaxNode | null = n; m?.parent && !after; m = m.parent) after = m.parent.children[m.parent.children.indexOf(m) + 1];
            if (end <= lastDescendant.index || (after && end > after.index)) expect([n.type, n.index, end]).toEqual([n.type, n.index, lastDescendant.index + 1]);
          });
          expect(seen.map((n) => n.id)).toEqual(expected.map((n) => n.id));
          visited += seen.length;
        }
      }
    }
    expect(visited).toBeGreaterThan(50_000);
  });

  it("finds the node at an offset as tree-sitter's descendantForIndex does", () => {
    let checked = 0;
    for (const { name, text } of files) {
      const forest = new SourceFile(name, text).tree;
      const tree = parser.parse(forest.text, undefined, { bufferSize: Math.max(32 * 1024, forest.text.length * 2 + 1024) });
      for (let index = 0; index <= forest.text.length; index += 5) {
        const native = tree.rootNode.descendantForIndex(index);
        const mirror = forest.descendantForIndex(index);
        checked++;
        if (mirror.type !== native.type || mirror.startIndex !== native.startIndex || mirror.endIndex !== native.endIndex) {
          expect([mirror.type, mirror.startIndex, mirror.endIndex], `${name} at ${index}`).toEqual([native.type, native.startIndex, native.endIndex]);
        }
      }
    }
    expect(checked).toBeGreaterThan(20_000);
  });

  it("finds what the queries of grammars/python-queries.scm capture, in the same order", () => {
    const query = new Parser.Query(language, readFileSync(join(ROOT, "grammars", "python-queries.scm"), "utf8"));
    let statements = 0;
    for (const { name, text } of files) {
      const forest = new SourceFile(name, text).tree;
      const tree = parser.parse(forest.text, undefined, { bufferSize: Math.max(32 * 1024, forest.text.length * 2 + 1024) });
      const key = (n: { startIndex: number; endIndex: number; type: string }) => `${n.type}@${n.startIndex}-${n.endIndex}`;
      const captures = (node: Parser.SyntaxNode, capture: string) => query.captures(node).filter((c) => c.name === capture).map((c) => c.node);
      // Module functions: the builder captures, and whether any parameter is required (the old filter).
      const builders = captures(tree.rootNode, "builder").map((def) => {
        const parameters = def.childForFieldName("parameters")!;
        const required = captures(parameters, "parameter.required").filter((c) => c.parent?.id === parameters.id || c.parent?.parent?.id === parameters.id);
        return [def.childForFieldName("name")!.text, key(def), required.length === 0];
      });
      expect(moduleFunctions(forest.rootNode).map((f) => [f.name, key(f.node), f.allDefaults]), name).toEqual(builders);
      // Effects of every statement, nested ones included.
      const nativeStatements = tree.rootNode.descendantsOfType(["expression_statement", "if_statement", "for_statement", "while_statement", "with_statement", "try_statement", "function_definition", "class_definition", "return_statement", "decorated_definition"]);
      const mirrorStatements = new Map<string, SyntaxNode>();
      const stack = [forest.rootNode];
      while (stack.length) {
        const n = stack.pop()!;
        mirrorStatements.set(key(n), n);
        stack.push(...n.children);
      }
      for (const stmt of nativeStatements) {
        statements++;
        const mirror = effects(mirrorStatements.get(key(stmt))!);
        expect(mirror.callees.map(key), `${name}: ${key(stmt)}`).toEqual(captures(stmt, "effect.callee").map(key));
        expect(mirror.targets.map(key), `${name}: ${key(stmt)}`).toEqual(captures(stmt, "effect.target").map(key));
      }
    }
    expect(statements).toBeGreaterThan(3_000);
  });
});
