// Flatten, Reshape, Permute, RepeatVector, ZeroPadding1D/2D, Cropping1D/2D.
// Flatten over an NCHW tensor orders features differently from Keras' NHWC; instead of permuting the
// data, the output is marked `flat` and the consuming Dense permutes its kernel rows.
import { channelsFirst, identity, inversePerm, torchShape } from "../ir/layout.js";
import type { PyExpr } from "../ir/types.js";
import type { LayerRule } from "./types.js";
import { ConfigError, callModule, channelAxis, input, isStatic, lit, method, num, product, shapeError, shapeOk, tuple } from "./util.js";

export const flattenRule: LayerRule = {
  name: "flatten",
  kerasClasses: ["Flatten"],
  summary: "`x.flatten(1)`; after NCHW the next Dense's kernel rows are permuted instead",
  signature: () => ({ params: [{ name: "data_format", default: null }] }),
  inferShape: ({ inputs }) => {
    const inner = inputs[0]!.slice(1);
    return shapeOk([inputs[0]![0]!, isStatic(inner) ? product(inner) : null]);
  },
  layout: ({ layer, inputShapes, inputLayouts }) => {
    const shape = inputShapes[0]!;
    const layout = inputLayouts[0]!;
    if (shape.length <= 2 || layout.kind === "flat") return { inputs: [null], outputs: [layout.kind === "flat" ? layout : identity(2)] };
    // Keras flattens a channels_first tensor in channels_last order: it moves axis 1 last first.
    const order = channelAxis(layer) === 1 ? channelsLastOrder(shape.length) : Array.from({ length: shape.length }, (_, i) => i);
    const fromOrder = inversePerm(order);
    const innerPerm = layout.perm.slice(1).map((axis) => fromOrder[axis]! - 1);
    if (innerPerm.every((p, i) => p === i)) return { inputs: [null], outputs: [identity(2)] };
    const inner = order.slice(1).map((axis) => shape[axis]!);
    if (!isStatic(inner)) return { inputs: [{ kind: "perm", perm: order }], outputs: [identity(2)] };
    return { inputs: [null], outputs: [{ kind: "flat", inner, innerPerm }] };
  },
  lower: () => ({ ok: true, lowering: { forward: method(input(), "flatten", [lit(1)]), weights: [], constants: [] } }),
};

/** The axes of a channels-first tensor in channels-last order: batch, the spatial axes, then axis 1. */
const channelsLastOrder = (rank: number): number[] => [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];

export const reshapeRule: LayerRule = {
  name: "reshape",
  kerasClasses: ["Reshape"],
  summary: "`x.reshape(...)` in Keras axis order (the one place a permute may be needed)",
  signature: () => ({ params: [{ name: "target_shape", default: null }] }),
  inferShape: ({ layer, inputs }) => {
    const target = targetShape(layer.config.target_shape);
    const inner = inputs[0]!.slice(1);
    const unknown = target.filter((d) => d === -1).length;
    if (unknown > 1) return shapeError("target_shape may contain at most one -1");
    if (!isStatic(inner)) return shapeOk([inputs[0]![0]!, ...target.map((d) => (d === -1 ? null : d))]);
    const total = product(inner);
    const known = product(target.filter((d) => d !== -1));
    if (unknown === 0 && known !== total) return shapeError(`cannot reshape ${total} elements into ${JSON.stringify(target)}`);
    if (unknown === 1 && total % known !== 0) return shapeError(`cannot reshape ${total} elements into ${JSON.stringify(target)}`);
    return shapeOk([inputs[0]![0]!, ...target.map((d) => (d === -1 ? total / known : d))]);
  },
  // Reshape is defined on Keras' axis order. When at most one axis has a size other than 1 on both
  // sides (squeeze-and-excite's `Reshape((1, 1, C))`), the element order is the same in every layout:
  // take the input as it is and give a rank >= 3 output channels-first, as conv features are.
  layout: ({ inputShapes, outputShapes, inputLayouts }) => {
    const inRank = inputShapes[0]!.length;
    const outRank = outputShapes[0]!.length;
    if (singleAxis(inputShapes[0]!) && singleAxis(outputShapes[0]!) && inputLayouts[0]!.kind === "perm") {
      return { inputs: [null], outputs: [outRank >= 3 ? channelsFirst(outRank, -1) : identity(outRank)] };
    }
    return { inputs: [identity(inRank)], outputs: [identity(outRank)] };
  },
  lower: ({ outputShapes, outputLayouts }) => {
    const out = torchShape(outputShapes[0]!, outputLayouts[0]!).slice(1);
    // Known sizes are written out; one unknown size becomes -1 with the batch taken from the input.
    const dims: PyExpr[] = isStatic(out)
      ? [lit(-1), ...out.map((d) => lit(d))]
      : [method(input(), "size", [lit(0)]), ...out.map((d) => lit(d === null ? -1 : d))];
    return { ok: true, lowering: { forward: method(input(), "reshape", dims), weights: [], constants: [] } };
  },
};

/** Static, and at most one non-batch axis larger than 1. */
function singleAxis(shape: (number | null)[]): boolean {
  const inner = shape.slice(1);
  return isStatic(inner) && inner.filter((d) => d !== 1).length <= 1;
}

function targetShape(value: unknown): number[] {
  if (Array.isArray(value) && value.every((d) => typeof d === "number")) return value as number[];
  throw new ConfigError("`target_shape` must be a tuple of ints");
}

/** ((top, bottom), (left, right)) from Keras' int / (h, w) / ((t, b), (l, r)) forms. */
function zeroPads(value: unknown): [[number, number], [number, number]] {
  if (typeof value === "number") return [[value, value], [value, value]];
  if (Array.isArray(value) && value.length === 2) {
    const [h, w] = value;
    if (typeof h === "number" && typeof w === "number") return [[h, h], [w, w]];
    if (Array.isArray(h) && Array.isArray(w) && h.length === 2 && w.length === 2) {
      return [[h[0] as number, h[1] as number], [w[0] as number, w[1] as number]];
    }
  }
  throw new ConfigError("`padding` must be an int, (h, w) or ((top, bottom), (left, right))");
}

export const zeroPadding2dRule: LayerRule = {
  name: "zero_padding2d",
  kerasClasses: ["ZeroPadding2D"],
  summary: "`nn.ZeroPad2d((left, right, top, bottom))` in NCHW",
  signature: () => ({ params: [{ name: "padding", default: 1 }, { name: "data_format", default: null }] }),
  inferShape: ({ layer, inputs }) => {
    const shape = inputs[0]!;
    if (shape.length !== 4) return shapeError(`ZeroPadding2D expects a rank-4 input, got rank ${shape.length}`);
    const [[t, b], [l, r]] = zeroPads(layer.config.padding);
    const [hAxis, wAxis] = channelAxis(layer) === 1 ? [2, 3] : [1, 2];
    const out = [...shape];
    out[hAxis] = shape[hAxis] === null ? null : shape[hAxis]! + t + b;
    out[wAxis] = shape[wAxis] === null ? null : shape[wAxis]! + l + r;
    return shapeOk(out);
  },
  layout: ({ layer }) => {
    const cf = channelsFirst(4, channelAxis(layer));
    return { inputs: [cf], outputs: [cf] };
  },
  lower: ({ layer }) => {
    const [[t, b], [l, r]] = zeroPads(layer.config.padding);
    return {
      ok: true,
      lowering: {
        module: { ctor: "nn.ZeroPad2d", args: [l === r && r === t && t === b ? lit(t) : tuple([l, r, t, b])], kwargs: [] },
        forward: callModule(input()),
        weights: [],
        constants: [],
      },
    };
  },
};

export const repeatVectorRule: LayerRule = {
  name: "repeat_vector",
  kerasClasses: ["RepeatVector"],
  summary: "`x.unsqueeze(1).repeat(1, n, 1)`: (N, F) to (N, n, F)",
  signature: () => ({ params: [{ name: "n", default: null }] }),
  inferShape: ({ layer, inputs }) => {
    const shape = inputs[0]!;
    if (shape.length !== 2) return shapeError(`RepeatVector expects a rank-2 input, got rank ${shape.length}`);
    return shapeOk([shape[0]!, num(layer, "n"), shape[1]!]);
  },
  layout: () => ({ inputs: [identity(2)], outputs: [identity(3)] }),
  lower: ({ layer }) => ({
    ok: true,
    lowering: { forward: method(method(input(), "unsqueeze", [lit(1)]), "repeat", [lit(1), lit(num(layer, "n")), lit(1)]), weights: [], constants: [] },
  }),
};

export const permuteRule: LayerRule = {
  name: "permute",
  kerasClasses: ["Permute"],
  summary: "`x.permute(0, ...)`: Keras' `dims` count from 1; the input is taken in Keras order",
  signature: () => ({ params: [{ name: "dims", default: null }] }),
  inferShape: ({ layer, inputs }) => {
    const dims = permuteDims(layer.config.dims, inputs[0]!.length);
    return shapeOk([inputs[0]![0]!, ...dims.map((d) => inputs[0]![d]!)]);
  },
  layout: ({ inputShapes }) => ({ inputs: [identity(inputShapes[0]!.length)], outputs: [identity(inputShapes[0]!.length)] }),
  lower: ({ layer, inputShapes }) => {
    const dims = permuteDims(layer.config.dims, inputShapes[0]!.length);
    return { ok: true, lowering: { forward: method(input(), "permute", [lit(0), ...dims.map((d) => lit(d))]), weights: [], constants: [] } };
  },
};

function permuteDims(value: unknown, rank: number): number[] {
  const dims = Array.isArray(value) ? value : null;
  const valid = dims && dims.length === rank - 1 && [...dims].sort().every((d, i) => d === i + 1);
  if (!valid) throw new ConfigError(`\`dims\` must be a permutation of 1..${rank - 1}, got ${JSON.stringify(value)}`);
  return dims as number[];
}

/** (start, end) pairs per spatial axis from Keras' int / tuple / tuple-of-pairs forms. */
function pairs(value: unknown, n: number, what: string): [number, number][] {
  if (typeof value === "number") return Array.from({ length: n }, () => [value, value] as [number, number]);
  if (Array.isArray(value) && n === 1 && value.length === 2 && value.every((v) => typeof v === "number")) return [[value[0] as number, value[1] as number]];
  if (Array.isArray(value) && value.length === n) {
    return value.map((v) => {
      if (typeof v === "number") return [v, v] as [number, number];
      if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number")) return [v[0] as number, v[1] as number];
      throw new ConfigError(`\`${what}\` must be an int, ${n} ints or ${n} (start, end) pairs`);
    });
  }
  throw new ConfigError(`\`${what}\` must be an int, ${n} ints or ${n} (start, end) pairs`);
}

/** Spatial axes of a rank-(n+2) input in Keras order (channels last unless data_format says first). */
const spatialAxes = (layer: Parameters<LayerRule["inferShape"]>[0]["layer"], n: number) =>
  Array.from({ length: n }, (_, i) => (channelAxis(layer) === 1 ? i + 2 : i + 1));

export const zeroPadding1dRule: LayerRule = {
  name: "zero_padding1d",
  kerasClasses: ["ZeroPadding1D"],
  summary: "`nn.ZeroPad1d((left, right))` over the time dim of a channels-first tensor",
  signature: () => ({ params: [{ name: "padding", default: 1 }, { name: "data_format", default: null }] }),
  inferShape: ({ layer, inputs }) => {
    const shape = inputs[0]!;
    if (shape.length !== 3) return shapeError(`ZeroPadding1D expects a rank-3 input, got rank ${shape.length}`);
    const [[l, r]] = pairs(layer.config.padding, 1, "padding");
    const [t] = spatialAxes(layer, 1);
    const out = [...shape];
    out[t!] = shape[t!] === null ? null : shape[t!]! + l! + r!;
    return shapeOk(out);
  },
  layout: ({ layer }) => ({ inputs: [channelsFirst(3, channelAxis(layer))], outputs: [channelsFirst(3, channelAxis(layer))] }),
  lower: ({ layer }) => {
    const [[l, r]] = pairs(layer.config.padding, 1, "padding");
    return { ok: true, lowering: { module: { ctor: "nn.ZeroPad1d", args: [l === r ? lit(l!) : tuple([l!, r!])], kwargs: [] }, forward: callModule(input()), weights: [], constants: [] } };
  },
};

export const croppingRule: LayerRule = {
  name: "cropping",
  kerasClasses: ["Cropping1D", "Cropping2D", "Cropping3D"],
  summary: "a slice of the spatial dims of the channels-first tensor (`x[:, :, 1:-1, 2:]`)",
  signature: (cls) => ({ params: [{ name: "cropping", default: cls === "Cropping1D" ? [1, 1] : cls === "Cropping2D" ? [[0, 0], [0, 0]] : [[1, 1], [1, 1], [1, 1]] }, { name: "data_format", default: null }] }),
  inferShape: ({ layer, inputs }) => {
    const n = Number(/([123])D/.exec(layer.kerasClass)![1]);
    const shape = inputs[0]!;
    if (shape.length !== n + 2) return shapeError(`${layer.kerasClass} expects a rank-${n + 2} input, got rank ${shape.length}`);
    const crops = pairs(layer.config.cropping, n, "cropping");
    const out = [...shape];
    for (const [i, axis] of spatialAxes(layer, n).entries()) {
      const size = shape[axis];
      const [a, b] = crops[i]!;
      if (size !== null && size !== undefined && a + b >= size) return shapeError(`cropping ${a + b} of an axis of size ${size} leaves nothing`);
      out[axis] = size === null || size === undefined ? null : size - a - b;
    }
    return shapeOk(out);
  },
  layout: ({ layer, inputShapes }) => {
    const cf = channelsFirst(inputShapes[0]!.length, channelAxis(layer));
    return { inputs: [cf], outputs: [cf] };
  },
  lower: ({ layer }) => {
    const n = Number(/([123])D/.exec(layer.kerasClass)![1]);
    const crops = pairs(layer.config.cropping, n, "cropping");
    const all: PyExpr = { k: "slice", start: null, stop: null, step: null };
    const items: PyExpr[] = [all, all, ...crops.map(([a, b]): PyExpr => ({ k: "slice", start: a ? lit(a) : null, stop: b ? lit(-b) : null, step: null }))];
    return { ok: true, lowering: { forward: { k: "subscript", obj: input(), index: { k: "tuple", items } }, weights: [], constants: [] } };
  },
};

export const zeroPadding3dRule: LayerRule = {
  name: "zero_padding3d",
  kerasClasses: ["ZeroPadding3D"],
  summary: "`nn.ZeroPad3d((left, right, top, bottom, front, back))` on the channels-first tensor",
  signature: () => ({ params: [{ name: "padding", default: 1 }, { name: "data_format", default: null }] }),
  inferShape: ({ layer, inputs }) => {
    const shape = inputs[0]!;
    if (shape.length !== 5) return shapeError(`ZeroPadding3D expects a rank-5 input, got rank ${shape.length}`);
    const pads = pairs(layer.config.padding, 3, "padding");
    const out = [...shape];
    spatialAxes(layer, 3).forEach((axis, i) => (out[axis] = shape[axis] === null ? null : shape[axis]! + pads[i]![0] + pads[i]![1]));
    return shapeOk(out);
  },
  layout: ({ layer }) => ({ inputs: [channelsFirst(5, channelAxis(layer))], outputs: [channelsFirst(5, channelAxis(layer))] }),
  lower: ({ layer }) => {
    const pads = pairs(layer.config.padding, 3, "padding");
    // nn.ZeroPad3d takes the last dim first.
    const order = [...pads].reverse().flat();
    const same = order.every((p) => p === order[0]);
    return { ok: true, lowering: { module: { ctor: "nn.ZeroPad3d", args: [same ? lit(order[0]!) : tuple(order)], kwargs: [] }, forward: callModule(input()), weights: [], constants: [] } };
  },
};
