// Pooling: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D and the global poolings, channels-first.
// Keras 'same' max pooling pads with -inf; 'same' average pooling leaves padded cells out of the mean.
import { channelsFirst, identity, isIdentity, torchDim } from "../ir/layout.js";
import type { LayerDef, Layout, PyExpr, Shape } from "../ir/types.js";
import { intOrTuple, spatialAxes } from "./convolution.js";
import { fPadOrder, isSymmetric, sameOutput, samePads, validOutput, type Pads } from "./padding.js";
import type { LayerRule, LowerResult } from "./types.js";
import { ConfigError, bool, call, callModule, channelAxis, input, lit, method, shapeError, shapeOk, str, tuple, tupleN } from "./util.js";

const POOLS: Record<string, { n: number; max: boolean }> = {
  MaxPooling1D: { n: 1, max: true },
  MaxPooling2D: { n: 2, max: true },
  AveragePooling1D: { n: 1, max: false },
  AveragePooling2D: { n: 2, max: false },
  MaxPooling3D: { n: 3, max: true },
  AveragePooling3D: { n: 3, max: false },
};

interface PoolGeometry {
  n: number;
  max: boolean;
  axis: number;
  pool: number[];
  strides: number[];
  padding: string;
}

function geometry(layer: LayerDef): PoolGeometry {
  const { n, max } = POOLS[layer.kerasClass]!;
  const pool = tupleN(layer, "pool_size", n);
  const stridesValue = layer.config.strides;
  const strides = stridesValue === null || stridesValue === undefined ? pool : tupleN(layer, "strides", n);
  const padding = str(layer, "padding").toLowerCase();
  if (padding !== "valid" && padding !== "same") throw new ConfigError(`unknown padding '${padding}'`);
  return { n, max, axis: channelAxis(layer), pool, strides, padding };
}

function pooledShape(layer: LayerDef, shape: Shape) {
  const g = geometry(layer);
  if (shape.length !== g.n + 2) return shapeError(`${layer.kerasClass} expects a rank-${g.n + 2} input, got rank ${shape.length}`);
  const out = [...shape];
  spatialAxes(shape.length, g.axis).forEach((axis, i) => {
    out[axis] = g.padding === "valid" ? validOutput(shape[axis]!, g.pool[i]!, g.strides[i]!) : sameOutput(shape[axis]!, g.strides[i]!);
  });
  if (out.some((d) => d !== null && d <= 0)) return shapeError(`${layer.kerasClass} output would be empty`);
  return shapeOk(out);
}

function lowerPool(layer: LayerDef, shape: Shape): LowerResult {
  const g = geometry(layer);
  const spatial = spatialAxes(shape.length, g.axis).map((a) => shape[a]!);
  let pads: Pads[] = g.pool.map(() => ({ before: 0, after: 0 }));
  const kwargs: [string, PyExpr][] = [];
  if (g.strides.some((s, i) => s !== g.pool[i])) kwargs.push(["stride", intOrTuple(g.strides)]);
  const cls = `nn.${g.max ? "Max" : "Avg"}Pool${g.n}d`;
  if (g.padding === "same") {
    const resolved = spatial.map((size, i) => samePads(size, g.pool[i]!, g.strides[i]!));
    if (resolved.some((p) => p === null)) {
      // An unknown size with stride > 1: pad in forward. Average pooling would also need the
      // per-window count of real cells, which is not implemented for run-time sizes.
      if (!g.max) throw new ConfigError("'same' average pooling with stride > 1 needs a statically known spatial size; give the Input a fixed size", "dynamic-padding");
      const ones = g.pool.map(() => 1);
      const x = call("pad_same", [input(), tuple(g.pool), tuple(g.strides), tuple(ones)], [["value", { k: "float", value: -Infinity }]]);
      return module(cls, g.pool, kwargs, callModule(x));
    }
    pads = resolved as Pads[];
  }
  const padded = pads.some((p) => p.before + p.after > 0);
  // PyTorch's own padding is symmetric and at most half the window.
  const nativePadding = isSymmetric(pads) && pads.every((p, i) => p.before <= Math.floor(g.pool[i]! / 2));
  if (!padded || nativePadding) {
    if (padded) kwargs.push(["padding", intOrTuple(pads.map((p) => p.before))]);
    if (padded && !g.max) kwargs.push(["count_include_pad", lit(false)]);
    return module(cls, g.pool, kwargs, callModule(input()));
  }
  if (g.max) {
    const x = call("F.pad", [input(), tuple(fPadOrder(pads))], [["value", { k: "float", value: -Infinity }]]);
    return module(cls, g.pool, kwargs, callModule(x));
  }
  return {
    ok: true,
    lowering: {
      forward: call("avg_pool_same", [input()], [
        ["kernel_size", intOrTuple(g.pool)],
        ["stride", intOrTuple(g.strides)],
        ["padding", tuple(fPadOrder(pads))],
      ]),
      weights: [],
      constants: [],
    },
  };
}

function module(ctor: string, pool: number[], kwargs: [string, PyExpr][], forward: PyExpr): LowerResult {
  return { ok: true, lowering: { module: { ctor, args: [intOrTuple(pool)], kwargs }, forward, weights: [], constants: [] } };
}

export const poolingRule: LayerRule = {
  name: "pooling",
  kerasClasses: Object.keys(POOLS),
  summary: "`nn.MaxPool*d`/`nn.AvgPool*d`; asymmetric 'same' pads with -inf (max) or excludes pads from the mean (average)",
  signature: () => ({
    params: [
      { name: "pool_size", default: 2 },
      { name: "strides", default: null },
      { name: "padding", default: "valid" },
      { name: "data_format", default: null },
    ],
  }),
  inferShape: ({ layer, inputs }) => pooledShape(layer, inputs[0]!),
  layout: ({ layer, inputShapes }) => {
    const cf = channelsFirst(inputShapes[0]!.length, channelAxis(layer));
    return { inputs: [cf], outputs: [cf] };
  },
  lower: ({ layer, inputShapes }) => lowerPool(layer, inputShapes[0]!),
};

const GLOBAL_POOLS: Record<string, { n: number; max: boolean }> = {
  GlobalAveragePooling1D: { n: 1, max: false },
  GlobalAveragePooling2D: { n: 2, max: false },
  GlobalMaxPooling1D: { n: 1, max: true },
  GlobalMaxPooling2D: { n: 2, max: true },
  GlobalAveragePooling3D: { n: 3, max: false },
  GlobalMaxPooling3D: { n: 3, max: true },
};

export const globalPoolingRule: LayerRule = {
  name: "global_pooling",
  kerasClasses: Object.keys(GLOBAL_POOLS),
  summary: "`x.mean(dim=...)`/`x.amax(dim=...)` over the spatial dims, with `keepdim`",
  signature: () => ({ params: [{ name: "data_format", default: null }, { name: "keepdims", default: false }] }),
  inferShape: ({ layer, inputs }) => {
    const { n } = GLOBAL_POOLS[layer.kerasClass]!;
    const shape = inputs[0]!;
    if (shape.length !== n + 2) return shapeError(`${layer.kerasClass} expects a rank-${n + 2} input, got rank ${shape.length}`);
    const spatial = spatialAxes(shape.length, channelAxis(layer));
    if (bool(layer, "keepdims")) return shapeOk(shape.map((d, i) => (spatial.includes(i) ? 1 : d)));
    return shapeOk(shape.filter((_, i) => !spatial.includes(i)));
  },
  // A reduction over the spatial axes works in any axis order: reduce the tensor where it is
  // (channels-first after a conv, Keras' order after a Dense), never permute it first.
  layout: ({ layer, inputShapes, inputLayouts, masks }) => {
    const masked = masks?.[0] === true;
    const keepdims = bool(layer, "keepdims");
    const given = inputLayouts[0]!;
    // The mask is (batch, timesteps): a masked mean reads the input in Keras' order.
    if (masked) return { inputs: [identity(3), identity(2)], outputs: [keepdims ? identity(3) : identity(2)] };
    if (given.kind === "perm") return { inputs: [null], outputs: [keepdims ? given : identity(2)] };
    const cf = channelsFirst(inputShapes[0]!.length, channelAxis(layer));
    return { inputs: [cf], outputs: [keepdims ? cf : identity(2)] };
  },
  lower: ({ layer, inputLayouts, inputShapes, masks }) => {
    const masked = masks?.[0] === true;
    const { max } = GLOBAL_POOLS[layer.kerasClass]!;
    const rank = inputShapes[0]!.length;
    if (masked) return maskedMean(layer, inputLayouts[0]!, rank);
    const dims = spatialAxes(rank, channelAxis(layer)).map((axis) => torchDim(inputLayouts[0]!, axis, rank));
    const kwargs: [string, PyExpr][] = [["dim", dims.length === 1 ? lit(dims[0]!) : tuple(dims)]];
    if (bool(layer, "keepdims")) kwargs.push(["keepdim", lit(true)]);
    return { ok: true, lowering: { forward: method(input(), max ? "amax" : "mean", [], kwargs), weights: [], constants: [] } };
  },
};

/**
 * GlobalAveragePooling1D with a mask (Keras' masked mean): the sum over the unmasked steps divided by
 * their count. Written out in `forward` so the reviewer sees the mask used.
 */
function maskedMean(layer: LayerDef, layout: Layout, rank: number): LowerResult {
  if (rank !== 3 || !isIdentity(layout)) throw new ConfigError("a masked GlobalAveragePooling1D needs a (batch, timesteps, features) input in Keras' order");
  const weights = method(method(input(1), "unsqueeze", [lit(-1)]), "to", [{ k: "attr", obj: input(), name: "dtype" }]);
  const keepdim: [string, PyExpr][] = bool(layer, "keepdims") ? [["keepdim", lit(true)]] : [];
  const total = method({ k: "binop", op: "*", left: input(), right: weights }, "sum", [], [["dim", lit(1)], ...keepdim]);
  const count = method(weights, "sum", [], [["dim", lit(1)], ...keepdim]);
  return { ok: true, lowering: { forward: { k: "binop", op: "/", left: total, right: count }, weights: [], constants: [] } };
}

const ADAPTIVE_POOLS: Record<string, { n: number; max: boolean }> = {
  AdaptiveAveragePooling1D: { n: 1, max: false },
  AdaptiveAveragePooling2D: { n: 2, max: false },
  AdaptiveAveragePooling3D: { n: 3, max: false },
  AdaptiveMaxPooling1D: { n: 1, max: true },
  AdaptiveMaxPooling2D: { n: 2, max: true },
  AdaptiveMaxPooling3D: { n: 3, max: true },
};

/**
 * Keras 3's adaptive pooling: output bin `i` of a length-L axis covers [floor(i·L/out), ceil((i+1)·L/out)),
 * the same bins as PyTorch's nn.AdaptiveAvgPool*d / nn.AdaptiveMaxPool*d.
 */
export const adaptivePoolingRule: LayerRule = {
  name: "adaptive_pooling",
  kerasClasses: Object.keys(ADAPTIVE_POOLS),
  summary: "`nn.AdaptiveAvgPool1d/2d`; max and 3D pooling with the `adaptive_pool` helper (slices, which ONNX export supports); the same bins as Keras",
  signature: () => ({ params: [{ name: "output_size", default: null }, { name: "data_format", default: null }] }),
  inferShape: ({ layer, inputs }) => {
    const { n } = ADAPTIVE_POOLS[layer.kerasClass]!;
    const shape = inputs[0]!;
    if (shape.length !== n + 2) return shapeError(`${layer.kerasClass} expects a rank-${n + 2} input, got rank ${shape.length}`);
    const size = tupleN(layer, "output_size", n);
    if (size.some((s) => s <= 0)) return shapeError("`output_size` must be positive");
    const spatial = spatialAxes(shape.length, channelAxis(layer));
    if (spatial.some((axis) => shape[axis] === null)) throw new ConfigError("adaptive pooling needs the spatial sizes to be known (Keras requires them too)");
    return shapeOk(shape.map((d, axis) => (spatial.includes(axis) ? size[spatial.indexOf(axis)]! : d)));
  },
  layout: ({ layer, inputShapes }) => {
    const cf = channelsFirst(inputShapes[0]!.length, channelAxis(layer));
    return { inputs: [cf], outputs: [cf] };
  },
  lower: ({ layer }) => {
    const { n, max } = ADAPTIVE_POOLS[layer.kerasClass]!;
    const size = tupleN(layer, "output_size", n);
    // torch.onnx cannot export adaptive max pooling, nor 3D adaptive average pooling: those use a helper
    // made of slices; the others are PyTorch's modules.
    if (max || n === 3) return { ok: true, lowering: { forward: call("adaptive_pool", [input(), tuple(size), lit(max ? "max" : "mean")]), weights: [], constants: [] } };
    return module(`nn.AdaptiveAvgPool${n}d`, size, [], callModule(input()));
  },
};
