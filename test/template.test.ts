// src/emit/template.ts renders the templates exactly as Handlebars (noEscape, strict) did.
import { readFileSync } from "node:fs";
import Handlebars from "handlebars";
import { describe, expect, it } from "vitest";
import { compileTemplate } from "../src/emit/template.js";

const read = (name: string) => readFileSync(new URL(`../templates/${name}`, import.meta.url), "utf8");
const odd = ["", "x", "a {{b}} $& $1 \\n", "line\nbreak", "  indented", "é😀", "}}{{", "{{{x}}}"];

describe("templates without Handlebars", () => {
  it("renders the module template as Handlebars does", () => {
    const mine = compileTemplate(read("module.py.hbs"));
    const theirs = Handlebars.compile(read("module.py.hbs"), { noEscape: true, strict: true });
    for (const n of [0, 1, 3]) {
      for (const s of odd) {
        const view = { source: `m${s}.py`, weightsScript: `w${s}.py`, imports: odd.slice(0, n).map((x) => `import ${x}`), helpers: odd.slice(0, n), classes: odd.slice(n, n + 2 * n) };
        expect(mine(view)).toBe(theirs(view));
      }
    }
  });

  it("renders the weights template as Handlebars does", () => {
    const mine = compileTemplate(read("weights.py.hbs"));
    const theirs = Handlebars.compile(read("weights.py.hbs"), { noEscape: true, strict: true });
    for (const n of [0, 1, 2]) {
      for (const s of odd) {
        const models = Array.from({ length: n }, (_, i) => ({ nameLiteral: `"M${i}${s}"`, tensors: odd.slice(i, i + n + 1), constants: odd.slice(0, i) }));
        for (const vocabularies of [[], [`"V": ${s}`], odd]) {
          const view = { module: `m${s}.py`, source: s, script: "w.py", modelList: "`A`, `B`", primary: `P${s}`, primaryLiteral: JSON.stringify(s), models, vocabularies };
          expect(mine(view)).toBe(theirs(view));
        }
      }
    }
  });

  it("throws on a missing field, as Handlebars' strict mode does", () => {
    const mine = compileTemplate(read("weights.py.hbs"));
    expect(() => mine({ module: "m.py" })).toThrow();
    expect(() => compileTemplate("{{#each a}}\nx\n")).toThrow(/unclosed/);
  });
});
