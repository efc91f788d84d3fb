// Resource limits: inputs built to hang, exhaust memory or overflow the stack get a located diagnostic
// (`resource-limit`, or the Python error they are) from `compile`, which never throws; legitimate but big
// inputs still compile. Speed is measured by bench/size.mjs, not here: the generous timeouts only say
// "it finishes".
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compile, type CompileOptions, type CompileResult } from "../src/compile.js";
import type { Diagnostic } from "../src/ir/types.js";
// @ts-expect-error: a plain .mjs module shared with bench/memory.mjs
import { hostile } from "../scripts/hostile-files.mjs";

const REPO_ROOT = path.resolve(import.meta.dirname, "..");
const TIMEOUT = 60_000;

const run = (text: string, options: Partial<CompileOptions> = {}): CompileResult => compile(text, { path: "model.py", ...options });
const errors = (r: CompileResult): Diagnostic[] => r.diagnostics.filter((d) => d.severity === "error");
const HEADER = "import keras\nfrom keras import layers\n";
/**
 * A small model after `prelude`, with `units` units. Only what a model depends on is evaluated, so the
 * layer's name reads every name the prelude binds: the prelude runs whole.
 */
const withModel = (prelude: string, units = "2") => {
  const bound = [...new Set([...prelude.matchAll(/^(\w+)\s*[+]?=/gm)].map((m) => m[1]!))];
  return `${HEADER}${prelude}\ninputs = keras.Input(shape=(4,))\nmodel = keras.Model(inputs, layers.Dense(${units}, name="d" + str([${bound.join(", ")}])[:0])(inputs))\n`;
};

/** The one error of `r`: its code, line and (part of) its message; never an internal error. */
function expectError(r: CompileResult, code: string, line: number, message: RegExp): void {
  expect(r.diagnostics.map((d) => d.code)).not.toContain("internal-error");
  const found = errors(r);
  expect(found.length, JSON.stringify(found)).toBeGreaterThanOrEqual(1);
  // A Python error in code that builds nothing is reported where a model needs the value, naming its line.
  const error = found.find((d) => d.range.line === line) ?? found.find((d) => d.message.includes(`at line ${line}:`));
  expect(error, JSON.stringify(found)).toMatchObject({ code });
  expect(error!.message).toMatch(message);
}

const linearOf = (r: CompileResult): string[] => [...r.files[0]!.text.matchAll(/nn\.Linear\((\d+), (\d+)/g)].map((m) => `${m[1]}->${m[2]}`);

describe("evaluator limits", () => {
  it("a slice with step 0 is Python's ValueError, not an endless loop", () => {
    expectError(run(withModel("x = [1, 2, 3][::0]")), "unknown-value", 3, /slice step cannot be zero/);
  }, TIMEOUT);

  it("repetition is refused from its size before anything is built", () => {
    expectError(run(withModel("t = (1,) * 10**9")), "resource-limit", 3, /MAX_SEQUENCE_LENGTH/);
    expectError(run(withModel("t = [0] * 10**12")), "resource-limit", 3, /MAX_SEQUENCE_LENGTH/);
    expectError(run(withModel("s = 'a' * 10**12")), "resource-limit", 3, /MAX_STRING_LENGTH/);
    expectError(run(withModel("t = 10**9 * [0]")), "resource-limit", 3, /MAX_SEQUENCE_LENGTH/);
  }, TIMEOUT);

  it("a list doubled in a loop stops at the sequence limit", () => {
    expectError(run(withModel("x = [0]\nfor _ in range(40):\n    x = x + x")), "resource-limit", 5, /MAX_SEQUENCE_LENGTH/);
    expectError(run(withModel("x = [0]\nfor _ in range(40):\n    x += x")), "resource-limit", 5, /MAX_SEQUENCE_LENGTH/);
    expectError(run(withModel("x = [0]\nfor _ in range(40):\n    x.extend(x)")), "resource-limit", 5, /MAX_SEQUENCE_LENGTH/);
  }, TIMEOUT);

  it("a huge format width is refused", () => {
    expectError(run(withModel("s = '%0999999999d' % 1")), "resource-limit", 3, /MAX_STRING_LENGTH/);
    expectError(run(withModel("s = f'{1:>999999999}'")), "resource-limit", 3, /MAX_STRING_LENGTH/);
  }, TIMEOUT);

  it("big integers are refused, not rounded or wrapped", () => {
    expectError(run(withModel("n = 2 ** 10 ** 10")), "resource-limit", 3, /MAX_INT_BITS/);
    expectError(run(withModel("n = 1 << 10**9")), "resource-limit", 3, /MAX_INT_BITS/);
    expectError(run(withModel("n = 10 ** 30")), "resource-limit", 3, /MAX_INT_BITS/);
    // Exact up to 53 bits, also for shifts (JavaScript's operators work on 32).
    expect(linearOf(run(withModel("n = (1 << 40) >> 38", "n")))).toEqual(["4->4"]);
  }, TIMEOUT);

  it("range() and comprehensions are bounded", () => {
    expectError(run(withModel("r = range(10**12)")), "resource-limit", 3, /MAX_SEQUENCE_LENGTH/);
    // A comprehension: each item is a step of the evaluation budget.
    expectError(run(withModel("r = [i for i in range(1000) for j in range(1000)]")), "unknown-value", 3, /evaluation stopped/);
  }, TIMEOUT);

  it("zip() and zip(*[]) are empty, as in Python", () => {
    const r = run(withModel("a = list(zip())\nb = list(zip(*[]))\nn = len(a) + len(b) + 3", "n"));
    expect(errors(r)).toEqual([]);
    expect(linearOf(r)).toEqual(["4->3"]);
  }, TIMEOUT);

  it("a list that contains itself prints as Python prints it", () => {
    const r = run(withModel("a = [1]\na.append(a)\nn = len(str(a))", "n"));
    expect(errors(r)).toEqual([]);
    expect(linearOf(r)).toEqual([`4->${"[1, [...]]".length}`]);
  }, TIMEOUT);

  it("a value nested too deeply for str() is a limit, not a stack overflow", () => {
    expectError(run(withModel("x = []\nfor _ in range(5000):\n    x = [x]\ns = str(x)")), "resource-limit", 6, /MAX_VALUE_DEPTH/);
  }, TIMEOUT);

  it("a sum of 10,000 terms evaluates", () => {
    const sum = Array.from({ length: 10_000 }, () => "1").join(" + ");
    const r = run(withModel(`n = ${sum}`, "n"));
    expect(errors(r)).toEqual([]);
    expect(linearOf(r)).toEqual(["4->10000"]);
  }, TIMEOUT);

  it("Concatenate of a million inputs is refused at the list", () => {
    const r = run(`${HEADER}x = keras.Input(shape=(4,))\ny = layers.Concatenate()([x] * 10**6)\nmodel = keras.Model(x, y)\n`);
    expectError(r, "resource-limit", 4, /MAX_SEQUENCE_LENGTH/);
  }, TIMEOUT);

  it("a file that creates too many layers stops at the graph limit", () => {
    const seq = `${HEADER}model = keras.Sequential([keras.Input(shape=(4,))] + [layers.Dense(4) for _ in range(30000)])\n`;
    expectError(run(seq), "resource-limit", 3, /MAX_GRAPH_SIZE/);
    const tuple = `${HEADER}stack = tuple(layers.Dense(4) for _ in range(58000))\nmodel = keras.Sequential([keras.Input(shape=(4,)), *stack])\n`;
    expectError(run(tuple), "resource-limit", 3, /MAX_GRAPH_SIZE/);
  }, TIMEOUT);

  it("unbounded recursion is stopped, not a crash", () => {
    const r = run(withModel("def f(n):\n    return f(n + 1)\nk = f(0)"));
    expect(r.diagnostics.map((d) => d.code)).not.toContain("internal-error");
    expect(errors(r).some((d) => /recursion/.test(d.message))).toBe(true);
  }, TIMEOUT);
});

describe("parser limits", () => {
  it("5,000 nested parentheses are refused before parsing, located", () => {
    const r = run(withModel(`x = ${"(".repeat(5000)}1${")".repeat(5000)}`));
    expectError(r, "resource-limit", 3, /MAX_BRACKET_DEPTH/);
    expect(errors(r)[0]!.range.column).toBe(4 + 201);
    expect(r.files).toEqual([]);
  }, TIMEOUT);

  it("2 MB of nested brackets are refused", () => {
    expectError(run(`x = ${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}\n`), "resource-limit", 1, /MAX_BRACKET_DEPTH/);
  }, TIMEOUT);

  it("f(f(...)) nested 100,000 deep is refused", () => {
    expectError(run(withModel(`x = ${"f(".repeat(100_000)}1${")".repeat(100_000)}`)), "resource-limit", 3, /MAX_BRACKET_DEPTH/);
  }, TIMEOUT);

  it("deep syntax without brackets is refused by the syntax depth", () => {
    expectError(run(withModel(`x = ${"-".repeat(5000)}1`)), "resource-limit", 3, /MAX_SYNTAX_DEPTH/);
    expectError(run(withModel(`x = 1${" if True else 1".repeat(3000)}`)), "resource-limit", 3, /MAX_SYNTAX_DEPTH/);
  }, TIMEOUT);

  it("too many indentation levels are refused", () => {
    const defs = Array.from({ length: 600 }, (_, i) => `${" ".repeat(i + 1)}def f():`).join("\n");
    expectError(run(`x = [\n${defs}\n]\n`), "resource-limit", 102, /MAX_INDENT_DEPTH/);
  }, TIMEOUT);

  it("600 increasingly indented `def` lines inside [ ] do not kill the process", () => {
    // An abort in the native parser kills the process: check in a child.
    const defs = Array.from({ length: 600 }, (_, i) => `${" ".repeat(i + 1)}def f():`).join("\n");
    // The built compiler (`npx tsc -p tsconfig.json` first), as the CLI runs it.
    const script = `import { compile } from ${JSON.stringify(path.join(REPO_ROOT, "dist/compile.js"))};
      import { readdirSync, readFileSync } from "node:fs";
      const r = compile(readFileSync(0, "utf8"), { path: "model.py" });
      console.log(JSON.stringify(r.diagnostics.map((d) => d.code)));`;
    const input = `x = [\n${defs}\n]\n`;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: REPO_ROOT, encoding: "utf8", input, timeout: TIMEOUT });
    expect(child.status, `${child.signal} ${child.error} ${child.stderr}`).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual(["resource-limit"]);
  }, TIMEOUT);

  it("--entry with 5,000 nested parentheses is located in the entry", () => {
    const r = run(`${HEADER}def build(n=2):\n    x = keras.Input(shape=(4,))\n    return keras.Model(x, layers.Dense(n)(x))\n`, { entry: `build(${"(".repeat(5000)}2${")".repeat(5000)})` });
    expect(r.diagnostics.map((d) => d.code)).not.toContain("internal-error");
    expect(r.diagnostics.find((d) => d.code === "resource-limit")).toMatchObject({ range: { file: "<--entry>", line: 1 } });
  }, TIMEOUT);

  it("a file too large is refused", () => {
    expectError(run(`x = 1\n${"#".repeat(10_000_001)}\n`), "resource-limit", 1, /MAX_SOURCE_LENGTH/);
  }, TIMEOUT);
});

describe("big legitimate inputs", () => {
  it("a 3,000-layer Sequential compiles", () => {
    const r = run(`${HEADER}model = keras.Sequential([keras.Input(shape=(4,))] + [layers.Dense(4) for _ in range(3000)])\n`);
    expect(errors(r)).toEqual([]);
    expect(linearOf(r)).toHaveLength(3000);
  }, TIMEOUT);

  it("a functional chain of 5,000 layers compiles", () => {
    const r = run(`${HEADER}x = inputs = keras.Input(shape=(4,))\nfor _ in range(5000):\n    x = layers.Dense(4)(x)\nmodel = keras.Model(inputs, x)\n`);
    expect(errors(r)).toEqual([]);
    expect(linearOf(r)).toHaveLength(5000);
  }, TIMEOUT);

  it("comment lines after the model change nothing in the output", () => {
    const mnist = readFileSync(path.join(REPO_ROOT, "golden/mnist_cnn/src/model.py"), "utf8");
    const comments = Array.from({ length: 20_000 }, (_, i) => `# comment line ${i}`).join("\n");
    const plain = run(mnist);
    const commented = run(`${mnist}${comments}\n`);
    expect(errors(commented)).toEqual([]);
    expect(commented.files).toEqual(plain.files);
  }, TIMEOUT);

  it("a string whose lines start with # is not a comment", () => {
    const doc = `"""\n${Array.from({ length: 100 }, () => "#").join("\n")}\n"""`;
    const r = run(withModel(`x = 1\ndoc = ${doc}\nn = len(doc)`, "n"));
    expect(errors(r)).toEqual([]);
    expect(linearOf(r)).toEqual(["4->201"]);
  }, TIMEOUT);

  it("CR-only line endings are read as lines, located as the user counts them", () => {
    const text = `${HEADER}inputs = keras.Input(shape=(4,))\nmodel = keras.Model(inputs, layers.Dense(2)(inputs))\ny = undefined_name.attr(1)\n`;
    const ok = run(text.replace(/\n/g, "\r"));
    expect(linearOf(ok)).toEqual(["4->2"]);
    const broken = run(`${HEADER}x = [1, 2, 3][::0]\nmodel = keras.Sequential([layers.Dense(len(x))])\n`.replace(/\n/g, "\r"));
    expectError(broken, "unknown-value", 3, /slice step/);
    expect(run(text.replace(/\n/g, "\r\n")).files).toEqual(run(text).files);
  }, TIMEOUT);
});

describe("the API never throws", () => {
  it("an internal failure is an internal-error diagnostic", () => {
    const r = compile(null as unknown as string, { path: "model.py" });
    expect(r.diagnostics).toMatchObject([{ code: "internal-error", severity: "error", range: { file: "model.py", line: 1 } }]);
    expect(r.files).toEqual([]);
  });
});

describe("the API on the fuzz reproducers and the bench's hostile files", () => {
  const dir = path.join(REPO_ROOT, "test", "fuzz-cases");
  const reproducers = readdirSync(dir)
    .filter((f) => f.endsWith(".py"))
    .map((f) => [f, readFileSync(path.join(dir, f), "utf8")]);
  it.each([...reproducers, ...Object.entries(hostile as Record<string, string>)])("%s: diagnostics, no internal error, no exception", (file, text) => {
    const r = compile(text, { path: file });
    expect(r.diagnostics.filter((d) => d.code === "internal-error")).toEqual([]);
    expect(r.diagnostics.length + r.models.length).toBeGreaterThan(0);
  }, TIMEOUT);
});
