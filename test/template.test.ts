// src/emit/template.ts renders the templates exactly as Handlebars (noEscape, strict) did.
import { readFileSync } from "node:fs";
import Handlebars from "handlebars";
import { describe, expect, it } from "vitest";
import { compileTemplate } from "../src/emit/template.js";

const read = (name: string) =>
  readFileSync(new URL(`../templates/${name}`, import.meta.url), "utf8");
const odd = [
  "",
  "x",
  "a {{b}} $& $1 \\n",
  "line\nbreak",
  "  indented",
  "é😀",
  "}}{{",
  "{{{x}}}",
];

describe("templates without Handlebars", () => {
  it("renders the module template as Handlebars does", () => {
    const mine = compileTemplate(read("module.py.hbs"));
    const theirs = Handlebars.compile(read("module.py.hbs"), {
      noEscape: true,
      strict: true,
    });
    for (const n of [0, 1, 3]) {
      for (const s of odd) {
        const view = {
          source: `m${s}.py`,
          weightsScript: `w${s}.py`,
          imports: odd.slice(0, n).map((x) => `import ${x}`),
          helpers: odd.slice(0, n),
          classes: odd.slice(n, n + 2 * n),
        };
        expect(mine(view)).toBe(theirs(view));
      }
    }
  });

  it("renders the weights template as Handlebars does", () => {
    const mine = compileTemplate(read("weights.py.hbs"));
    const theirs = Handlebars.compile(read("weights.py.hbs"), {
      noEscape: true,
      strict: true,
    });
    for (const n of [0, 1, 2]) {
      for (const s of odd) {
        const models = Array.from({ length: n }, (_, i) => ({
          nameLiteral: `"M${i}${s}"`,
          tensors: odd.slice(i, i + n + 1),
          constants: odd.slice(0, i),
        }));
        for (const vocabularies of [[], [`"V": ${s}`], odd]) {
          for (const standalone of [true, false]) {
            const runtime = {
              standalone,
              runtimePath: `os.path.join("..", "r${s}.py")`,
              runtimeLabel: `r${s}.py`,
              version: `1.${s}`,
              schema: 1,
            };
            const view = {
              ...runtime,
              module: `m${s}.py`,
              source: s,
              script: "w.py",
              modelList: "`A`, `B`",
              primary: `P${s}`,
              primaryLiteral: JSON.stringify(s),
              models,
              vocabularies,
            };
            expect(mine(view)).toBe(theirs(view));
          }
        }
      }
    }
  });

  it("renders the shared runtime's header as Handlebars does", () => {
    const mine = compileTemplate(read("weights_runtime_header.py.hbs"));
    const theirs = Handlebars.compile(read("weights_runtime_header.py.hbs"), {
      noEscape: true,
      strict: true,
    });
    for (const s of odd)
      expect(mine({ version: s, schema: s })).toBe(
        theirs({ version: s, schema: s }),
      );
  });

  it("takes {{else}} and {{#unless}} as Handlebars does", () => {
    const text =
      "a\n{{#if x}}\nyes {{y}}\n{{else}}\nno\n{{/if}}\n{{#unless x}}\nnot\n{{else}}\nis\n{{/unless}}\nz";
    for (const x of [true, false, 0, 1, "", "s", [], [1]]) {
      expect(compileTemplate(text)({ x, y: 2 })).toBe(
        Handlebars.compile(text, { noEscape: true, strict: true })({ x, y: 2 }),
      );
    }
    expect(() => compileTemplate("{{else}}\nx\n")).toThrow(/outside/);
  });

  it("throws on a missing field, as Handlebars' strict mode does", () => {
    const mine = compileTemplate(read("weights.py.hbs"));
    expect(() => mine({ module: "m.py" })).toThrow();
    expect(() => compileTemplate("{{#each a}}\nx\n")).toThrow(/unclosed/);
  });
});

describe("the weights script without ruff", () => {
  it("is what ruff makes of it, for plain and other paths and several models", async () => {
    const { compile } = await import("../src/compile.js");
    const { formatPython } = await import("../src/emit/format.js");
    const RUNTIME_START =
      "# ---------------------------------------------------------------------------\n# keras2torch weights runtime";
    const sources = [
      "mnist_cnn",
      "nested_functional_submodel",
      "functional_multi_io",
      "masked_bidirectional",
      "string_boundary_adapted",
      "subclass_nested_layers",
    ]
      .map((c) => new URL(`../golden/${c}/src/model.py`, import.meta.url))
      .filter((u) => {
        try {
          readFileSync(u);
          return true;
        } catch {
          return false;
        }
      });
    expect(sources.length).toBeGreaterThan(2);
    let checked = 0;
    for (const url of sources) {
      for (const path of [
        "model.py",
        "a/b-c/model_1.py",
        "deep/er/x.y.py",
        "a/b/c/d/e/f/g/h/i/j/k/deep.py",
        "with space.py",
        "ü/mod.py",
        "q'uote.py",
      ]) {
        for (const standaloneWeights of [false, true]) {
          const result = compile(readFileSync(url, "utf8"), {
            path,
            standaloneWeights,
          });
          const weights = result.files.find((f) =>
            f.path.endsWith("_weights.py"),
          );
          if (!weights) continue;
          const generated = weights.text.split(RUNTIME_START)[0]!;
          expect(generated.trimEnd() + "\n", `${url.pathname} as ${path}`).toBe(
            formatPython(generated.trimEnd() + "\n"),
          );
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  // The shortcut trusts the template (src/emit/files.ts): every kind of plain view renders to a text that
  // ruff leaves as it is. A template edit that breaks this fails here.
  it("renders every kind of plain view as ruff would format it", async () => {
    const { weightsTemplateProbes } = await import("../src/emit/files.js");
    const { formatPython } = await import("../src/emit/format.js");
    const probes = weightsTemplateProbes();
    expect(probes.length).toBe(8);
    for (const text of probes) expect(formatPython(text)).toBe(text);
  });
});
