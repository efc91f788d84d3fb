// Core layers with little computation of their own: InputLayer, Dropout, Identity, Rescaling.
import { identity, torchDim } from "../ir/layout.js";
import type { Layout, PyExpr } from "../ir/types.js";
import type { LayerRule } from "./types.js";
import { ConfigError, call, callModule, floatLit, input, lit, method, num, shapeOk } from "./util.js";

/**
 * Inputs are graph boundaries, built by the frontend (`keras.Input`, `InputLayer`, `input_shape=`).
 * The rule exists so that the signature is in one place and the registry lists the class.
 */
export const inputRule: LayerRule = {
  name: "input",
  kerasClasses: ["InputLayer"],
  summary: "a `forward` argument; image-like inputs are taken channels-first",
  signature: () => ({
    params: [
      { name: "shape", default: null, aliases: ["input_shape"] },
      { name: "batch_size", default: null },
      { name: "dtype", default: null },
      { name: "sparse", default: null },
      { name: "batch_shape", default: null, aliases: ["batch_input_shape"] },
      { name: "name", default: null },
    ],
  }),
  inferShape: ({ inputs }) => shapeOk(inputs[0]!),
  layout: ({ inputShapes }) => ({ inputs: [null], outputs: [identity(inputShapes[0]!.length)] }),
  lower: () => ({ ok: true, lowering: { forward: input(), weights: [], constants: [] } }),
};

export const dropoutRule: LayerRule = {
  name: "dropout",
  kerasClasses: ["Dropout"],
  summary: "`nn.Dropout` (identity in eval mode, as in Keras inference); with `noise_shape`, the generated `keras_dropout` (one mask of that shape, broadcast)",
  signature: () => ({
    params: [
      { name: "rate", default: null },
      { name: "noise_shape", default: null },
      { name: "seed", default: null },
    ],
  }),
  inferShape: ({ inputs }) => shapeOk(inputs[0]!),
  layout: ({ inputLayouts }) => ({ inputs: [null], outputs: [inputLayouts[0]!] }),
  lower: ({ layer, inputLayouts, inputShapes }) => {
    const rate = num(layer, "rate");
    if (rate < 0 || rate >= 1) throw new ConfigError("`rate` must be in [0, 1)");
    const noise = layer.config.noise_shape;
    if (noise !== null && noise !== undefined) {
      // One mask of that shape, broadcast (EfficientNet's per-sample drop-path uses (None, 1, 1, 1)).
      const rank = inputShapes[0]!.length;
      if (!Array.isArray(noise) || noise.length !== rank || !noise.every((d) => d === null || (typeof d === "number" && Number.isInteger(d) && d >= 0))) {
        throw new ConfigError(`\`noise_shape\` must be a tuple of ${rank} sizes or None (one per axis of the input, batch included)`);
      }
      const layout = inputLayouts[0]!;
      if (layout.kind !== "perm") throw new ConfigError("Dropout with `noise_shape` on a flattened channels-first tensor is not supported");
      // Keras' axis order → this tensor's: torch axis i is Keras axis perm[i].
      const shape = layout.perm.map((k) => (noise as (number | null)[])[k]!);
      const forward = call("keras_dropout", [input(), lit(rate), { k: "tuple", items: shape.map((d) => lit(d)) }, { k: "attr", obj: { k: "name", name: "self" }, name: "training" }]);
      return { ok: true, lowering: { forward, weights: [], constants: [] } };
    }
    return {
      ok: true,
      lowering: { module: { ctor: "nn.Dropout", args: [lit(rate)], kwargs: [] }, forward: callModule(input()), weights: [], constants: [] },
    };
  },
};

export const identityRule: LayerRule = {
  name: "identity",
  kerasClasses: ["Identity"],
  summary: "the input itself",
  signature: () => ({ params: [] }),
  inferShape: ({ inputs }) => shapeOk(inputs[0]!),
  layout: ({ inputLayouts }) => ({ inputs: [null], outputs: [inputLayouts[0]!] }),
  lower: () => ({ ok: true, lowering: { forward: input(), weights: [], constants: [] } }),
};

/**
 * Masking: steps whose features all equal `mask_value` become zeros, and the layer attaches the mask
 * `(x != mask_value).any(-1)` (made by the frontend as graph operations, see masking.ts).
 */
export const maskingRule: LayerRule = {
  name: "masking",
  kerasClasses: ["Masking"],
  summary: "`x * (x != mask_value).any(dim=-1, keepdim=True)`; the mask goes to the layers that consume it",
  signature: () => ({ params: [{ name: "mask_value", default: 0 }] }),
  inferShape: ({ inputs }) => shapeOk(inputs[0]!),
  layout: ({ inputShapes }) => ({ inputs: [identity(inputShapes[0]!.length)], outputs: [identity(inputShapes[0]!.length)] }),
  lower: ({ layer }) => {
    const value = typeof layer.config.mask_value === "number" ? layer.config.mask_value : 0;
    const kept = method({ k: "compare", op: "!=", left: input(), right: floatLit(value) }, "any", [], [["dim", lit(-1)], ["keepdim", lit(true)]]);
    const forward: PyExpr = { k: "binop", op: "*", left: input(), right: method(kept, "to", [{ k: "attr", obj: input(), name: "dtype" }]) };
    return { ok: true, lowering: { forward, weights: [], constants: [] } };
  },
};

/** ActivityRegularization adds a loss in training and passes its input through. */
export const activityRegularizationRule: LayerRule = {
  name: "activity_regularization",
  kerasClasses: ["ActivityRegularization"],
  summary: "the input itself (its L1/L2 penalty is a training loss, left to the training code)",
  signature: () => ({ params: [{ name: "l1", default: 0 }, { name: "l2", default: 0 }] }),
  inferShape: ({ inputs }) => shapeOk(inputs[0]!),
  layout: ({ inputLayouts }) => ({ inputs: [null], outputs: [inputLayouts[0]!] }),
  lower: ({ layer }) => {
    const penalised = num(layer, "l1") !== 0 || num(layer, "l2") !== 0;
    const warning = penalised ? "ActivityRegularization's L1/L2 activity penalty is a training loss; add it to the PyTorch loss if you train this module" : undefined;
    return { ok: true, lowering: { forward: input(), weights: [], constants: [], ...(warning ? { warning } : {}) } };
  },
};

/** Rescaling's `scale` or `offset`: a number, or per-channel values along the last Keras axis. */
function factor(value: unknown, key: string): number | number[] {
  if (typeof value === "number") return value;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "number")) return value.length === 1 ? (value[0] as number) : (value as number[]);
  throw new ConfigError(`Rescaling's \`${key}\` must be a number or a list of numbers, got ${JSON.stringify(value)}`);
}

/**
 * `x.new_tensor([...])` (on the input's device and dtype), shaped so that it broadcasts along the torch dim
 * that holds the last Keras axis, as Keras broadcasts it along the channels.
 */
function perChannel(values: number[], channels: number | null, layout: Layout, rank: number): PyExpr {
  if (channels !== null && channels !== values.length) throw new ConfigError(`Rescaling has ${values.length} values for ${channels} channels`);
  const tensor: PyExpr = { k: "call", fn: { k: "attr", obj: input(), name: "new_tensor" }, args: [{ k: "list", items: values.map((v) => floatLit(v)) }] };
  const dim = layout.kind === "perm" ? torchDim(layout, -1, rank) : rank - 1;
  if (dim === rank - 1) return tensor;
  return method(tensor, "view", [lit(values.length), ...new Array<PyExpr>(rank - 1 - dim).fill(lit(1))]);
}

export const rescalingRule: LayerRule = {
  name: "rescaling",
  kerasClasses: ["Rescaling"],
  summary: "`x * scale + offset` in whatever layout the input is; per-channel lists broadcast along the channel dim",
  signature: () => ({ params: [{ name: "scale", default: null }, { name: "offset", default: 0 }] }),
  inferShape: ({ layer, inputs }) => {
    factor(layer.config.scale, "scale");
    factor(layer.config.offset, "offset");
    return shapeOk(inputs[0]!);
  },
  // Per-channel values cannot follow a flattened channels-first tensor's feature order.
  layout: ({ layer, inputLayouts, inputShapes }) => {
    const perChannelValues = Array.isArray(factor(layer.config.scale, "scale")) || Array.isArray(factor(layer.config.offset, "offset"));
    if (perChannelValues && inputLayouts[0]!.kind === "flat") return { inputs: [identity(inputShapes[0]!.length)], outputs: [identity(inputShapes[0]!.length)] };
    return { inputs: [null], outputs: [inputLayouts[0]!] };
  },
  lower: ({ layer, inputLayouts, inputShapes }) => {
    const shape = inputShapes[0]!;
    const channels = shape[shape.length - 1] ?? null;
    const term = (value: number | number[]): PyExpr => (typeof value === "number" ? floatLit(value) : perChannel(value, channels, inputLayouts[0]!, shape.length));
    const scale = factor(layer.config.scale, "scale");
    const offset = factor(layer.config.offset, "offset");
    let forward: PyExpr = scale === 1 ? input() : { k: "binop", op: "*", left: input(), right: term(scale) };
    if (typeof offset !== "number") forward = { k: "binop", op: "+", left: forward, right: term(offset) };
    else if (offset !== 0) forward = { k: "binop", op: offset < 0 ? "-" : "+", left: forward, right: floatLit(Math.abs(offset)) };
    return { ok: true, lowering: { forward, weights: [], constants: [] } };
  },
};
