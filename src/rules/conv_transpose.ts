// Conv1DTranspose / Conv2DTranspose / Conv3DTranspose → nn.ConvTranspose{1,2,3}d, channels-first.
// Keras' kernel is (*k, out, in); PyTorch's weight is (in, out, *k).
//
// 'same': the full transposed output ((in - 1) * stride + k) is cropped to in * stride, TensorFlow-style:
// (k - stride) // 2 cells at the start and the rest at the end. PyTorch's `padding` crops both ends
// equally, so the module crops the start and an explicit slice takes the one extra cell at the end.
import { channelsFirst } from "../ir/layout.js";
import type { LayerDef, PyExpr, Shape, WeightEntry } from "../ir/types.js";
import { activationSpec, applyActivation } from "./activations.js";
import { intOrTuple, spatialAxes, spatialRank } from "./convolution.js";
import type { LayerRule, ShapeResult } from "./types.js";
import { ConfigError, bool, callModule, channelAxis, input, lit, num, shapeError, shapeOk, str, tupleN } from "./util.js";

interface Geometry {
  n: number;
  kernel: number[];
  strides: number[];
  dilation: number[];
  padding: "valid" | "same";
  outputPadding: number[] | null;
}

function geometry(layer: LayerDef): Geometry {
  const n = spatialRank(layer.kerasClass);
  const padding = str(layer, "padding").toLowerCase();
  if (padding !== "valid" && padding !== "same") throw new ConfigError(`unknown padding '${padding}'`);
  const outputPadding = layer.config.output_padding === null || layer.config.output_padding === undefined ? null : tupleN(layer, "output_padding", n);
  return { n, kernel: tupleN(layer, "kernel_size", n), strides: tupleN(layer, "strides", n), dilation: tupleN(layer, "dilation_rate", n), padding, outputPadding };
}

const effective = (g: Geometry, i: number) => (g.kernel[i]! - 1) * g.dilation[i]! + 1;

/**
 * Keras' `deconv_output_length`, and how TensorFlow gets there from the full transposed output
 * ((in - 1) * stride + k): 'same' crops `total // 2` at the start and the rest at the end; a negative
 * total (kernel < stride, or `output_padding`) adds cells at the end instead.
 */
function perAxis(g: Geometry, i: number, size: number | null): { out: number | null; cropStart: number; cropEnd: number } {
  const k = effective(g, i);
  const s = g.strides[i]!;
  const extra = g.outputPadding?.[i];
  const out = (n: number): number =>
    g.padding === "valid" ? (n - 1) * s + k + (extra ?? Math.max(s - k, 0)) : extra === undefined ? n * s : (n - 1) * s + k - 2 * Math.floor(k / 2) + extra;
  // The crop does not depend on the size; measure it on size 1.
  const total = k - out(1);
  const cropStart = g.padding === "same" && total > 0 ? Math.floor(total / 2) : 0;
  return { out: size === null ? null : out(size), cropStart, cropEnd: total - cropStart };
}

function inferShape(layer: LayerDef, shape: Shape): ShapeResult {
  const g = geometry(layer);
  if (shape.length !== g.n + 2) return shapeError(`${layer.kerasClass} expects a rank-${g.n + 2} input, got rank ${shape.length}`);
  const axis = channelAxis(layer);
  const out = [...shape];
  spatialAxes(shape.length, axis).forEach((a, i) => (out[a] = perAxis(g, i, shape[a]!).out));
  out[axis < 0 ? shape.length + axis : axis] = num(layer, "filters");
  return shapeOk(out);
}

export const convTransposeRule: LayerRule = {
  name: "conv_transpose",
  kerasClasses: ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"],
  summary: "`nn.ConvTranspose1d/2d/3d`; 'same' crops as Keras does (an explicit slice where the crop is uneven)",
  signature: () => ({
    params: [
      { name: "filters", default: null },
      { name: "kernel_size", default: null },
      { name: "strides", default: 1 },
      { name: "padding", default: "valid" },
      { name: "output_padding", default: null },
      { name: "data_format", default: null },
      { name: "dilation_rate", default: 1 },
      { name: "activation", default: null },
      { name: "use_bias", default: true },
    ],
  }),
  inferShape: ({ layer, inputs }) => inferShape(layer, inputs[0]!),
  layout: ({ layer, inputShapes }) => {
    const cf = channelsFirst(inputShapes[0]!.length, channelAxis(layer));
    return { inputs: [cf], outputs: [cf] };
  },
  lower: ({ layer, inputShapes, outputLayouts, outputShapes }) => {
    const g = geometry(layer);
    const shape = inputShapes[0]!;
    const axis = channelAxis(layer);
    const inChannels = shape[axis < 0 ? shape.length + axis : axis];
    if (inChannels === null || inChannels === undefined) throw new ConfigError("the input channel count must be known");
    const filters = num(layer, "filters");
    const useBias = bool(layer, "use_bias");
    const spatial = spatialAxes(shape.length, axis).map((a) => shape[a]!);
    const crops = spatial.map((size, i) => perAxis(g, i, size));
    if (crops.some((c) => c.cropEnd < 0 && -c.cropEnd >= g.strides[crops.indexOf(c)]!)) throw new ConfigError("`output_padding` must be smaller than the stride");
    // The module crops min(start, end) at both ends; what is left over at the end is a slice, and a
    // negative end crop (output_padding) is PyTorch's output_padding.
    const padding = crops.map((c) => Math.max(0, Math.min(c.cropStart, c.cropEnd)));
    const outputPadding = crops.map((c) => Math.max(0, -c.cropEnd));
    if (crops.some((c, i) => c.cropStart > padding[i]! && c.cropEnd >= 0)) throw new ConfigError("a 'same' crop larger at the start than at the end is not supported");
    const endSlice = crops.map((c, i) => (c.cropEnd > 0 ? c.cropEnd - padding[i]! : 0));
    const kwargs: [string, PyExpr][] = [["kernel_size", intOrTuple(g.kernel)]];
    if (g.strides.some((s) => s !== 1)) kwargs.push(["stride", intOrTuple(g.strides)]);
    if (padding.some((p) => p > 0)) kwargs.push(["padding", intOrTuple(padding)]);
    if (outputPadding.some((p) => p > 0)) kwargs.push(["output_padding", intOrTuple(outputPadding)]);
    if (g.dilation.some((d) => d !== 1)) kwargs.push(["dilation", intOrTuple(g.dilation)]);
    if (!useBias) kwargs.push(["bias", lit(false)]);
    let y: PyExpr = callModule(input());
    if (endSlice.some((e) => e > 0)) {
      const all: PyExpr = { k: "slice", start: null, stop: null, step: null };
      y = { k: "subscript", obj: y, index: { k: "tuple", items: [all, all, ...endSlice.map((e): PyExpr => (e > 0 ? { k: "slice", start: null, stop: lit(-e), step: null } : all))] } };
    }
    const rank = g.n + 2;
    const weights: WeightEntry[] = [
      // (*k, out, in) → (in, out, *k)
      { kerasIndex: 0, kerasName: "kernel", kerasShape: [...g.kernel, filters, inChannels], param: "weight", transforms: [{ op: "transpose", axes: [rank - 1, rank - 2, ...Array.from({ length: g.n }, (_, i) => i)] }] },
    ];
    if (useBias) weights.push({ kerasIndex: 1, kerasName: "bias", kerasShape: [filters], param: "bias", transforms: [] });
    return {
      ok: true,
      lowering: {
        module: { ctor: `nn.ConvTranspose${g.n}d`, args: [lit(inChannels), lit(filters)], kwargs },
        forward: applyActivation(y, activationSpec(layer.config.activation), outputLayouts[0]!, outputShapes[0]!.length),
        weights,
        constants: [],
      },
    };
  },
};
