// Merge layers: Add, Subtract, Multiply → Python operators; Concatenate → torch.cat on the remapped dim.
import { identity, torchDim } from "../ir/layout.js";
import type { Layout, PyExpr, Shape } from "../ir/types.js";
import type { LayerRule, LayoutContext, LayoutPlan, ShapeResult } from "./types.js";
import { ConfigError, call, input, lit, num, shapeError, shapeOk } from "./util.js";

/** NumPy broadcasting of Keras shapes (unknown sizes broadcast with anything). */
export function broadcastShapes(shapes: Shape[]): ShapeResult {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    let size: number | null = 1;
    for (const shape of shapes) {
      const d = shape[shape.length - rank + i];
      if (d === undefined || d === 1) continue;
      if (d === null) size = size === 1 ? null : size;
      else if (size === 1 || size === null) size = d;
      else if (size !== d) return shapeError(`shapes ${shapes.map((s) => JSON.stringify(s)).join(" and ")} do not broadcast`);
    }
    out.push(size);
  }
  return shapeOk(out);
}

/**
 * Elementwise ops need one layout for all inputs. Keep the first non-identity layout of full rank
 * (a conv net stays NCHW); lower-rank inputs are in Keras order and broadcast from the right, which
 * only agrees when the layout is the identity, so they force it.
 */
export function sharedLayout({ inputShapes, inputLayouts }: Pick<LayoutContext, "inputShapes" | "inputLayouts">): LayoutPlan {
  const rank = Math.max(...inputShapes.map((s) => s.length));
  const fullRank = inputShapes.every((s) => s.length === rank);
  let chosen: Layout = identity(rank);
  if (fullRank) {
    const flats = inputLayouts.filter((l) => l.kind === "flat");
    const first = inputLayouts.find((l) => l.kind === "perm" && l.perm.some((p, i) => p !== i));
    if (flats.length === inputLayouts.length && flats.every((f) => JSON.stringify(f) === JSON.stringify(flats[0]))) chosen = flats[0]!;
    else if (first) chosen = first;
  }
  return { inputs: inputShapes.map((s) => (s.length === rank ? chosen : identity(s.length))), outputs: [chosen] };
}

const OPERATORS: Record<string, "+" | "-" | "*"> = { Add: "+", Subtract: "-", Multiply: "*" };

/**
 * Multiply, Maximum and Minimum read their inputs' Keras masks (keras/src/layers/merging): the generated
 * `masked_merge` does what they do. The masks follow the inputs; everything stays in Keras' axis order,
 * where the (batch, steps) masks broadcast.
 */
function maskedMerge(op: string, inputCount: number, masks: boolean[]): PyExpr {
  let next = inputCount;
  const maskArgs: PyExpr[] = Array.from({ length: inputCount }, (_, i) => (masks[i] ? input(next++) : lit(null)));
  return call("masked_merge", [lit(op), { k: "list", items: Array.from({ length: inputCount }, (_, i) => input(i)) }, { k: "list", items: maskArgs }]);
}

const tensorCount = (shapes: Shape[], masks: boolean[] | undefined) => shapes.length - (masks ?? []).filter(Boolean).length;

/** A masked merge runs in Keras' axis order, where its masks broadcast. */
function mergeLayout(ctx: LayoutContext): LayoutPlan {
  if (!ctx.masks?.some(Boolean)) return sharedLayout(ctx);
  return { inputs: ctx.inputShapes.map((s) => identity(s.length)), outputs: [identity(ctx.outputShapes[0]!.length)] };
}

export const arithmeticMergeRule: LayerRule = {
  name: "arithmetic_merge",
  kerasClasses: Object.keys(OPERATORS),
  summary: "Python operators `a + b`, `a - b`, `a * b`; a Multiply of masked inputs is the generated `masked_merge`, as Keras takes a masked step as 1",
  signature: () => ({ params: [] }),
  inferShape: ({ layer, inputs: all, masks }) => {
    const inputs = all.slice(0, tensorCount(all, masks));
    if (inputs.length < 2) return shapeError(`${layer.kerasClass} needs at least 2 inputs`);
    if (layer.kerasClass === "Subtract" && inputs.length !== 2) return shapeError("Subtract needs exactly 2 inputs");
    return broadcastShapes(inputs);
  },
  layout: mergeLayout,
  lower: ({ layer, inputShapes, masks }) => {
    if (masks?.some(Boolean)) return { ok: true, lowering: { forward: maskedMerge("multiply", tensorCount(inputShapes, masks), masks), weights: [], constants: [] } };
    const op = OPERATORS[layer.kerasClass]!;
    let forward: PyExpr = input(0);
    for (let i = 1; i < inputShapes.length; i++) forward = { k: "binop", op, left: forward, right: input(i) };
    return { ok: true, lowering: { forward, weights: [], constants: [] } };
  },
};

export const concatenateRule: LayerRule = {
  name: "concatenate",
  kerasClasses: ["Concatenate"],
  summary: "`torch.cat` with `axis` remapped to the PyTorch dim",
  signature: () => ({ params: [{ name: "axis", default: -1 }] }),
  inferShape: ({ layer, inputs }) => {
    if (inputs.length < 2) return shapeError("Concatenate needs at least 2 inputs");
    const rank = inputs[0]!.length;
    if (inputs.some((s) => s.length !== rank)) return shapeError("Concatenate inputs must have the same rank");
    const axis = num(layer, "axis");
    const a = axis < 0 ? axis + rank : axis;
    if (a <= 0 || a >= rank) return shapeError(`axis ${axis} is out of range for rank ${rank}`);
    const out = [...inputs[0]!];
    out[a] = inputs.some((s) => s[a] === null) ? null : inputs.reduce((sum, s) => sum + (s[a] as number), 0);
    for (const s of inputs) {
      for (let i = 1; i < rank; i++) {
        if (i !== a && s[i] !== null && out[i] !== null && s[i] !== out[i]) {
          return shapeError(`Concatenate inputs differ on axis ${i}: ${inputs.map((x) => JSON.stringify(x)).join(", ")}`);
        }
      }
    }
    return shapeOk(out);
  },
  layout: (ctx) => {
    const plan = sharedLayout(ctx);
    // A flattened NCHW block cannot be concatenated with another feature block meaningfully: use Keras order.
    if (plan.outputs[0]!.kind === "flat") {
      const rank = ctx.inputShapes[0]!.length;
      return { inputs: ctx.inputShapes.map(() => identity(rank)), outputs: [identity(rank)] };
    }
    return plan;
  },
  lower: ({ layer, inputShapes, inputLayouts }) => {
    const rank = inputShapes[0]!.length;
    const layout = inputLayouts[0]!;
    if (layout.kind !== "perm") throw new ConfigError("unexpected flat layout");
    const dim = torchDim(layout, num(layer, "axis"), rank);
    const forward = call("torch.cat", [{ k: "list", items: inputShapes.map((_, i) => input(i)) }], [
      ["dim", lit(dim === rank - 1 ? -1 : dim)],
    ]);
    return { ok: true, lowering: { forward, weights: [], constants: [] } };
  },
};

const REDUCERS: Record<string, string> = { Maximum: "torch.maximum", Minimum: "torch.minimum" };

export const elementwiseMergeRule: LayerRule = {
  name: "elementwise_merge",
  kerasClasses: ["Average", "Maximum", "Minimum"],
  summary: "`(a + b) / 2`, `torch.maximum(a, b)`, `torch.minimum(a, b)` (chained for more inputs); Maximum and Minimum of masked inputs are the generated `masked_merge`",
  signature: () => ({ params: [] }),
  inferShape: ({ layer, inputs: all, masks }) => {
    const inputs = all.slice(0, tensorCount(all, masks));
    if (inputs.length < 2) return shapeError(`${layer.kerasClass} needs at least 2 inputs`);
    return broadcastShapes(inputs);
  },
  layout: mergeLayout,
  lower: ({ layer, inputShapes, masks }) => {
    if (masks?.some(Boolean)) return { ok: true, lowering: { forward: maskedMerge(layer.kerasClass.toLowerCase(), tensorCount(inputShapes, masks), masks), weights: [], constants: [] } };
    const n = inputShapes.length;
    let forward: PyExpr = input(0);
    if (layer.kerasClass === "Average") {
      for (let i = 1; i < n; i++) forward = { k: "binop", op: "+", left: forward, right: input(i) };
      forward = { k: "binop", op: "/", left: forward, right: { k: "float", value: n } };
    } else {
      for (let i = 1; i < n; i++) forward = call(REDUCERS[layer.kerasClass]!, [forward, input(i)]);
    }
    return { ok: true, lowering: { forward, weights: [], constants: [] } };
  },
};

/** Dot's `axes` for two inputs of these ranks, non-negative. */
function dotAxes(value: unknown, ranks: [number, number]): [number, number] {
  const pair = typeof value === "number" ? [value, value] : Array.isArray(value) && value.length === 2 ? value : null;
  if (!pair || !pair.every((a) => typeof a === "number")) throw new ConfigError("`axes` must be an int or a pair of ints");
  const [a, b] = (pair as number[]).map((ax, i) => (ax < 0 ? ax + ranks[i]! : ax));
  if (a! <= 0 || b! <= 0 || a! >= ranks[0] || b! >= ranks[1]) throw new ConfigError(`\`axes\` ${JSON.stringify(value)} must name non-batch axes`);
  return [a!, b!];
}

/** The einsum equation of Keras' batch_dot: the batch axis shared, `axes` contracted. */
function dotEquation(ranks: [number, number], [a, b]: [number, number]): { equation: string; rank: number } {
  const letters = "ijklmnopqr";
  let next = 0;
  const x = Array.from({ length: ranks[0] }, (_, i) => (i === 0 ? "b" : letters[next++]!));
  const y = Array.from({ length: ranks[1] }, (_, i) => (i === 0 ? "b" : i === b ? x[a]! : letters[next++]!));
  const out = ["b", ...x.filter((_, i) => i !== 0 && i !== a), ...y.filter((_, i) => i !== 0 && i !== b)];
  return { equation: `${x.join("")},${y.join("")}->${out.join("")}`, rank: out.length };
}

export const dotRule: LayerRule = {
  name: "dot",
  kerasClasses: ["Dot"],
  summary: "`torch.einsum` over the contracted axes (Keras' batch dot); `normalize` L2-normalizes first",
  signature: () => ({ params: [{ name: "axes", default: null }, { name: "normalize", default: false }] }),
  inferShape: ({ layer, inputs }) => {
    if (inputs.length !== 2) return shapeError("Dot needs exactly 2 inputs");
    const [x, y] = inputs as [Shape, Shape];
    const axes = dotAxes(layer.config.axes, [x.length, y.length]);
    if (x[axes[0]] !== null && y[axes[1]] !== null && x[axes[0]] !== y[axes[1]]) return shapeError(`Dot: axis sizes ${x[axes[0]]} and ${y[axes[1]]} differ`);
    const out = [x[0] ?? null, ...x.filter((_, i) => i !== 0 && i !== axes[0]), ...y.filter((_, i) => i !== 0 && i !== axes[1])];
    // Keras keeps a (batch, 1) result for two vectors.
    return shapeOk(out.length === 1 ? [out[0]!, 1] : out);
  },
  // The contraction is written for Keras' axis order.
  layout: ({ inputShapes, outputShapes }) => ({ inputs: inputShapes.map((s) => identity(s.length)), outputs: [identity(outputShapes[0]!.length)] }),
  lower: ({ layer, inputShapes }) => {
    const ranks: [number, number] = [inputShapes[0]!.length, inputShapes[1]!.length];
    const axes = dotAxes(layer.config.axes, ranks);
    const normalize = layer.config.normalize === true;
    const operand = (i: number, axis: number): PyExpr => (normalize ? call("F.normalize", [input(i)], [["dim", lit(axis === ranks[i]! - 1 ? -1 : axis)]]) : input(i));
    const { equation, rank } = dotEquation(ranks, axes);
    let forward = call("torch.einsum", [lit(equation), operand(0, axes[0]), operand(1, axes[1])]);
    if (rank === 1) forward = { k: "call", fn: { k: "attr", obj: forward, name: "unsqueeze" }, args: [lit(1)] };
    return { ok: true, lowering: { forward, weights: [], constants: [] } };
  },
};
