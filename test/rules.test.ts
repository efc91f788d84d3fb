// Unit tests for the rule registry, the rule modules' pure functions and the generated docs.
//
// `docs/supported-layers.md` is regenerated from `src/rules/registry.ts` (read with ts-morph, so the
// table can name each rule's module) and `listRules()`. The test fails when the committed file is
// stale; `UPDATE_DOCS=1 npx vitest run test/rules.test.ts` rewrites it.

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import { Node, Project, SyntaxKind } from "ts-morph";
import { describe, expect, it } from "vitest";
import { renderExpr } from "../src/emit/render.js";
import {
  channelsFirst,
  identity,
  inversePerm,
  isIdentity,
  normalizeAxis,
  permuteBetween,
  sameLayout,
  torchDim,
  torchShape,
} from "../src/ir/layout.js";
import { DIAGNOSTIC_CODES, type ConfigValue, type LayerDef, type Layout, type PyExpr, type Shape } from "../src/ir/types.js";
import { activationSpec, applyActivation } from "../src/rules/activations.js";
import { broadcastShapes } from "../src/rules/merging.js";
import { fPadOrder, isSymmetric, sameOutput, samePads, validOutput } from "../src/rules/padding.js";
import { CLASS_ALIASES, RULES, listRules, ruleFor } from "../src/rules/registry.js";
import type { LayerRule, Lowering } from "../src/rules/types.js";
import { ConfigError } from "../src/rules/util.js";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const REGISTRY = path.join(REPO_ROOT, "src/rules/registry.ts");
const SUPPORTED_LAYERS = path.join(REPO_ROOT, "docs/supported-layers.md");
const DIAGNOSTICS = path.join(REPO_ROOT, "docs/diagnostics.md");

// ---------------------------------------------------------------------------------------------
// Helpers

const RANGE = { file: "model.py", line: 1, column: 1, endLine: 1, endColumn: 1 };

function rule(kerasClass: string): LayerRule {
  const found = ruleFor(kerasClass);
  if (!found) throw new Error(`no rule for ${kerasClass}`);
  return found;
}

/** A LayerDef with every parameter at the rule's signature default, then `overrides`. */
function layer(kerasClass: string, overrides: Record<string, ConfigValue> = {}): LayerDef {
  const params = rule(kerasClass).signature(kerasClass).params;
  const config: Record<string, ConfigValue> = Object.fromEntries(params.map((p) => [p.name, p.default]));
  for (const key of Object.keys(overrides)) {
    if (!params.some((p) => p.name === key)) throw new Error(`${kerasClass} has no parameter ${key}`);
  }
  return { id: 1, kerasClass, name: "layer", explicitName: false, config: { ...config, ...overrides }, argRanges: {}, range: RANGE };
}

function inferShape(def: LayerDef, ...inputs: Shape[]) {
  return rule(def.kerasClass).inferShape({ layer: def, inputs });
}

function shapeOf(def: LayerDef, ...inputs: Shape[]): Shape[] {
  const result = inferShape(def, ...inputs);
  if (!result.ok) throw new Error(`unexpected shape error: ${result.message}`);
  return result.shapes;
}

function shapeErrorOf(def: LayerDef, ...inputs: Shape[]): string {
  const result = inferShape(def, ...inputs);
  if (result.ok) throw new Error(`expected a shape error, got ${JSON.stringify(result.shapes)}`);
  return result.message;
}

/**
 * Run a rule the way the passes do: infer shapes, plan layouts (inputs arrive in `inputLayouts`,
 * identity by default; a layout the rule asks for is taken as already converted), then lower.
 */
function lower(def: LayerDef, inputs: Shape[], inputLayouts?: Layout[]): Lowering {
  const r = rule(def.kerasClass);
  const outputShapes = shapeOf(def, ...inputs);
  const given = inputLayouts ?? inputs.map((s) => identity(s.length));
  const plan = r.layout({ layer: def, inputShapes: inputs, inputLayouts: given, outputShapes });
  const result = r.lower({
    layer: def,
    inputShapes: inputs,
    outputShapes,
    inputLayouts: plan.inputs.map((wanted, i) => wanted ?? given[i]!),
    outputLayouts: plan.outputs,
  });
  if (!result.ok) throw new Error(`unexpected lowering failure: ${result.message}`);
  return result.lowering;
}

/** Replace the placeholders (`x` for a single input, `x0, x1, ...` otherwise; `self.m`) and render. */
function py(expr: PyExpr, inputCount = 1): string {
  const fill = (e: PyExpr): PyExpr => {
    switch (e.k) {
      case "input":
        return { k: "name", name: inputCount === 1 ? "x" : `x${e.index}` };
      case "module":
        return { k: "name", name: "self.m" };
      case "attr":
        return { ...e, obj: fill(e.obj) };
      case "call":
        return { ...e, fn: fill(e.fn), args: e.args.map(fill), kwargs: (e.kwargs ?? []).map(([k, v]) => [k, fill(v)] as [string, PyExpr]) };
      case "binop":
        return { ...e, left: fill(e.left), right: fill(e.right) };
      case "subscript":
        return { ...e, obj: fill(e.obj), index: fill(e.index) };
      case "unary":
        return { ...e, operand: fill(e.operand) };
      case "ternary":
        return { ...e, condition: fill(e.condition), then: fill(e.then), otherwise: fill(e.otherwise) };
      case "list":
      case "tuple":
        return { ...e, items: e.items.map(fill) };
      case "dict":
        return { ...e, entries: e.entries.map(([k, v]) => [k, fill(v)] as [string, PyExpr]) };
      default:
        return e;
    }
  };
  return renderExpr(fill(expr));
}

function ctor(lowering: Lowering): string {
  const m = lowering.module;
  if (!m) throw new Error("the lowering has no module");
  return py({ k: "call", fn: { k: "name", name: m.ctor }, args: m.args, kwargs: m.kwargs });
}

const X: PyExpr = { k: "input", index: 0 };
const NHWC = channelsFirst(4, -1);

// ---------------------------------------------------------------------------------------------
// Registry

describe("rule registry", () => {
  it("gives every rule a unique, non-empty name", () => {
    const names = RULES.map((r) => r.name);
    expect(names.every((n) => /^[a-z][a-z0-9_]*$/.test(n))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
  });

  it("gives every rule at least one Keras class and a summary", () => {
    for (const r of RULES) {
      expect(r.kerasClasses.length, r.name).toBeGreaterThan(0);
      expect(r.summary.trim().length, r.name).toBeGreaterThan(0);
    }
  });

  it("lets no Keras class be claimed by two rules", () => {
    const owners = new Map<string, string>();
    const clashes: string[] = [];
    for (const r of RULES) {
      for (const cls of r.kerasClasses) {
        if (owners.has(cls)) clashes.push(`${cls}: ${owners.get(cls)} and ${r.name}`);
        owners.set(cls, r.name);
      }
    }
    expect(clashes).toEqual([]);
  });

  it("resolves every class to the rule that lists it", () => {
    for (const r of RULES) for (const cls of r.kerasClasses) expect(ruleFor(cls), cls).toBe(r);
    expect(ruleFor("Discretization")).toBeUndefined();
  });

  it("points every class alias at a registered class, and aliases are not registered themselves", () => {
    for (const [alias, target] of Object.entries(CLASS_ALIASES)) {
      expect(ruleFor(target), `${alias} → ${target}`).toBeDefined();
      expect(ruleFor(alias), alias).toBeUndefined();
    }
  });

  it("gives every signature unique parameter names and aliases", () => {
    for (const r of RULES) {
      for (const cls of r.kerasClasses) {
        const spellings = r.signature(cls).params.flatMap((p) => [p.name, ...(p.aliases ?? [])]);
        expect(new Set(spellings).size, cls).toBe(spellings.length);
      }
    }
  });

  it("lists the rules in registry order", () => {
    expect(listRules()).toEqual(RULES.map((r) => ({ name: r.name, kerasClasses: [...r.kerasClasses], summary: r.summary })));
  });
});

// ---------------------------------------------------------------------------------------------
// Generated docs

/** `RULES` element identifiers in `registry.ts`, each with the module file that declares it. */
function ruleModules(): { identifier: string; module: string }[] {
  const project = new Project({
    tsConfigFilePath: path.join(REPO_ROOT, "tsconfig.json"),
    skipAddingFilesFromTsConfig: true,
  });
  const source = project.addSourceFileAtPath(REGISTRY);
  project.resolveSourceFileDependencies();
  const declaration = source.getVariableDeclarationOrThrow("RULES");
  let init = declaration.getInitializerOrThrow();
  // Look through `[...] as const`, `satisfies`, parentheses.
  while (!Node.isArrayLiteralExpression(init)) {
    if (Node.isAsExpression(init) || Node.isSatisfiesExpression(init) || Node.isParenthesizedExpression(init)) init = init.getExpression();
    else throw new Error(`RULES is not an array literal: ${init.getKindName()}`);
  }
  return init.getElements().map((element) => {
    if (!Node.isIdentifier(element)) throw new Error(`RULES element \`${element.getText()}\` is not an identifier`);
    const symbol = element.getSymbolOrThrow();
    const target = symbol.isAlias() ? symbol.getAliasedSymbolOrThrow() : symbol;
    const decl = target.getDeclarations()[0];
    if (!decl) throw new Error(`cannot resolve ${element.getText()}`);
    if (!decl.isKind(SyntaxKind.VariableDeclaration)) throw new Error(`${element.getText()} is not declared as a variable`);
    return { identifier: element.getText(), module: path.relative(REPO_ROOT, decl.getSourceFile().getFilePath()).split(path.sep).join("/") };
  });
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

async function supportedLayersMarkdown(): Promise<string> {
  const modules = ruleModules();
  const rules = listRules();
  if (modules.length !== rules.length) throw new Error(`ts-morph found ${modules.length} RULES elements, listRules() ${rules.length}`);
  const aliasesOf = (cls: string) => Object.keys(CLASS_ALIASES).filter((a) => CLASS_ALIASES[a] === cls);
  const rows = rules.flatMap((r, i) =>
    r.kerasClasses.map((cls) => {
      const aliases = aliasesOf(cls);
      const keras = `\`${cls}\`` + (aliases.length ? ` (also ${aliases.map((a) => `\`${a}\``).join(", ")})` : "");
      const module = `[\`${path.basename(modules[i]!.module)}\`](../${modules[i]!.module})`;
      return `| ${cell(keras)} | \`${r.name}\` | ${module} | ${cell(r.summary)} |`;
    }),
  );
  const text = [
    "# Supported Keras layers",
    "",
    "<!-- Generated by test/rules.test.ts from src/rules/registry.ts; do not edit by hand. -->",
    "<!-- Regenerate with: UPDATE_DOCS=1 npx vitest run test/rules.test.ts -->",
    "",
    `keras2torch translates these ${rules.reduce((n, r) => n + r.kerasClasses.length, 0)} Keras layer classes, ` +
      `implemented by ${rules.length} rules. Any other layer class is reported as \`unsupported-layer\` ` +
      "(see [diagnostics](diagnostics.md)) and the generated `forward` raises at that point.",
    "",
    "| Keras class | Rule | Module | PyTorch translation |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
  return prettier.format(text, { parser: "markdown" });
}

describe("docs", () => {
  it("resolves each RULES element to the module that declares it", () => {
    const modules = ruleModules();
    expect(modules.map((m) => m.identifier)).toContain("denseRule");
    expect(modules.find((m) => m.identifier === "denseRule")?.module).toBe("src/rules/dense.ts");
    expect(modules.find((m) => m.identifier === "convRule")?.module).toBe("src/rules/convolution.ts");
    expect(modules.every((m) => m.module.startsWith("src/rules/"))).toBe(true);
  });

  it("docs/supported-layers.md matches the registry", async () => {
    const expected = await supportedLayersMarkdown();
    if (process.env.UPDATE_DOCS === "1") {
      writeFileSync(SUPPORTED_LAYERS, expected);
      return;
    }
    let committed: string;
    try {
      committed = readFileSync(SUPPORTED_LAYERS, "utf8");
    } catch {
      throw new Error("docs/supported-layers.md is missing; run UPDATE_DOCS=1 npx vitest run test/rules.test.ts");
    }
    expect(committed, "docs/supported-layers.md is stale; run UPDATE_DOCS=1 npx vitest run test/rules.test.ts").toBe(expected);
  });

  it("docs/diagnostics.md documents exactly the diagnostic codes", () => {
    const text = readFileSync(DIAGNOSTICS, "utf8");
    const headings = [...text.matchAll(/^### `([^`]+)`\s*$/gm)].map((m) => m[1]!);
    expect(new Set(headings).size, "duplicate headings").toBe(headings.length);
    expect([...headings].sort()).toEqual([...DIAGNOSTIC_CODES].sort());
  });
});

// ---------------------------------------------------------------------------------------------
// Padding arithmetic

describe("padding", () => {
  it("samePads puts the odd cell after, as TensorFlow does", () => {
    expect(samePads(8, 3, 2)).toEqual({ before: 0, after: 1 });
    expect(samePads(7, 3, 2)).toEqual({ before: 1, after: 1 });
    expect(samePads(7, 2, 2)).toEqual({ before: 0, after: 1 });
  });

  it("samePads with stride 1 depends only on the kernel", () => {
    expect(samePads(10, 4, 1)).toEqual({ before: 1, after: 2 });
    expect(samePads(null, 4, 1)).toEqual({ before: 1, after: 2 });
    expect(samePads(null, 3, 1)).toEqual({ before: 1, after: 1 });
    expect(samePads(5, 1, 1)).toEqual({ before: 0, after: 0 });
  });

  it("samePads uses the dilated kernel", () => {
    expect(samePads(10, 3, 1, 2)).toEqual({ before: 2, after: 2 });
    expect(samePads(null, 2, 1, 3)).toEqual({ before: 1, after: 2 });
  });

  it("samePads needs the size when strided, and never goes negative", () => {
    expect(samePads(null, 3, 2)).toBeNull();
    expect(samePads(6, 1, 4)).toEqual({ before: 0, after: 0 });
  });

  it("validOutput and sameOutput", () => {
    expect(validOutput(28, 3, 1)).toBe(26);
    expect(validOutput(8, 3, 2)).toBe(3);
    expect(validOutput(10, 3, 1, 2)).toBe(6);
    expect(validOutput(null, 3, 1)).toBeNull();
    expect(sameOutput(7, 2)).toBe(4);
    expect(sameOutput(8, 1)).toBe(8);
    expect(sameOutput(null, 2)).toBeNull();
  });

  it("fPadOrder lists the last dim first", () => {
    expect(fPadOrder([{ before: 0, after: 1 }, { before: 2, after: 3 }])).toEqual([2, 3, 0, 1]);
    expect(fPadOrder([{ before: 4, after: 0 }])).toEqual([4, 0]);
    expect(isSymmetric([{ before: 1, after: 1 }, { before: 0, after: 0 }])).toBe(true);
    expect(isSymmetric([{ before: 0, after: 1 }])).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Layout algebra

describe("layout algebra", () => {
  it("channelsFirst moves the channel axis after the batch", () => {
    expect(channelsFirst(4, -1)).toEqual({ kind: "perm", perm: [0, 3, 1, 2] });
    expect(channelsFirst(3, -1)).toEqual({ kind: "perm", perm: [0, 2, 1] });
    expect(channelsFirst(4, 1)).toEqual({ kind: "perm", perm: [0, 1, 2, 3] });
    expect(isIdentity(channelsFirst(4, 1))).toBe(true);
    expect(isIdentity(channelsFirst(4, -1))).toBe(false);
  });

  it("normalizeAxis, identity, sameLayout", () => {
    expect(normalizeAxis(-1, 4)).toBe(3);
    expect(normalizeAxis(2, 4)).toBe(2);
    expect(identity(3)).toEqual({ kind: "perm", perm: [0, 1, 2] });
    expect(sameLayout(channelsFirst(4, -1), { kind: "perm", perm: [0, 3, 1, 2] })).toBe(true);
    expect(sameLayout(channelsFirst(4, -1), identity(4))).toBe(false);
  });

  it("torchShape and torchDim locate Keras axes in the PyTorch tensor", () => {
    expect(torchShape(["N", "H", "W", "C"], NHWC)).toEqual(["N", "C", "H", "W"]);
    expect(torchDim(NHWC, -1, 4)).toBe(1);
    expect(torchDim(NHWC, 1, 4)).toBe(2);
    expect(torchDim(NHWC, 2, 4)).toBe(3);
    expect(torchDim(identity(3), -1, 3)).toBe(2);
    expect(() => torchDim({ kind: "flat", inner: [2, 2, 3], innerPerm: [2, 0, 1] }, 1, 2)).toThrow();
  });

  it("permuteBetween gives the permute dims from one layout to another", () => {
    const nchw = NHWC.kind === "perm" ? NHWC.perm : [];
    expect(permuteBetween(nchw, [0, 1, 2, 3])).toEqual([0, 2, 3, 1]);
    expect(permuteBetween([0, 1, 2, 3], nchw)).toEqual([0, 3, 1, 2]);
    // Applying the dims to the torch shape in layout `from` gives the torch shape in layout `to`.
    const keras = ["N", "H", "W", "C"];
    const from = [0, 3, 1, 2];
    const to = [0, 2, 1, 3];
    const dims = permuteBetween(from, to);
    const before = torchShape(keras, { kind: "perm", perm: from });
    expect(dims.map((d) => before[d])).toEqual(torchShape(keras, { kind: "perm", perm: to }));
  });

  it("inversePerm undoes a permutation", () => {
    expect(inversePerm([0, 3, 1, 2])).toEqual([0, 2, 3, 1]);
    expect(inversePerm([2, 0, 1])).toEqual([1, 2, 0]);
    const p = [3, 0, 4, 1, 2];
    expect(inversePerm(inversePerm(p))).toEqual(p);
    expect(p.map((_, i) => p[inversePerm(p)[i]!])).toEqual([0, 1, 2, 3, 4]);
  });
});

// ---------------------------------------------------------------------------------------------
// Activations

describe("activations", () => {
  // Specs come from config values, as layers and direct calls produce them.
  const act = (config: unknown, layout: Layout = identity(2), rank = 2) => py(applyActivation(X, activationSpec(config), layout, rank));

  it("parses activation config values", () => {
    expect(activationSpec(null)).toEqual({ name: "linear", args: {} });
    expect(activationSpec("relu")).toEqual({ name: "relu", args: {} });
    expect(activationSpec({ name: "gelu", approximate: true })).toEqual({ name: "gelu", args: { approximate: true } });
    expect(activationSpec({ name: "leaky_relu", negative_slope: 0.1 })).toEqual({ name: "leaky_relu", args: { negative_slope: 0.1 } });
    expect(() => activationSpec("crelu")).toThrow(ConfigError);
    expect(() => activationSpec(3)).toThrow(ConfigError);
    // An argument the function does not take is an error, never dropped.
    expect(() => activationSpec({ name: "tanh", alpha: 2 })).toThrow(ConfigError);
  });

  it("maps names to PyTorch functions", () => {
    expect(applyActivation(X, activationSpec("linear"), identity(2), 2)).toBe(X);
    expect(act("relu")).toBe("F.relu(x)");
    expect(act("relu6")).toBe("F.relu6(x)");
    expect(act("hard_sigmoid")).toBe("F.hardsigmoid(x)");
    expect(act("sigmoid")).toBe("torch.sigmoid(x)");
    expect(act("tanh")).toBe("torch.tanh(x)");
    expect(act("swish")).toBe("F.silu(x)");
    expect(act("silu")).toBe("F.silu(x)");
    expect(act("hard_swish")).toBe("F.hardswish(x)");
    expect(act("exponential")).toBe("torch.exp(x)");
    expect(act("selu")).toBe("F.selu(x)");
  });

  it("keeps the arguments of relu and elu", () => {
    expect(act({ name: "relu", max_value: 6 })).toBe("F.relu6(x)");
    expect(act({ name: "relu", max_value: 2 })).toBe("F.hardtanh(x, min_val=0.0, max_val=2.0)");
    expect(act({ name: "relu", negative_slope: 0.1 })).toBe("F.leaky_relu(x, negative_slope=0.1)");
    expect(act({ name: "relu", threshold: 0.5 })).toBe("keras_relu(x, negative_slope=0.0, max_value=None, threshold=0.5)");
    expect(act({ name: "elu", alpha: 0.5 })).toBe("F.elu(x, alpha=0.5)");
  });

  it("gelu is exact by default and tanh when approximate", () => {
    expect(act("gelu")).toBe("F.gelu(x)");
    expect(act({ name: "gelu", approximate: false })).toBe("F.gelu(x)");
    expect(act({ name: "gelu", approximate: true })).toBe('F.gelu(x, approximate="tanh")');
  });

  it("leaky_relu as a function defaults to slope 0.2", () => {
    expect(act("leaky_relu")).toBe("F.leaky_relu(x, negative_slope=0.2)");
    expect(act({ name: "leaky_relu", negative_slope: 0.1 })).toBe("F.leaky_relu(x, negative_slope=0.1)");
  });

  it("softmax remaps the Keras axis to the PyTorch dim", () => {
    expect(act("softmax")).toBe("F.softmax(x, dim=-1)");
    expect(act("softmax", NHWC, 4)).toBe("F.softmax(x, dim=1)");
    expect(act({ name: "softmax", axis: 1 }, NHWC, 4)).toBe("F.softmax(x, dim=2)");
    expect(act({ name: "log_softmax", axis: -1 }, channelsFirst(3, -1), 3)).toBe("F.log_softmax(x, dim=1)");
    expect(act({ name: "softmax", axis: 1 }, identity(3), 3)).toBe("F.softmax(x, dim=1)");
    // Over all features of a flattened map the order does not matter.
    expect(act("softmax", { kind: "flat", inner: [2, 2, 3], innerPerm: [2, 0, 1] }, 2)).toBe("F.softmax(x, dim=-1)");
    expect(() => act({ name: "softmax", axis: [1, 2] }, NHWC, 4)).toThrow(ConfigError);
  });
});

// ---------------------------------------------------------------------------------------------
// Shape inference

describe("inferShape", () => {
  it("Dense works on the last axis of any rank >= 2", () => {
    expect(shapeOf(layer("Dense", { units: 8 }), [null, 10, 16])).toEqual([[null, 10, 8]]);
    expect(shapeOf(layer("Dense", { units: 3 }), [null, 4])).toEqual([[null, 3]]);
    expect(shapeErrorOf(layer("Dense", { units: 3 }), [null])).toMatch(/rank >= 2/);
    expect(shapeErrorOf(layer("Dense", { units: 3 }), [null, null])).toMatch(/last dimension/);
  });

  it("Conv2D valid, same, strides, dilation, channels_first", () => {
    const conv = (o: Record<string, ConfigValue>) => layer("Conv2D", { filters: 16, kernel_size: 3, ...o });
    expect(shapeOf(conv({}), [null, 8, 8, 3])).toEqual([[null, 6, 6, 16]]);
    expect(shapeOf(conv({ padding: "same" }), [null, 8, 8, 3])).toEqual([[null, 8, 8, 16]]);
    expect(shapeOf(conv({ padding: "same", strides: 2 }), [null, 7, 8, 3])).toEqual([[null, 4, 4, 16]]);
    expect(shapeOf(conv({ strides: 2 }), [null, 9, 8, 3])).toEqual([[null, 4, 3, 16]]);
    expect(shapeOf(conv({ dilation_rate: 2 }), [null, 10, 10, 3])).toEqual([[null, 6, 6, 16]]);
    expect(shapeOf(conv({ kernel_size: [3, 1] }), [null, 10, 10, 3])).toEqual([[null, 8, 10, 16]]);
    expect(shapeOf(conv({ data_format: "channels_first" }), [null, 3, 8, 8])).toEqual([[null, 16, 6, 6]]);
    expect(shapeOf(conv({}), [null, null, null, 3])).toEqual([[null, null, null, 16]]);
    expect(shapeErrorOf(conv({}), [null, 8, 3])).toMatch(/rank-4/);
    expect(shapeErrorOf(conv({ kernel_size: 5 }), [null, 4, 4, 3])).toMatch(/empty/);
    expect(() => inferShape(conv({ strides: 2, dilation_rate: 2 }), [null, 8, 8, 3])).toThrow(ConfigError);
  });

  it("causal Conv1D keeps the length; causal is Conv1D only", () => {
    const conv1d = layer("Conv1D", { filters: 5, kernel_size: 3, padding: "causal", dilation_rate: 2 });
    expect(shapeOf(conv1d, [null, 20, 4])).toEqual([[null, 20, 5]]);
    expect(() => inferShape(layer("Conv2D", { filters: 5, kernel_size: 3, padding: "causal" }), [null, 8, 8, 3])).toThrow(/causal/);
  });

  it("pooling valid and same, default strides = pool size", () => {
    expect(shapeOf(layer("MaxPooling2D"), [null, 7, 7, 3])).toEqual([[null, 3, 3, 3]]);
    expect(shapeOf(layer("MaxPooling2D", { padding: "same" }), [null, 7, 7, 3])).toEqual([[null, 4, 4, 3]]);
    expect(shapeOf(layer("AveragePooling2D", { pool_size: 3, strides: 1 }), [null, 7, 7, 3])).toEqual([[null, 5, 5, 3]]);
    expect(shapeOf(layer("AveragePooling1D", { pool_size: 3, strides: 1, padding: "same" }), [null, 10, 4])).toEqual([[null, 10, 4]]);
    expect(shapeOf(layer("MaxPooling1D", { pool_size: 3 }), [null, 10, 4])).toEqual([[null, 3, 4]]);
    expect(shapeOf(layer("MaxPooling2D", { data_format: "channels_first" }), [null, 3, 8, 6])).toEqual([[null, 3, 4, 3]]);
    expect(shapeErrorOf(layer("MaxPooling2D", { pool_size: 3 }), [null, 2, 2, 3])).toMatch(/empty/);
    expect(shapeErrorOf(layer("MaxPooling1D"), [null, 2, 2, 3])).toMatch(/rank-3/);
  });

  it("global pooling drops or keeps the spatial axes", () => {
    expect(shapeOf(layer("GlobalAveragePooling2D"), [null, 7, 7, 32])).toEqual([[null, 32]]);
    expect(shapeOf(layer("GlobalMaxPooling1D"), [null, 10, 6])).toEqual([[null, 6]]);
    expect(shapeOf(layer("GlobalAveragePooling2D", { keepdims: true }), [null, 7, 7, 32])).toEqual([[null, 1, 1, 32]]);
    expect(shapeOf(layer("GlobalMaxPooling2D", { keepdims: true, data_format: "channels_first" }), [null, 32, 7, 7])).toEqual([
      [null, 32, 1, 1],
    ]);
    expect(shapeErrorOf(layer("GlobalMaxPooling2D"), [null, 7, 32])).toMatch(/rank-4/);
  });

  it("Flatten multiplies the inner sizes", () => {
    expect(shapeOf(layer("Flatten"), [null, 3, 4, 5])).toEqual([[null, 60]]);
    expect(shapeOf(layer("Flatten"), [null, null, 5])).toEqual([[null, null]]);
  });

  it("Reshape resolves -1 and rejects impossible targets", () => {
    expect(shapeOf(layer("Reshape", { target_shape: [3, -1] }), [null, 12])).toEqual([[null, 3, 4]]);
    expect(shapeOf(layer("Reshape", { target_shape: [2, 6] }), [null, 3, 4])).toEqual([[null, 2, 6]]);
    expect(shapeOf(layer("Reshape", { target_shape: [-1, 2] }), [null, null, 4])).toEqual([[null, null, 2]]);
    expect(shapeErrorOf(layer("Reshape", { target_shape: [5, -1] }), [null, 12])).toMatch(/cannot reshape 12 elements/);
    expect(shapeErrorOf(layer("Reshape", { target_shape: [5, 3] }), [null, 12])).toMatch(/cannot reshape 12 elements/);
    expect(shapeErrorOf(layer("Reshape", { target_shape: [-1, -1] }), [null, 12])).toMatch(/at most one -1/);
    expect(() => inferShape(layer("Reshape", { target_shape: "oops" }), [null, 12])).toThrow(ConfigError);
  });

  it("ZeroPadding2D int, (h, w) and ((t, b), (l, r)) forms", () => {
    expect(shapeOf(layer("ZeroPadding2D"), [null, 8, 8, 3])).toEqual([[null, 10, 10, 3]]);
    expect(shapeOf(layer("ZeroPadding2D", { padding: [1, 2] }), [null, 8, 8, 3])).toEqual([[null, 10, 12, 3]]);
    expect(shapeOf(layer("ZeroPadding2D", { padding: [[1, 2], [3, 4]] }), [null, 8, 8, 3])).toEqual([[null, 11, 15, 3]]);
    expect(shapeOf(layer("ZeroPadding2D", { data_format: "channels_first" }), [null, 3, 8, 8])).toEqual([[null, 3, 10, 10]]);
    expect(shapeOf(layer("ZeroPadding2D"), [null, null, 8, 3])).toEqual([[null, null, 10, 3]]);
    expect(shapeErrorOf(layer("ZeroPadding2D"), [null, 8, 3])).toMatch(/rank-4/);
    expect(() => inferShape(layer("ZeroPadding2D", { padding: [1, 2, 3] }), [null, 8, 8, 3])).toThrow(ConfigError);
  });

  it("Concatenate sums the concatenation axis and checks the others", () => {
    expect(shapeOf(layer("Concatenate"), [null, 4, 4, 3], [null, 4, 4, 5])).toEqual([[null, 4, 4, 8]]);
    expect(shapeOf(layer("Concatenate", { axis: 1 }), [null, 2, 6], [null, 3, 6], [null, 1, 6])).toEqual([[null, 6, 6]]);
    expect(shapeOf(layer("Concatenate", { axis: 1 }), [null, null, 6], [null, 3, 6])).toEqual([[null, null, 6]]);
    expect(shapeErrorOf(layer("Concatenate"), [null, 4, 3], [null, 5, 3])).toMatch(/differ on axis 1/);
    expect(shapeErrorOf(layer("Concatenate", { axis: 0 }), [null, 4], [null, 4])).toMatch(/out of range/);
    expect(shapeErrorOf(layer("Concatenate"), [null, 4])).toMatch(/at least 2/);
    expect(shapeErrorOf(layer("Concatenate"), [null, 4], [null, 4, 4])).toMatch(/same rank/);
  });

  it("BatchNormalization, Dropout and activation layers keep the shape", () => {
    for (const cls of ["BatchNormalization", "Dropout", "Activation", "ReLU", "LeakyReLU", "Softmax"]) {
      expect(shapeOf(layer(cls), [null, 5, 7, 3]), cls).toEqual([[null, 5, 7, 3]]);
    }
  });

  it("Add/Subtract/Multiply broadcast", () => {
    expect(shapeOf(layer("Add"), [null, 4, 5], [null, 4, 5], [null, 4, 5])).toEqual([[null, 4, 5]]);
    expect(shapeOf(layer("Multiply"), [null, 4, 1], [null, 1, 5])).toEqual([[null, 4, 5]]);
    expect(shapeErrorOf(layer("Add"), [null, 3], [null, 4])).toMatch(/do not broadcast/);
    expect(shapeErrorOf(layer("Subtract"), [null, 3], [null, 3], [null, 3])).toMatch(/exactly 2/);
    expect(shapeErrorOf(layer("Add"), [null, 3])).toMatch(/at least 2/);
    expect(broadcastShapes([[null, 1, 3], [3]])).toEqual({ ok: true, shapes: [[null, 1, 3]] });
  });
});

// ---------------------------------------------------------------------------------------------
// Lowering

describe("lower", () => {
  describe("BatchNormalization", () => {
    const bn = (o: Record<string, ConfigValue> = {}) => lower(layer("BatchNormalization", o), [[null, 8, 8, 16]]);

    it("maps gamma, beta and the moving statistics, with Keras' eps and momentum", () => {
      const l = bn();
      expect(ctor(l)).toBe("nn.BatchNorm2d(16, eps=0.001, momentum=0.01)");
      expect(l.weights.map((w) => [w.kerasIndex, w.kerasName, w.param, w.kerasShape])).toEqual([
        [0, "gamma", "weight", [16]],
        [1, "beta", "bias", [16]],
        [2, "moving_mean", "running_mean", [16]],
        [3, "moving_variance", "running_var", [16]],
      ]);
      expect(l.constants).toEqual([{ param: "num_batches_tracked", shape: [], dtype: "int64", value: 0 }]);
      expect(l.frozen ?? []).toEqual([]);
      expect(py(l.forward)).toBe("self.m(x)");
    });

    it("center=False: bias is a frozen constant 0 and the Keras indices shift", () => {
      const l = bn({ center: false });
      expect(l.weights.map((w) => [w.kerasIndex, w.kerasName, w.param])).toEqual([
        [0, "gamma", "weight"],
        [1, "moving_mean", "running_mean"],
        [2, "moving_variance", "running_var"],
      ]);
      expect(l.constants).toContainEqual({ param: "bias", shape: [16], dtype: "float32", value: 0 });
      expect(l.frozen).toEqual(["bias"]);
      expect(ctor(l)).not.toMatch(/affine/);
    });

    it("scale=False: weight is a frozen constant 1", () => {
      const l = bn({ scale: false });
      expect(l.weights.map((w) => [w.kerasIndex, w.kerasName])).toEqual([
        [0, "beta"],
        [1, "moving_mean"],
        [2, "moving_variance"],
      ]);
      expect(l.constants).toContainEqual({ param: "weight", shape: [16], dtype: "float32", value: 1 });
      expect(l.frozen).toEqual(["weight"]);
    });

    it("center=False, scale=False: affine=False and nothing frozen", () => {
      const l = bn({ center: false, scale: false });
      expect(ctor(l)).toMatch(/affine=False/);
      expect(l.weights.map((w) => [w.kerasIndex, w.kerasName])).toEqual([
        [0, "moving_mean"],
        [1, "moving_variance"],
      ]);
      expect(l.frozen ?? []).toEqual([]);
      expect(l.constants.map((c) => c.param)).toEqual(["num_batches_tracked"]);
    });

    it("picks the BatchNorm dimensionality from the rank and the channels from the axis", () => {
      expect(ctor(lower(layer("BatchNormalization"), [[null, 10]]))).toMatch(/^nn\.BatchNorm1d\(10,/);
      expect(ctor(lower(layer("BatchNormalization"), [[null, 20, 6]]))).toMatch(/^nn\.BatchNorm1d\(6,/);
      expect(ctor(lower(layer("BatchNormalization"), [[null, 4, 4, 4, 2]]))).toMatch(/^nn\.BatchNorm3d\(2,/);
      expect(ctor(lower(layer("BatchNormalization", { axis: 1 }), [[null, 3, 8, 8]]))).toMatch(/^nn\.BatchNorm2d\(3,/);
      expect(ctor(lower(layer("BatchNormalization", { epsilon: 1e-5, momentum: 0.9 }), [[null, 10]]))).toBe("nn.BatchNorm1d(10)");
      expect(() => lower(layer("BatchNormalization", { axis: [1, 2] }), [[null, 3, 8, 8]])).toThrow(ConfigError);
    });

    it("asks for the channel axis first", () => {
      const def = layer("BatchNormalization");
      const plan = rule("BatchNormalization").layout({
        layer: def,
        inputShapes: [[null, 8, 8, 16]],
        inputLayouts: [identity(4)],
        outputShapes: [[null, 8, 8, 16]],
      });
      expect(plan).toEqual({ inputs: [NHWC], outputs: [NHWC] });
    });
  });

  describe("Conv", () => {
    const conv2d = (o: Record<string, ConfigValue> = {}) => layer("Conv2D", { filters: 16, kernel_size: 3, ...o });

    it("Conv2D transposes the kernel (kh, kw, in, out) → (out, in, kh, kw)", () => {
      const l = lower(conv2d(), [[null, 8, 8, 3]]);
      expect(ctor(l)).toBe("nn.Conv2d(3, 16, kernel_size=3)");
      expect(l.weights).toEqual([
        { kerasIndex: 0, kerasName: "kernel", kerasShape: [3, 3, 3, 16], param: "weight", transforms: [{ op: "transpose", axes: [3, 2, 0, 1] }] },
        { kerasIndex: 1, kerasName: "bias", kerasShape: [16], param: "bias", transforms: [] },
      ]);
      expect(py(l.forward)).toBe("self.m(x)");
    });

    it("Conv2D asks for NCHW", () => {
      const def = conv2d();
      const plan = rule("Conv2D").layout({ layer: def, inputShapes: [[null, 8, 8, 3]], inputLayouts: [identity(4)], outputShapes: [[null, 6, 6, 16]] });
      expect(plan).toEqual({ inputs: [NHWC], outputs: [NHWC] });
    });

    it("symmetric 'same' padding goes into the module", () => {
      const l = lower(conv2d({ padding: "same" }), [[null, 8, 8, 3]]);
      expect(ctor(l)).toBe("nn.Conv2d(3, 16, kernel_size=3, padding=1)");
      expect(py(l.forward)).toBe("self.m(x)");
    });

    it("asymmetric 'same' padding (stride 2) gets an explicit F.pad", () => {
      const l = lower(conv2d({ padding: "same", strides: 2 }), [[null, 8, 8, 3]]);
      expect(ctor(l)).toBe("nn.Conv2d(3, 16, kernel_size=3, stride=2)");
      expect(py(l.forward)).toBe("self.m(F.pad(x, (0, 1, 0, 1)))");
    });

    it("asymmetric 'same' padding (even kernel) pads left/top 1, right/bottom 2", () => {
      const l = lower(conv2d({ padding: "same", kernel_size: [4, 3] }), [[null, 8, 8, 3]]);
      expect(ctor(l)).toBe("nn.Conv2d(3, 16, kernel_size=(4, 3))");
      expect(py(l.forward)).toBe("self.m(F.pad(x, (1, 1, 1, 2)))");
    });

    it("strided 'same' with an unknown size pads at run time with the pad_same helper", () => {
      const l = lower(conv2d({ padding: "same", strides: 2 }), [[null, null, null, 3]]);
      expect(ctor(l)).toBe("nn.Conv2d(3, 16, kernel_size=3, stride=2)");
      expect(py(l.forward)).toBe("self.m(pad_same(x, (3, 3), (2, 2), (1, 1)))");
      expect(py(l.forward)).toMatch(/\bpad_same\(/);
      // Stride 1 needs no size: the pads stay static.
      const static1 = lower(conv2d({ padding: "same" }), [[null, null, null, 3]]);
      expect(ctor(static1)).toBe("nn.Conv2d(3, 16, kernel_size=3, padding=1)");
      expect(py(static1.forward)).not.toMatch(/keras_relu|pad_same|avg_pool_same/);
    });

    it("dilation, groups, use_bias=False, activation", () => {
      const l = lower(conv2d({ filters: 8, dilation_rate: 2, groups: 2, use_bias: false, activation: "relu" }), [[null, 10, 10, 4]]);
      expect(ctor(l)).toBe("nn.Conv2d(4, 8, kernel_size=3, dilation=2, groups=2, bias=False)");
      expect(l.weights.map((w) => [w.kerasName, w.kerasShape])).toEqual([["kernel", [3, 3, 2, 8]]]);
      expect(py(l.forward)).toBe("F.relu(self.m(x))");
      expect(() => lower(conv2d({ filters: 8, groups: 3 }), [[null, 10, 10, 4]])).toThrow(/groups=3/);
    });

    it("causal Conv1D pads (kernel - 1) * dilation on the left", () => {
      const l = lower(layer("Conv1D", { filters: 5, kernel_size: 3, padding: "causal", dilation_rate: 2 }), [[null, 20, 4]]);
      expect(ctor(l)).toBe("nn.Conv1d(4, 5, kernel_size=3, dilation=2)");
      expect(py(l.forward)).toBe("self.m(F.pad(x, (4, 0)))");
      expect(l.weights[0]!.transforms).toEqual([{ op: "transpose", axes: [2, 1, 0] }]);
      expect(l.weights[0]!.kerasShape).toEqual([3, 4, 5]);
    });

    it("softmax activation after a conv uses the channel dim", () => {
      const l = lower(conv2d({ activation: "softmax" }), [[null, 8, 8, 3]]);
      expect(py(l.forward)).toBe("F.softmax(self.m(x), dim=1)");
    });
  });

  describe("Dense", () => {
    it("transposes the kernel and maps the bias", () => {
      const l = lower(layer("Dense", { units: 4 }), [[null, 10]]);
      expect(ctor(l)).toBe("nn.Linear(10, 4)");
      expect(l.weights).toEqual([
        { kerasIndex: 0, kerasName: "kernel", kerasShape: [10, 4], param: "weight", transforms: [{ op: "transpose", axes: [1, 0] }] },
        { kerasIndex: 1, kerasName: "bias", kerasShape: [4], param: "bias", transforms: [] },
      ]);
      expect(py(l.forward)).toBe("self.m(x)");
    });

    it("use_bias=False and activation", () => {
      const l = lower(layer("Dense", { units: 4, use_bias: false, activation: "softmax" }), [[null, 10]]);
      expect(ctor(l)).toBe("nn.Linear(10, 4, bias=False)");
      expect(l.weights.map((w) => w.kerasName)).toEqual(["kernel"]);
      expect(py(l.forward)).toBe("F.softmax(self.m(x), dim=-1)");
      expect(() => lower(layer("Dense", { units: 0 }), [[null, 10]])).toThrow(ConfigError);
    });

    it("after Flatten over NCHW, the kernel rows are permuted before the transpose", () => {
      // Flatten sees an NCHW tensor and marks its output `flat`; Dense consumes it as is.
      const flatten = layer("Flatten");
      const flatPlan = rule("Flatten").layout({ layer: flatten, inputShapes: [[null, 3, 3, 2]], inputLayouts: [NHWC], outputShapes: [[null, 18]] });
      const flat = flatPlan.outputs[0]!;
      expect(flat).toEqual({ kind: "flat", inner: [3, 3, 2], innerPerm: [2, 0, 1] });
      const l = lower(layer("Dense", { units: 4 }), [[null, 18]], [flat]);
      expect(l.weights[0]!.transforms).toEqual([
        { op: "permute_rows", shape: [3, 3, 2], axes: [2, 0, 1] },
        { op: "transpose", axes: [1, 0] },
      ]);
    });

    it("a rank-3 input is taken in Keras order", () => {
      const def = layer("Dense", { units: 4 });
      const plan = rule("Dense").layout({ layer: def, inputShapes: [[null, 5, 6]], inputLayouts: [channelsFirst(3, -1)], outputShapes: [[null, 5, 4]] });
      expect(plan.inputs).toEqual([identity(3)]);
    });
  });

  describe("Pooling", () => {
    it("valid pooling is a plain module", () => {
      const l = lower(layer("MaxPooling2D"), [[null, 8, 8, 3]]);
      expect(ctor(l)).toBe("nn.MaxPool2d(2)");
      expect(py(l.forward)).toBe("self.m(x)");
      expect(ctor(lower(layer("AveragePooling1D", { pool_size: 3, strides: 1 }), [[null, 10, 4]]))).toBe("nn.AvgPool1d(3, stride=1)");
    });

    it("symmetric 'same' uses PyTorch's padding; average excludes the pads", () => {
      expect(ctor(lower(layer("MaxPooling2D", { pool_size: 3, strides: 1, padding: "same" }), [[null, 8, 8, 3]]))).toBe(
        "nn.MaxPool2d(3, stride=1, padding=1)",
      );
      expect(ctor(lower(layer("AveragePooling2D", { pool_size: 3, strides: 1, padding: "same" }), [[null, 8, 8, 3]]))).toBe(
        "nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)",
      );
    });

    it("MaxPool asymmetric 'same' pads with -inf", () => {
      const l = lower(layer("MaxPooling2D", { pool_size: 3, strides: 2, padding: "same" }), [[null, 8, 8, 3]]);
      expect(ctor(l)).toBe("nn.MaxPool2d(3, stride=2)");
      expect(py(l.forward)).toBe('self.m(F.pad(x, (0, 1, 0, 1), value=float("-inf")))');
      const l2 = lower(layer("MaxPooling2D", { padding: "same" }), [[null, 7, 7, 3]]);
      expect(py(l2.forward)).toBe('self.m(F.pad(x, (0, 1, 0, 1), value=float("-inf")))');
    });

    it("AvgPool asymmetric 'same' uses the avg_pool_same helper", () => {
      const l = lower(layer("AveragePooling2D", { pool_size: 3, strides: 2, padding: "same" }), [[null, 8, 8, 3]]);
      expect(l.module).toBeUndefined();
      expect(py(l.forward)).toMatch(/\bavg_pool_same\(/);
      expect(py(l.forward)).toBe("avg_pool_same(x, kernel_size=3, stride=2, padding=(0, 1, 0, 1))");
    });

    it("strided 'same' with an unknown size: max pads at run time with -inf, average is a dynamic-padding error", () => {
      const l = lower(layer("MaxPooling2D", { pool_size: 3, strides: 2, padding: "same" }), [[null, null, null, 3]]);
      expect(ctor(l)).toBe("nn.MaxPool2d(3, stride=2)");
      expect(py(l.forward)).toBe('self.m(pad_same(x, (3, 3), (2, 2), (1, 1), value=float("-inf")))');
      expect(py(l.forward)).toMatch(/\bpad_same\(/);
      let error: unknown;
      try {
        lower(layer("AveragePooling2D", { padding: "same" }), [[null, null, null, 3]]);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe("dynamic-padding");
      expect((error as ConfigError).message).toMatch(/statically known spatial size/);
    });

    it("global pooling reduces the spatial dims where they are, in any layout", () => {
      // Conv features arrive channels-first...
      expect(py(lower(layer("GlobalAveragePooling2D"), [[null, 7, 7, 32]], [NHWC]).forward)).toBe("x.mean(dim=(2, 3))");
      expect(py(lower(layer("GlobalMaxPooling1D"), [[null, 10, 6]], [channelsFirst(3, -1)]).forward)).toBe("x.amax(dim=2)");
      expect(py(lower(layer("GlobalMaxPooling2D", { keepdims: true }), [[null, 7, 7, 32]], [NHWC]).forward)).toBe(
        "x.amax(dim=(2, 3), keepdim=True)",
      );
      // ...while a tensor in Keras' order (after a Dense) is reduced without a permute.
      expect(py(lower(layer("GlobalMaxPooling1D"), [[null, 10, 6]]).forward)).toBe("x.amax(dim=1)");
      const plan = rule("GlobalAveragePooling2D").layout({
        layer: layer("GlobalAveragePooling2D", { keepdims: true }),
        inputShapes: [[null, 7, 7, 32]],
        inputLayouts: [identity(4)],
        outputShapes: [[null, 1, 1, 32]],
      });
      expect(plan).toEqual({ inputs: [null], outputs: [identity(4)] });
    });
  });

  describe("ReLU family", () => {
    const relu = (o: Record<string, ConfigValue> = {}) => lower(layer("ReLU", o), [[null, 4]]);

    it("plain cases map to PyTorch functions", () => {
      expect(py(relu().forward)).toBe("F.relu(x)");
      expect(py(relu({ max_value: 6 }).forward)).toBe("F.relu6(x)");
      expect(py(relu({ max_value: 4 }).forward)).toBe("F.hardtanh(x, min_val=0.0, max_val=4.0)");
      expect(py(relu({ negative_slope: 0.1 }).forward)).toBe("F.leaky_relu(x, negative_slope=0.1)");
      for (const l of [relu(), relu({ max_value: 6 }), relu({ max_value: 4 }), relu({ negative_slope: 0.1 })]) {
        expect(py(l.forward)).not.toMatch(/keras_relu|pad_same|avg_pool_same/);
        expect(l.module).toBeUndefined();
      }
    });

    it("thresholds (or slope with a cap) use the keras_relu helper", () => {
      const l = relu({ threshold: 1 });
      expect(py(l.forward)).toBe("keras_relu(x, negative_slope=0.0, max_value=None, threshold=1.0)");
      expect(py(l.forward)).toMatch(/\bkeras_relu\(/);
      const capped = relu({ negative_slope: 0.1, max_value: 6 });
      expect(py(capped.forward)).toBe("keras_relu(x, negative_slope=0.1, max_value=6.0, threshold=0.0)");
      expect(py(capped.forward)).toMatch(/\bkeras_relu\(/);
      expect(() => relu({ max_value: -1 })).toThrow(ConfigError);
    });

    it("LeakyReLU layer defaults to slope 0.3 and accepts Keras 2's alpha", () => {
      expect(py(lower(layer("LeakyReLU"), [[null, 4]]).forward)).toBe("F.leaky_relu(x, negative_slope=0.3)");
      expect(rule("LeakyReLU").signature("LeakyReLU").params[0]!.aliases).toContain("alpha");
    });

    it("Softmax and Activation layers remap the axis under NCHW", () => {
      expect(py(lower(layer("Softmax"), [[null, 8, 8, 3]], [NHWC]).forward)).toBe("F.softmax(x, dim=1)");
      expect(py(lower(layer("Softmax"), [[null, 8, 8, 3]]).forward)).toBe("F.softmax(x, dim=-1)");
      expect(() => lower(layer("Softmax", { axis: [1, 2] }), [[null, 8, 8, 3]])).toThrow(ConfigError);
      expect(py(lower(layer("Activation", { activation: "softmax" }), [[null, 8, 8, 3]], [NHWC]).forward)).toBe("F.softmax(x, dim=1)");
      expect(py(lower(layer("Activation", { activation: "gelu" }), [[null, 4]]).forward)).toBe("F.gelu(x)");
    });

    it("elementwise layers keep whatever layout they get", () => {
      for (const cls of ["ReLU", "Activation", "Softmax", "LeakyReLU", "Dropout"]) {
        const plan = rule(cls).layout({ layer: layer(cls), inputShapes: [[null, 8, 8, 3]], inputLayouts: [NHWC], outputShapes: [[null, 8, 8, 3]] });
        expect(plan, cls).toEqual({ inputs: [null], outputs: [NHWC] });
      }
    });
  });

  describe("other layers", () => {
    it("Dropout", () => {
      const l = lower(layer("Dropout", { rate: 0.5 }), [[null, 4]]);
      expect(ctor(l)).toBe("nn.Dropout(0.5)");
      expect(py(l.forward)).toBe("self.m(x)");
      expect(() => lower(layer("Dropout", { rate: 1 }), [[null, 4]])).toThrow(ConfigError);
      // noise_shape: one mask of that shape (None: the input's size), in the tensor's own axis order.
      expect(py(lower(layer("Dropout", { rate: 0.5, noise_shape: [null, 1] }), [[null, 4]]).forward)).toBe("keras_dropout(x, 0.5, (None, 1), self.training)");
      expect(py(lower(layer("Dropout", { rate: 0.2, noise_shape: [null, 1, 1, 4] }), [[null, 5, 5, 4]], [NHWC]).forward)).toBe("keras_dropout(x, 0.2, (None, 4, 1, 1), self.training)");
      expect(() => lower(layer("Dropout", { rate: 0.5, noise_shape: [null, 1, 1] }), [[null, 4]])).toThrow(/noise_shape/);
      try {
        lower(layer("Dropout", { rate: 0.5, noise_shape: [null, 1, 1] }), [[null, 4]]);
      } catch (e) {
        expect((e as ConfigError).code).toBe("unsupported-argument");
      }
    });

    it("Flatten and Reshape", () => {
      expect(py(lower(layer("Flatten"), [[null, 3, 4, 5]]).forward)).toBe("x.flatten(1)");
      expect(py(lower(layer("Reshape", { target_shape: [3, -1] }), [[null, 12]]).forward)).toBe("x.reshape(-1, 3, 4)");
      expect(py(lower(layer("Reshape", { target_shape: [-1, 2] }), [[null, null, 4]]).forward)).toBe("x.reshape(x.size(0), -1, 2)");
      const plan = rule("Reshape").layout({ layer: layer("Reshape", { target_shape: [12] }), inputShapes: [[null, 2, 2, 3]], inputLayouts: [NHWC], outputShapes: [[null, 12]] });
      expect(plan).toEqual({ inputs: [identity(4)], outputs: [identity(2)] });
      // channels_first: Keras flattens (N, C, H, W) in (N, H, W, C) order; a torch NCHW tensor is then a flat layout.
      const channelsFirstFlatten = (inputLayout: Layout) =>
        rule("Flatten").layout({ layer: layer("Flatten", { data_format: "channels_first" }), inputShapes: [[null, 2, 2, 3]], inputLayouts: [inputLayout], outputShapes: [[null, 12]] });
      expect(channelsFirstFlatten(identity(4))).toEqual({ inputs: [null], outputs: [{ kind: "flat", inner: [2, 3, 2], innerPerm: [2, 0, 1] }] });
      expect(channelsFirstFlatten({ kind: "perm", perm: [0, 2, 3, 1] })).toEqual({ inputs: [null], outputs: [identity(2)] });
    });

    it("ZeroPadding2D orders the pads (left, right, top, bottom)", () => {
      expect(ctor(lower(layer("ZeroPadding2D"), [[null, 8, 8, 3]]))).toBe("nn.ZeroPad2d(1)");
      expect(ctor(lower(layer("ZeroPadding2D", { padding: [1, 2] }), [[null, 8, 8, 3]]))).toBe("nn.ZeroPad2d((2, 2, 1, 1))");
      expect(ctor(lower(layer("ZeroPadding2D", { padding: [[1, 2], [3, 4]] }), [[null, 8, 8, 3]]))).toBe("nn.ZeroPad2d((3, 4, 1, 2))");
    });

    it("Resizing: F.interpolate where PyTorch's kernel is TensorFlow's, KerasResize otherwise", () => {
      const resize = (config: Record<string, ConfigValue>, shape: Shape = [null, 9, 12, 3]) => lower(layer("Resizing", { height: 8, width: 8, ...config }), [shape]);
      expect(py(resize({}).forward)).toBe('F.interpolate(x, size=(8, 8), mode="bilinear", align_corners=False)');
      expect(py(resize({ interpolation: "nearest", antialias: true }).forward)).toBe('F.interpolate(x, size=(8, 8), mode="nearest-exact")');
      expect(ctor(resize({ interpolation: "bicubic" }))).toBe('KerasResize((9, 12), (8, 8), "bicubic")');
      expect(ctor(resize({ antialias: true }))).toBe('KerasResize((9, 12), (8, 8), "bilinear", antialias=True)');
      // Area ignores antialias in TensorFlow.
      expect(ctor(resize({ interpolation: "area", antialias: true }))).toBe('KerasResize((9, 12), (8, 8), "area")');
      // A 9x12 image padded to a square gets floor(3 / 2) = 1 row on each side: 11x12.
      const padded = resize({ pad_to_aspect_ratio: true, fill_value: 0.5, interpolation: "lanczos3" });
      expect(py(padded.forward)).toBe("self.m(F.pad(x, (0, 0, 1, 1), value=0.5))");
      expect(ctor(padded)).toBe('KerasResize((11, 12), (8, 8), "lanczos3")');
      const cropped = resize({ crop_to_aspect_ratio: true, interpolation: "bicubic" });
      expect(py(cropped.forward)).toBe("self.m(x[:, :, 0:9, 1:10])");
      expect(ctor(cropped)).toBe('KerasResize((9, 9), (8, 8), "bicubic")');
      expect(() => resize({ interpolation: "cubic" })).toThrow(ConfigError);
      expect(() => resize({ crop_to_aspect_ratio: true, pad_to_aspect_ratio: true })).toThrow(ConfigError);
      expect(() => resize({ pad_to_aspect_ratio: true, fill_mode: "reflect" })).toThrow(ConfigError);
      expect(() => resize({ interpolation: "area" }, [null, null, null, 3])).toThrow(/needs the image size/);
      expect(py(resize({}, [null, null, null, 3]).forward)).toBe('F.interpolate(x, size=(8, 8), mode="bilinear", align_corners=False)');
    });

    it("Resizing and a resizing CenterCrop refuse integer images (Keras casts around the resize)", () => {
      const lowerInt = (def: LayerDef) =>
        rule(def.kerasClass).lower({ layer: def, inputShapes: [[null, 9, 12, 3]], inputDtypes: ["int32"], outputShapes: shapeOf(def, [null, 9, 12, 3]), inputLayouts: [NHWC], outputLayouts: [NHWC] });
      expect(() => lowerInt(layer("Resizing", { height: 4, width: 4 }))).toThrow(/int32 image is not supported/);
      expect(() => lowerInt(layer("CenterCrop", { height: 10, width: 8 }))).toThrow(ConfigError);
      expect(lowerInt(layer("CenterCrop", { height: 4, width: 4 })).ok).toBe(true);
    });

    it("CenterCrop slices, or crops to the aspect ratio and resizes an image smaller than the crop", () => {
      expect(py(lower(layer("CenterCrop", { height: 4, width: 6 }), [[null, 9, 12, 3]]).forward)).toBe("x[:, :, 2:6, 3:9]");
      expect(py(lower(layer("CenterCrop", { height: 10, width: 8 }), [[null, 9, 12, 3]]).forward)).toBe(
        'F.interpolate(x[:, :, 0:9, 2:9], size=(10, 8), mode="bilinear", align_corners=False)',
      );
    });

    it("UpSampling2D resizes with KerasResize for TensorFlow's other kernels", () => {
      const up = (interpolation: string, shape: Shape = [null, 9, 12, 3]) => lower(layer("UpSampling2D", { size: [2, 3], interpolation }), [shape]);
      expect(ctor(up("bilinear"))).toBe('nn.Upsample(scale_factor=(2.0, 3.0), mode="bilinear", align_corners=False)');
      expect(ctor(up("lanczos5"))).toBe('KerasResize((9, 12), (18, 36), "lanczos5")');
      expect(() => up("bicubic", [null, null, 12, 3])).toThrow(ConfigError);
      expect(() => up("spline")).toThrow(ConfigError);
    });

    it("Concatenate remaps the axis to the PyTorch dim", () => {
      expect(py(lower(layer("Concatenate"), [[null, 4, 4, 3], [null, 4, 4, 5]], [NHWC, NHWC]).forward, 2)).toBe("torch.cat([x0, x1], dim=1)");
      expect(py(lower(layer("Concatenate"), [[null, 4, 3], [null, 4, 5]]).forward, 2)).toBe("torch.cat([x0, x1], dim=-1)");
      expect(py(lower(layer("Concatenate", { axis: 1 }), [[null, 4, 4, 3], [null, 2, 4, 3]], [NHWC, NHWC]).forward, 2)).toBe(
        "torch.cat([x0, x1], dim=2)",
      );
    });

    it("Add/Subtract/Multiply become Python operators on a shared layout", () => {
      expect(py(lower(layer("Add"), [[null, 4], [null, 4], [null, 4]]).forward, 3)).toBe("x0 + x1 + x2");
      expect(py(lower(layer("Subtract"), [[null, 4], [null, 4]]).forward, 2)).toBe("x0 - x1");
      expect(py(lower(layer("Multiply"), [[null, 4], [null, 4]]).forward, 2)).toBe("x0 * x1");
      const plan = rule("Add").layout({ layer: layer("Add"), inputShapes: [[null, 4, 4, 3], [null, 4, 4, 3]], inputLayouts: [identity(4), NHWC], outputShapes: [[null, 4, 4, 3]] });
      expect(plan).toEqual({ inputs: [NHWC, NHWC], outputs: [NHWC] });
    });
  });
});

describe("recurrent dropout in training", () => {
  it("a one-direction layer picks keras_recurrent_dropout in training and keeps the module call in eval", () => {
    const lstm = lower(layer("LSTM", { units: 4, dropout: 0.2, recurrent_dropout: 0.1 }), [[null, 5, 3]]);
    expect(py(lstm.forward)).toBe("(keras_recurrent_dropout(self.m, x, dropout=0.2, recurrent_dropout=0.1, per_gate=True) if self.training else self.m(x))[0][:, -1]");
    expect(lstm.warning).toBeUndefined();
    const bi = lower(layer("Bidirectional", { layer: { class_name: "GRU", config: { units: 4, dropout: 0.2 } } }), [[null, 5, 3]]);
    expect(py(bi.steps![0]!.value)).toBe("keras_recurrent_dropout(self.m, x, dropout=0.2) if self.training else self.m(x)");
    expect(bi.warning).toBeUndefined();
    const gru = lower(layer("GRU", { units: 4, dropout: 0.5, go_backwards: true, return_sequences: true }), [[null, 5, 3], [null, 4]]);
    expect(py(gru.forward, 2)).toBe("(keras_recurrent_dropout(self.m, x0.flip(1), x1.unsqueeze(0), dropout=0.5) if self.training else self.m(x0.flip(1), x1.unsqueeze(0)))[0]");
    // Keras' implementation=1 draws one mask per gate even without recurrent_dropout.
    expect(py(lower(layer("LSTM", { units: 4, dropout: 0.5, implementation: 1 }), [[null, 5, 3]]).forward)).toContain("per_gate=True");
    expect(py(lower(layer("SimpleRNN", { units: 4, recurrent_dropout: 0.5 }), [[null, 5, 3]]).forward)).not.toContain("per_gate");
    expect(py(lower(layer("LSTM", { units: 4 }), [[null, 5, 3]]).forward)).toBe("self.m(x)[0][:, -1]");
  });

  it("generated cells drop by themselves; the cases not covered keep a warning that names them", () => {
    const bi = lower(
      layer("Bidirectional", {
        layer: { class_name: "LSTM", config: { units: 4, dropout: 0.2 } },
        backward_layer: { class_name: "LSTM", config: { units: 4, dropout: 0.3, go_backwards: true } },
      }),
      [[null, 5, 3]],
    );
    expect(bi.warning).toMatch(/only act in training; with a `backward_layer` of other dropout rates the generated module does not drop/);
    expect(JSON.stringify([bi.forward, bi.steps])).not.toContain("keras_recurrent_dropout");
    // A generated KerasRNN drops by itself.
    const generated = lower(layer("LSTM", { units: 4, dropout: 0.2, recurrent_dropout: 0.1, activation: "relu" }), [[null, 5, 3]]);
    expect(generated.warning).toBeUndefined();
    expect(ctor(generated)).toBe('KerasRNN("lstm", 3, 4, activation=F.relu, dropout=0.2, recurrent_dropout=0.1, per_gate=True)');
  });
});
