// BatchNormalization → nn.BatchNorm{1,2,3}d on the channel dim; LayerNormalization → nn.LayerNorm;
// GroupNormalization → nn.GroupNorm; UnitNormalization → F.normalize.
// Keras: epsilon 1e-3, momentum 0.99 (PyTorch: eps 1e-5, momentum = 1 - Keras momentum).
// Keras stores gamma (if scale), beta (if center), moving_mean, moving_variance, in that order.
import { channelsFirst, identity, isIdentity, normalizeAxis, torchDim } from "../ir/layout.js";
import type { ConstantEntry, Layout, PyExpr, WeightEntry } from "../ir/types.js";
import type { LayerDef } from "../ir/types.js";
import type { LayerRule, LowerResult } from "./types.js";
import { ConfigError, bool, call, callModule, input, lit, num, self, shapeError, shapeOk } from "./util.js";

/** PyTorch's momentum weighs the new batch, Keras' the running value. Round off float noise. */
const torchMomentum = (kerasMomentum: number): number => Number((1 - kerasMomentum).toPrecision(12));

function axisOf(config: Record<string, unknown>): number {
  const axis = config.axis;
  if (Array.isArray(axis)) {
    if (axis.length === 1 && typeof axis[0] === "number") return axis[0];
    throw new ConfigError("BatchNormalization over several axes is not supported yet");
  }
  if (typeof axis !== "number") throw new ConfigError("`axis` must be an int");
  return axis;
}

export const batchNormRule: LayerRule = {
  name: "batch_normalization",
  kerasClasses: ["BatchNormalization"],
  summary: "`nn.BatchNorm1d/2d/3d` on the channel dim; a missing gamma or beta becomes a frozen constant",
  signature: () => ({
    params: [
      { name: "axis", default: -1 },
      { name: "momentum", default: 0.99 },
      { name: "epsilon", default: 0.001 },
      { name: "center", default: true },
      { name: "scale", default: true },
    ],
  }),
  inferShape: ({ inputs }) => ({ ok: true, shapes: [inputs[0]!] }),
  layout: ({ layer, inputShapes }) => {
    const layout = channelsFirst(inputShapes[0]!.length, axisOf(layer.config));
    return { inputs: [layout], outputs: [layout] };
  },
  lower: ({ layer, inputShapes }) => {
    const shape = inputShapes[0]!;
    const rank = shape.length;
    if (rank < 2 || rank > 5) throw new ConfigError(`BatchNormalization on a rank-${rank} input is not supported`);
    const axis = axisOf(layer.config);
    const channels = shape[axis < 0 ? rank + axis : axis];
    if (channels === null || channels === undefined) throw new ConfigError("the channel count must be known");
    const center = bool(layer, "center");
    const scale = bool(layer, "scale");
    const affine = center || scale;
    // Only what differs from PyTorch's defaults (eps=1e-5, momentum=0.1).
    const kwargs: [string, PyExpr][] = [];
    const eps = num(layer, "epsilon");
    const momentum = torchMomentum(num(layer, "momentum"));
    if (eps !== 1e-5) kwargs.push(["eps", lit(eps)]);
    if (momentum !== 0.1) kwargs.push(["momentum", lit(momentum)]);
    if (!affine) kwargs.push(["affine", lit(false)]);

    const weights: WeightEntry[] = [];
    const constants: ConstantEntry[] = [];
    const frozen: string[] = [];
    let index = 0;
    const vector = [channels];
    if (scale) weights.push({ kerasIndex: index++, kerasName: "gamma", kerasShape: vector, param: "weight", transforms: [] });
    if (center) weights.push({ kerasIndex: index++, kerasName: "beta", kerasShape: vector, param: "bias", transforms: [] });
    // One of gamma/beta missing: PyTorch's affine is all or nothing, so the missing half is fixed.
    if (affine && !scale) {
      constants.push({ param: "weight", shape: vector, dtype: "float32", value: 1 });
      frozen.push("weight");
    }
    if (affine && !center) {
      constants.push({ param: "bias", shape: vector, dtype: "float32", value: 0 });
      frozen.push("bias");
    }
    weights.push({ kerasIndex: index++, kerasName: "moving_mean", kerasShape: vector, param: "running_mean", transforms: [], trainable: false });
    weights.push({ kerasIndex: index++, kerasName: "moving_variance", kerasShape: vector, param: "running_var", transforms: [], trainable: false });
    constants.push({ param: "num_batches_tracked", shape: [], dtype: "int64", value: 0 });
    const dims = rank === 2 || rank === 3 ? 1 : rank - 2;
    return {
      ok: true,
      lowering: {
        module: { ctor: `nn.BatchNorm${dims}d`, args: [lit(channels)], kwargs },
        forward: callModule(input()),
        weights,
        constants,
        frozen,
      },
    };
  },
};

/** gamma (if scale) then beta (if center), as Keras creates them; a missing half of an affine pair is a frozen constant. */
function affineWeights(shape: number[], scale: boolean, center: boolean): { weights: WeightEntry[]; constants: ConstantEntry[]; frozen: string[] } {
  const weights: WeightEntry[] = [];
  const constants: ConstantEntry[] = [];
  const frozen: string[] = [];
  let index = 0;
  if (scale) weights.push({ kerasIndex: index++, kerasName: "gamma", kerasShape: shape, param: "weight", transforms: [] });
  if (center) weights.push({ kerasIndex: index++, kerasName: "beta", kerasShape: shape, param: "bias", transforms: [] });
  return { weights, constants, frozen };
}

/** LayerNormalization's axes, sorted and non-negative (Keras sorts them in `build`). */
function normAxes(value: unknown, rank: number): number[] {
  const list = Array.isArray(value) ? value : [value];
  if (!list.length || !list.every((a) => typeof a === "number" && Number.isInteger(a))) throw new ConfigError("`axis` must be an int or a list of ints");
  const axes = [...new Set((list as number[]).map((a) => normalizeAxis(a, rank)))].sort((a, b) => a - b);
  if (axes.some((a) => a <= 0 || a >= rank)) throw new ConfigError(`\`axis\` ${JSON.stringify(value)} is out of range for a rank-${rank} input`);
  return axes;
}

/** Whether `axes` are the last ones of a tensor of rank `rank` (what nn.LayerNorm normalizes). */
const trailing = (axes: number[], rank: number) => axes.every((a, i) => a === rank - axes.length + i);

/** The channel axis alone, on a channels-first tensor: the helper normalizes dim 1. */
function channelsFirstChannel(axes: number[], layout: Layout, rank: number): boolean {
  return rank >= 3 && axes.length === 1 && layout.kind === "perm" && torchDim(layout, axes[0]!, rank) === 1 && !isIdentity(layout);
}

export const layerNormRule: LayerRule = {
  name: "layer_normalization",
  kerasClasses: ["LayerNormalization"],
  summary: "`nn.LayerNorm` over the trailing axes; over the channel axis of a channels-first tensor, the `channels_first_layer_norm` helper (no permute)",
  signature: () => ({
    params: [
      { name: "axis", default: -1 },
      { name: "epsilon", default: 0.001 },
      { name: "center", default: true },
      { name: "scale", default: true },
      { name: "rms_scaling", default: false },
    ],
  }),
  inferShape: ({ layer, inputs }) => {
    normAxes(layer.config.axis, inputs[0]!.length);
    return shapeOk(inputs[0]!);
  },
  layout: ({ layer, inputShapes, inputLayouts }) => {
    const rank = inputShapes[0]!.length;
    const axes = normAxes(layer.config.axis, rank);
    const layout = inputLayouts[0]!;
    if ((isIdentity(layout) && trailing(axes, rank)) || channelsFirstChannel(axes, layout, rank)) return { inputs: [null], outputs: [layout] };
    // The rms_scaling helper reduces over any dims in Keras order.
    if (bool(layer, "rms_scaling") && isIdentity(layout)) return { inputs: [null], outputs: [layout] };
    // Other axes are normalized in Keras' order (a correct permute beats a wrong answer).
    return { inputs: [identity(rank)], outputs: [identity(rank)] };
  },
  lower: ({ layer, inputShapes, inputLayouts }) => {
    const shape = inputShapes[0]!;
    const rank = shape.length;
    const axes = normAxes(layer.config.axis, rank);
    const normalized = axes.map((a) => shape[a]);
    if (normalized.some((d) => d === null)) throw new ConfigError("the normalized axes must have known sizes");
    const dims = normalized as number[];
    if (bool(layer, "rms_scaling")) return rmsScaling(layer, dims, axes.map((a) => torchDim(inputLayouts[0]!, a, rank)));
    const center = bool(layer, "center");
    const scale = bool(layer, "scale");
    const { weights, constants, frozen } = affineWeights(dims, scale, center);
    const kwargs: [string, PyExpr][] = [];
    const eps = num(layer, "epsilon");
    if (eps !== 1e-5) kwargs.push(["eps", lit(eps)]);
    if (!center && !scale) kwargs.push(["elementwise_affine", lit(false)]);
    else if (!center) kwargs.push(["bias", lit(false)]);
    else if (!scale) {
      // nn.LayerNorm has no scale-free form: the weight stays at one.
      constants.push({ param: "weight", shape: dims, dtype: "float32", value: 1 });
      frozen.push("weight");
    }
    const size: PyExpr = dims.length === 1 ? lit(dims[0]!) : { k: "tuple", items: dims.map((d) => lit(d)) };
    const forward = channelsFirstChannel(axes, inputLayouts[0]!, rank) ? call("channels_first_layer_norm", [input(), self]) : callModule(input());
    return { ok: true, lowering: { module: { ctor: "nn.LayerNorm", args: [size], kwargs }, forward, weights, constants, frozen } };
  },
};

/**
 * Keras 3's deprecated `rms_scaling=True`: `x * rsqrt(var + eps) * gamma`. It divides by the variance, not
 * the mean square, so it is neither nn.RMSNorm nor nn.LayerNorm; `nn.LayerNorm(bias=False)` holds gamma
 * and eps, and the `keras_rms_scaling` helper computes it. It always has gamma and never beta.
 */
function rmsScaling(layer: LayerDef, dims: number[], torchDims: number[]): LowerResult {
  const { weights, constants, frozen } = affineWeights(dims, true, false);
  const kwargs: [string, PyExpr][] = [];
  const eps = num(layer, "epsilon");
  if (eps !== 1e-5) kwargs.push(["eps", lit(eps)]);
  kwargs.push(["bias", lit(false)]);
  const size: PyExpr = dims.length === 1 ? lit(dims[0]!) : { k: "tuple", items: dims.map((d) => lit(d)) };
  const reduced: PyExpr = torchDims.length === 1 ? lit(torchDims[0]!) : { k: "tuple", items: torchDims.map((d) => lit(d)) };
  const forward = call("keras_rms_scaling", [input(), self, reduced]);
  return { ok: true, lowering: { module: { ctor: "nn.LayerNorm", args: [size], kwargs }, forward, weights, constants, frozen } };
}

/** Keras 3's RMSNormalization: `x * rsqrt(mean(x²) + eps) * scale`, which is exactly nn.RMSNorm. */
export const rmsNormRule: LayerRule = {
  name: "rms_normalization",
  kerasClasses: ["RMSNormalization"],
  summary: "`nn.RMSNorm` over the trailing axes; over the channel axis of a channels-first tensor, the `channels_first_rms_norm` helper (no permute)",
  signature: () => ({ params: [{ name: "axis", default: -1 }, { name: "epsilon", default: 1e-6 }] }),
  inferShape: ({ layer, inputs }) => {
    normAxes(layer.config.axis, inputs[0]!.length);
    return shapeOk(inputs[0]!);
  },
  layout: ({ layer, inputShapes, inputLayouts }) => {
    const rank = inputShapes[0]!.length;
    const axes = normAxes(layer.config.axis, rank);
    if ((isIdentity(inputLayouts[0]!) && trailing(axes, rank)) || channelsFirstChannel(axes, inputLayouts[0]!, rank)) return { inputs: [null], outputs: [inputLayouts[0]!] };
    return { inputs: [identity(rank)], outputs: [identity(rank)] };
  },
  lower: ({ layer, inputShapes, inputLayouts }) => {
    const shape = inputShapes[0]!;
    const axes = normAxes(layer.config.axis, shape.length);
    if (!trailing(axes, shape.length)) throw new ConfigError("RMSNormalization over axes that are not the last ones is not supported yet");
    const dims = axes.map((a) => shape[a]);
    if (dims.some((d) => d === null)) throw new ConfigError("the normalized axes must have known sizes");
    const size: PyExpr = dims.length === 1 ? lit(dims[0]!) : { k: "tuple", items: dims.map((d) => lit(d!)) };
    const weights: WeightEntry[] = [{ kerasIndex: 0, kerasName: "scale", kerasShape: dims as number[], param: "weight", transforms: [] }];
    const forward = channelsFirstChannel(axes, inputLayouts[0]!, shape.length) ? call("channels_first_rms_norm", [input(), self]) : callModule(input());
    return { ok: true, lowering: { module: { ctor: "nn.RMSNorm", args: [size], kwargs: [["eps", lit(num(layer, "epsilon"))]] }, forward, weights, constants: [] } };
  },
};

export const groupNormRule: LayerRule = {
  name: "group_normalization",
  kerasClasses: ["GroupNormalization"],
  summary: "`nn.GroupNorm` on the channel dim (channels-first)",
  signature: () => ({
    params: [
      { name: "groups", default: 32 },
      { name: "axis", default: -1 },
      { name: "epsilon", default: 0.001 },
      { name: "center", default: true },
      { name: "scale", default: true },
    ],
  }),
  inferShape: ({ layer, inputs }) => {
    const shape = inputs[0]!;
    const channels = shape[normalizeAxis(num(layer, "axis"), shape.length)];
    const groups = num(layer, "groups");
    if (channels !== null && channels !== undefined && (groups <= 0 || channels % groups !== 0)) return shapeError(`${channels} channels cannot be split into ${groups} groups`);
    return shapeOk(shape);
  },
  layout: ({ layer, inputShapes }) => {
    const layout = channelsFirst(inputShapes[0]!.length, num(layer, "axis"));
    return { inputs: [layout], outputs: [layout] };
  },
  lower: ({ layer, inputShapes }) => {
    const shape = inputShapes[0]!;
    const channels = shape[normalizeAxis(num(layer, "axis"), shape.length)];
    if (channels === null || channels === undefined) throw new ConfigError("the channel count must be known");
    const center = bool(layer, "center");
    const scale = bool(layer, "scale");
    const { weights, constants, frozen } = affineWeights([channels], scale, center);
    const kwargs: [string, PyExpr][] = [];
    const eps = num(layer, "epsilon");
    if (eps !== 1e-5) kwargs.push(["eps", lit(eps)]);
    if (!center && !scale) kwargs.push(["affine", lit(false)]);
    else {
      if (!scale) (constants.push({ param: "weight", shape: [channels], dtype: "float32", value: 1 }), frozen.push("weight"));
      if (!center) (constants.push({ param: "bias", shape: [channels], dtype: "float32", value: 0 }), frozen.push("bias"));
    }
    return {
      ok: true,
      lowering: { module: { ctor: "nn.GroupNorm", args: [lit(num(layer, "groups")), lit(channels)], kwargs }, forward: callModule(input()), weights, constants, frozen },
    };
  },
};

export const unitNormRule: LayerRule = {
  name: "unit_normalization",
  kerasClasses: ["UnitNormalization"],
  summary: "`F.normalize` (Keras divides by the norm clamped at 1e-6, which is `eps=1e-6`)",
  signature: () => ({ params: [{ name: "axis", default: -1 }] }),
  inferShape: ({ layer, inputs }) => {
    normAxes(layer.config.axis, inputs[0]!.length);
    return shapeOk(inputs[0]!);
  },
  layout: ({ inputLayouts }) => ({ inputs: [inputLayouts[0]!.kind === "perm" ? null : identity(2)], outputs: [inputLayouts[0]!.kind === "perm" ? inputLayouts[0]! : identity(2)] }),
  lower: ({ layer, inputShapes, inputLayouts }) => {
    const rank = inputShapes[0]!.length;
    const layout = inputLayouts[0]!;
    const dims = normAxes(layer.config.axis, rank).map((a) => torchDim(layout, a, rank));
    const dimExpr = (d: number) => lit(d === rank - 1 ? -1 : d);
    // x * rsqrt(max(sum(x^2), 1e-12)), as Keras computes it, over several axes at once.
    const forward =
      dims.length === 1
        ? call("F.normalize", [input()], [["dim", dimExpr(dims[0]!)], ["eps", lit(1e-6)]])
        : ({
            k: "binop",
            op: "*",
            left: input(),
            right: call("torch.rsqrt", [
              { k: "call", fn: { k: "attr", obj: call({ k: "attr", obj: { k: "call", fn: { k: "attr", obj: input(), name: "square" }, args: [] }, name: "sum" }, [], [["dim", { k: "tuple", items: dims.map(dimExpr) }], ["keepdim", lit(true)]]), name: "clamp" }, args: [], kwargs: [["min", lit(1e-12)]] },
            ]),
          } as PyExpr);
    return { ok: true, lowering: { forward, weights: [], constants: [] } };
  },
};
