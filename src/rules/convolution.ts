// Conv1D / Conv2D → nn.Conv1d / nn.Conv2d, channels-first. Keras kernels are (*k, in/groups, out),
// PyTorch's (out, in/groups, *k). 'same' padding is resolved statically; 'causal' pads on the left.
import { channelsFirst } from "../ir/layout.js";
import type { LayerDef, PyExpr, Shape, WeightEntry } from "../ir/types.js";
import { activationSpec, applyActivation } from "./activations.js";
import { fPadOrder, isSymmetric, sameOutput, samePads, validOutput, type Pads } from "./padding.js";
import type { LayerRule, ShapeResult } from "./types.js";
import {
  ConfigError, bool, call, callModule, channelAxis, input, lit, num, shapeError, shapeOk, str, tuple, tupleN,
} from "./util.js";

/** 1, 2 or 3 from the class name (`Conv3D`, `DepthwiseConv1D`, `Conv2DTranspose`...). */
export const spatialRank = (kerasClass: string): number => Number(/([123])D/.exec(kerasClass)?.[1] ?? 2);

/** Write `3` for `(3, 3)`, as people do. */
export function intOrTuple(values: number[]): PyExpr {
  return values.every((v) => v === values[0]) ? lit(values[0]!) : tuple(values);
}

export interface ConvGeometry {
  n: number;
  axis: number;
  kernel: number[];
  strides: number[];
  dilation: number[];
  padding: string;
}

export function geometry(layer: LayerDef): ConvGeometry {
  const n = spatialRank(layer.kerasClass);
  const padding = str(layer, "padding").toLowerCase();
  if (!["valid", "same", "causal"].includes(padding)) throw new ConfigError(`unknown padding '${padding}'`);
  if (padding === "causal" && n !== 1) throw new ConfigError("'causal' padding is only valid for Conv1D");
  const g = {
    n,
    axis: channelAxis(layer),
    kernel: tupleN(layer, "kernel_size", n),
    strides: tupleN(layer, "strides", n),
    dilation: tupleN(layer, "dilation_rate", n),
    padding,
  };
  if (g.strides.some((s) => s > 1) && g.dilation.some((d) => d > 1)) {
    throw new ConfigError("Keras does not allow strides > 1 together with dilation_rate > 1");
  }
  return g;
}

/** Spatial positions of a Keras shape for the given channel axis. */
export function spatialAxes(rank: number, axis: number): number[] {
  const channel = axis < 0 ? rank + axis : axis;
  return Array.from({ length: rank }, (_, i) => i).filter((i) => i !== 0 && i !== channel);
}

export function inferConvShape(layer: LayerDef, shape: Shape, channels?: number): ShapeResult {
  const g = geometry(layer);
  if (shape.length !== g.n + 2) return shapeError(`${layer.kerasClass} expects a rank-${g.n + 2} input, got rank ${shape.length}`);
  const out = [...shape];
  const channel = g.axis < 0 ? shape.length + g.axis : g.axis;
  spatialAxes(shape.length, g.axis).forEach((axis, i) => {
    const size = shape[axis]!;
    out[axis] =
      g.padding === "valid"
        ? validOutput(size, g.kernel[i]!, g.strides[i]!, g.dilation[i]!)
        : sameOutput(size, g.strides[i]!);
  });
  out[channel] = channels ?? num(layer, "filters");
  if (out.some((d) => d !== null && d <= 0)) return shapeError(`${layer.kerasClass} output would be empty: input ${JSON.stringify(shape)}`);
  return shapeOk(out);
}

export const convRule: LayerRule = {
  name: "conv",
  kerasClasses: ["Conv1D", "Conv2D", "Conv3D"],
  summary: "`nn.Conv1d`/`2d`/`3d` channels-first; asymmetric 'same' gets an explicit `F.pad`, 'causal' a left pad",
  signature: () => ({
    params: [
      { name: "filters", default: null },
      { name: "kernel_size", default: null },
      { name: "strides", default: 1 },
      { name: "padding", default: "valid" },
      { name: "data_format", default: null },
      { name: "dilation_rate", default: 1 },
      { name: "groups", default: 1 },
      { name: "activation", default: null },
      { name: "use_bias", default: true },
    ],
  }),
  inferShape: ({ layer, inputs }) => inferConvShape(layer, inputs[0]!),
  layout: ({ layer, inputShapes }) => {
    const cf = channelsFirst(inputShapes[0]!.length, channelAxis(layer));
    return { inputs: [cf], outputs: [cf] };
  },
  lower: ({ layer, inputShapes, outputLayouts, outputShapes }) => {
    const g = geometry(layer);
    const shape = inputShapes[0]!;
    const channel = g.axis < 0 ? shape.length + g.axis : g.axis;
    const inChannels = shape[channel];
    if (inChannels === null || inChannels === undefined) throw new ConfigError("the input channel count must be known");
    const filters = num(layer, "filters");
    const groups = num(layer, "groups");
    if (inChannels % groups !== 0 || filters % groups !== 0) {
      throw new ConfigError(`groups=${groups} must divide both the input channels (${inChannels}) and filters (${filters})`);
    }
    const useBias = bool(layer, "use_bias");
    const spatial = spatialAxes(shape.length, g.axis).map((a) => shape[a]!);

    let pads: Pads[] = g.kernel.map(() => ({ before: 0, after: 0 }));
    let runtimePads = false;
    if (g.padding === "causal") pads = [{ before: (g.kernel[0]! - 1) * g.dilation[0]!, after: 0 }];
    if (g.padding === "same") {
      const resolved = spatial.map((size, i) => samePads(size, g.kernel[i]!, g.strides[i]!, g.dilation[i]!));
      // An unknown size with stride > 1: the pads depend on it, so compute them in forward.
      runtimePads = resolved.some((p) => p === null);
      if (!runtimePads) pads = resolved as Pads[];
    }
    const activation = activationSpec(layer.config.activation);
    const inModule = !runtimePads && g.padding !== "causal" && isSymmetric(pads);

    const kwargs: [string, PyExpr][] = [["kernel_size", intOrTuple(g.kernel)]];
    if (g.strides.some((s) => s !== 1)) kwargs.push(["stride", intOrTuple(g.strides)]);
    if (inModule && pads.some((p) => p.before > 0)) kwargs.push(["padding", intOrTuple(pads.map((p) => p.before))]);
    if (g.dilation.some((d) => d !== 1)) kwargs.push(["dilation", intOrTuple(g.dilation)]);
    if (groups !== 1) kwargs.push(["groups", lit(groups)]);
    if (!useBias) kwargs.push(["bias", lit(false)]);

    const x = runtimePads
      ? call("pad_same", [input(), tuple(g.kernel), tuple(g.strides), tuple(g.dilation)])
      : inModule
        ? input()
        : call("F.pad", [input(), tuple(fPadOrder(pads))]);
    const rank = g.n + 2;
    const kernelShape = [...g.kernel, inChannels / groups, filters];
    const weights: WeightEntry[] = [
      {
        kerasIndex: 0,
        kerasName: "kernel",
        kerasShape: kernelShape,
        param: "weight",
        // (*k, in, out) → (out, in, *k)
        transforms: [{ op: "transpose", axes: [rank - 1, rank - 2, ...Array.from({ length: g.n }, (_, i) => i)] }],
      },
    ];
    if (useBias) weights.push({ kerasIndex: 1, kerasName: "bias", kerasShape: [filters], param: "bias", transforms: [] });
    return {
      ok: true,
      lowering: {
        module: { ctor: `nn.Conv${g.n}d`, args: [lit(inChannels), lit(filters)], kwargs },
        forward: applyActivation(callModule(x), activation, outputLayouts[0]!, outputShapes[0]!.length),
        weights,
        constants: [],
      },
    };
  },
};
