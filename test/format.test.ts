// The shortcut past ruff (src/emit/format.ts, alreadyFormatted): whenever it says a generated module is
// formatted, ruff agrees, over every module of the golden sources, the examples, the fuzz cases and
// part of the bench corpora; and each construct it refuses is one that ruff does change.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { compile } from "../src/compile.js";
import { alreadyFormatted, formatPython } from "../src/emit/format.js";
// @ts-expect-error: a plain .mjs module of the bench
import { writeCorpus } from "../bench/corpus.mjs";
// @ts-expect-error: a plain .mjs module of the bench
import { trainingCorpus } from "../bench/training-corpus.mjs";

// Every text the compiler asks about, with the answer it got.
const asked = vi.hoisted(() => [] as { text: string; formatted: boolean }[]);
vi.mock("../src/emit/format.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/emit/format.js")>();
  return {
    ...real,
    alreadyFormatted: (text: string) => {
      const formatted = real.alreadyFormatted(text);
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
  it("says a module is formatted only when ruff leaves it as it is", () => {
    for (const { name, text } of sources()) compile(text, { path: name });
    const formatted = asked.filter((a) => a.formatted);
    // Most modules take the shortcut; the rest have long lines for ruff to break.
    expect(formatted.length).toBeGreaterThan(asked.length / 2);
    expect(asked.length - formatted.length).toBeGreaterThan(10);
    const wrong = formatted.filter((a) => formatPython(a.text) !== a.text).map((a) => a.text.slice(0, 300));
    expect(wrong).toEqual([]);
  });

  // Each refused construct, inside a small module: ruff changes every one of them.
  const module = (line: string) => `import torch\n\n\ndef f(a, b, n):\n${line}\n    return a\n`;
  const refused: [string, string][] = [
    ["a line over 120 columns", `    a = torch.cat([${Array.from({ length: 30 }, () => "a").join(", ")}], dim=1)  # model.py:1`],
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
      expect(alreadyFormatted(text)).toBe(false);
      expect(formatPython(text)).not.toBe(text);
    });
  }

  it("takes formatted code as it is, one-element tuples and simple slices included", () => {
    const text = module("    a = a[:, 1:-1, n:, ::2][0]  # model.py:3\n    b = (a,)\n    # a comment\n    a = {\"k\": (a, b)}");
    expect(formatPython(text)).toBe(text);
    expect(alreadyFormatted(text)).toBe(true);
  });
});
