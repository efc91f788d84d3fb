// Core layers with little computation of their own: InputLayer, Dropout, Identity, Rescaling.
import { identity } from "../ir/layout.js";
import type { LayerRule } from "./types.js";
import { ConfigError, callModule, floatLit, input, lit, num, shapeOk } from "./util.js";
import type { PyExpr } from "../ir/types.js";

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
  summary: "`nn.Dropout` (identity in eval mode, as in Keras inference)",
  signature: () => ({
    params: [
      { name: "rate", default: null },
      { name: "noise_shape", default: null },
      { name: "seed", default: null },
    ],
  }),
  inferShape: ({ inputs }) => shapeOk(inputs[0]!),
  layout: ({ inputLayouts }) => ({ inputs: [null], outputs: [inputLayouts[0]!] }),
  lower: ({ layer }) => {
    const rate = num(layer, "rate");
    if (rate < 0 || rate >= 1) throw new ConfigError("`rate` must be in [0, 1)");
    if (layer.config.noise_shape !== null && layer.config.noise_shape !== undefined) {
      throw new ConfigError("Dropout with `noise_shape` is not supported yet");
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

/** Rescaling's `scale` and `offset`: numbers (per-channel lists are not supported yet). */
function scalar(value: unknown, key: string): number {
  if (typeof value === "number") return value;
  throw new ConfigError(`Rescaling with a non-scalar \`${key}\` is not supported yet`);
}

export const rescalingRule: LayerRule = {
  name: "rescaling",
  kerasClasses: ["Rescaling"],
  summary: "`x * scale + offset`, in whatever layout the input is",
  signature: () => ({ params: [{ name: "scale", default: null }, { name: "offset", default: 0 }] }),
  inferShape: ({ inputs }) => shapeOk(inputs[0]!),
  layout: ({ inputLayouts }) => ({ inputs: [null], outputs: [inputLayouts[0]!] }),
  lower: ({ layer }) => {
    const scale = scalar(layer.config.scale, "scale");
    const offset = scalar(layer.config.offset, "offset");
    let forward: PyExpr = scale === 1 ? input() : { k: "binop", op: "*", left: input(), right: floatLit(scale) };
    if (offset !== 0) forward = { k: "binop", op: offset < 0 ? "-" : "+", left: forward, right: floatLit(Math.abs(offset)) };
    return { ok: true, lowering: { forward, weights: [], constants: [] } };
  },
};
