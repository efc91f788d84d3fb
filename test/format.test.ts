// The shortcut past ruff (src/emit/format.ts, formatGenerated): over every module of the golden sources,
// the examples, the fuzz cases and part of the bench corpora, it gives what ruff gives for the whole module,
// whether it found nothing to change, broke the long lines one at a time, or asked ruff about all of it;
// and each construct its check refuses is one that ruff does change.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { compile } from "../src/compile.js";
import { formatGenerated, formatPython, formatStatementLine, linesToBreak } from "../src/emit/format.js";
// @ts-expect-error: a plain .mjs module of the bench
import { writeCorpus } from "../bench/corpus.mjs";
// @ts-expect-error: a plain .mjs module of the bench
import { trainingCorpus } from "../bench/training-corpus.mjs";

// Every module the compiler formats, with what it got.
const asked = vi.hoisted(() => [] as { text: string; formatted: string }[]);
vi.mock("../src/emit/format.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/emit/format.js")>();
  return {
    ...real,
    formatGenerated: (text: string) => {
      const formatted = real.formatGenerated(text);
      asked.push({ text, formatted });
      return formatted;
    },
  };
});

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function sources(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const pyFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".py")).sort() : []);
  for (const c of readdirSync(join(ROOT, "golden")).sort()) {
    for (const f of pyFiles(join(ROOT, "golden", c, "src"))) out.push({ name: f, text: readFileSync(join(ROOT, "golden", c, "src", f), "utf8") });
  }
  for (const f of pyFiles(join(ROOT, "examples"))) out.push({ name: f, text: readFileSync(join(ROOT, "examples", f), "utf8") });
  for (const f of pyFiles(join(ROOT, "test", "fuzz-cases"))) out.push({ name: f, text: readFileSync(join(ROOT, "test", "fuzz-cases", f), "utf8") });
  const dir = mkdtempSync(join(tmpdir(), "keras2torch-format-"));
  for (const p of writeCorpus(dir, 60) as string[]) out.push({ name: p, text: readFileSync(join(dir, p), "utf8") });
  rmSync(dir, { recursive: true, force: true });
  out.push(...(trainingCorpus(24) as { name: string; text: string }[]));
  return out;
}

describe("the shortcut past ruff", () => {
  it("formats every module as ruff does", () => {
    for (const { name, text } of sources()) compile(text, { path: name });
    const plans = asked.map((a) => linesToBreak(a.text));
    // Most modules need nothing; most of the rest have only long lines to break, one at a time.
    expect(plans.filter((p) => p?.length === 0).length).toBeGreaterThan(asked.length / 2);
    expect(plans.filter((p) => p?.length).length).toBeGreaterThan(20);
    const wrong = asked.filter((a) => formatPython(a.text) !== a.formatted).map((a) => a.text.slice(0, 300));
    expect(wrong).toEqual([]);
    // The long lines were formatted alone, not by the whole-text fallback.
    const alone = asked.flatMap((a, k) => (plans[k] ?? []).map((i) => a.text.split("\n")[i]!));
    expect(alone.filter((line) => formatStatementLine(line) === null)).toEqual([]);
  });

  it("breaks long statements at every indentation as ruff does, and leaves other long lines to ruff", () => {
    const long = (indent: string, head: string) => `${indent}${head}torch.cat([${Array.from({ length: 30 }, (_, i) => `a${i}`).join(", ")}], dim=1)  # model.py:1`;
    const text = `import torch\n\n\n${long("", "y = ")}\n\n\nclass M:\n    def f(self, a):\n${long("        ", "x = ")}\n${long("        ", "return ")}\n`;
    expect(linesToBreak(text)).toEqual([3, 8, 9]);
    for (const i of [3, 8, 9]) expect(formatStatementLine(text.split("\n")[i]!)).not.toBeNull();
    expect(formatGenerated(text)).toBe(formatPython(text));
    expect(formatGenerated(text)).not.toBe(text);
    // The header of a block, a long docstring line: ruff formats the whole text.
    const header = `def f(${Array.from({ length: 40 }, (_, i) => `a${i}`).join(", ")}):\n    return a0\n`;
    expect(linesToBreak(header)).toBeNull();
    expect(linesToBreak(`def f():\n    """${"x".repeat(130)}"""\n    return 1\n`)).toBeNull();
    // A long comment: ruff leaves it as it is, and it cannot stand alone in a block.
    const comment = `def f():\n    # ${"x".repeat(130)}\n    return 1\n`;
    expect(linesToBreak(comment)).toBeNull();
    expect(formatGenerated(comment)).toBe(formatPython(comment));
  });

  // Each refused construct, inside a small module: ruff changes every one of them.
  const module = (line: string) => `import torch\n\n\ndef f(a, b, n):\n${line}\n    return a\n`;
  const refused: [string, string][] = [
    ["a power with simple operands", "    a = a ** 2"],
    ["a slice with a complex bound", "    a = a[n + 1:]"],
    ["a slice with an attribute bound", "    a = a[a.b:]"],
    ["a magic trailing comma in a call", "    a = f(a, b,)"],
    ["a magic trailing comma in a list", "    a = [a, b,]"],
    ["a string with an escaped quote", '    a = "x\\"y"'],
    ["a comment with one space before it", "    a = b # model.py:1"],
    ["a comment without a space after #", "    a = b  #model.py:1"],
    ["brackets left open at the end of a line", "    a = f(\n        a, b\n    )"],
    ["a tab", "    a = b\t+ n"],
    ["trailing spaces", "    a = b   "],
    ["four blank lines", "\n\n\n\n    a = b"],
  ];
  for (const [what, line] of refused) {
    it(`asks ruff about ${what}`, () => {
      const text = module(line);
      expect(linesToBreak(text)).toBeNull();
      expect(formatPython(text)).not.toBe(text);
    });
  }

  it("takes formatted code as it is, one-element tuples and simple slices included", () => {
    const text = module("    a = a[:, 1:-1, n:, ::2][0]  # model.py:3\n    b = (a,)\n    # a comment\n    a = {\"k\": (a, b)}");
    expect(formatPython(text)).toBe(text);
    expect(linesToBreak(text)).toEqual([]);
    expect(formatGenerated(text)).toBe(text);
  });
});
