// DepthwiseConv1D/2D → nn.Conv{1,2}d with groups=in; SeparableConv1D/2D → the same depthwise conv then a
// 1×1 pointwise conv, as an nn.Sequential. Keras' depthwise kernel is (*k, in, multiplier) and its output
// channel c * multiplier + m; PyTorch's weight is (in * multiplier, 1, *k) in that same channel order.
import { channelsFirst } from "../ir/layout.js";
import type { LayerDef, ModuleCtor, PyExpr, WeightEntry, WeightTransform } from "../ir/types.js";
import { activationSpec, applyActivation } from "./activations.js";
import { geometry, inferConvShape, intOrTuple, spatialAxes } from "./convolution.js";
import { fPadOrder, isSymmetric, samePads, type Pads } from "./padding.js";
import type { LayerRule, LowerContext } from "./types.js";
import { ConfigError, bool, call, callModule, channelAxis, input, lit, num, tuple } from "./util.js";

const DEPTHWISE_PARAMS = [
  { name: "kernel_size", default: null },
  { name: "strides", default: 1 },
  { name: "padding", default: "valid" },
  { name: "depth_multiplier", default: 1 },
  { name: "data_format", default: null },
  { name: "dilation_rate", default: 1 },
  { name: "activation", default: null },
  { name: "use_bias", default: true },
];

const SEPARABLE_PARAMS = [
  { name: "filters", default: null },
  { name: "kernel_size", default: null },
  { name: "strides", default: 1 },
  { name: "padding", default: "valid" },
  { name: "data_format", default: null },
  { name: "dilation_rate", default: 1 },
  { name: "depth_multiplier", default: 1 },
  { name: "activation", default: null },
  { name: "use_bias", default: true },
];

/** The depthwise part shared by both: the conv module's arguments, the padding to apply first, the input channels. */
function depthwisePart(layer: LayerDef, ctx: Pick<LowerContext, "inputShapes">, bias: boolean) {
  const g = geometry(layer);
  if (g.padding === "causal") throw new ConfigError("'causal' padding is not supported for depthwise convolutions");
  const shape = ctx.inputShapes[0]!;
  const channel = g.axis < 0 ? shape.length + g.axis : g.axis;
  const inChannels = shape[channel];
  if (inChannels === null || inChannels === undefined) throw new ConfigError("the input channel count must be known");
  const multiplier = num(layer, "depth_multiplier");
  const spatial = spatialAxes(shape.length, g.axis).map((a) => shape[a]!);
  let pads: Pads[] = g.kernel.map(() => ({ before: 0, after: 0 }));
  if (g.padding === "same") {
    const resolved = spatial.map((size, i) => samePads(size, g.kernel[i]!, g.strides[i]!, g.dilation[i]!));
    if (resolved.some((p) => p === null)) throw new ConfigError("'same' with strides on a size known only at run time is not supported for depthwise convolutions yet", "dynamic-padding");
    pads = resolved as Pads[];
  }
  const inModule = isSymmetric(pads);
  const kwargs: [string, PyExpr][] = [["kernel_size", intOrTuple(g.kernel)]];
  if (g.strides.some((s) => s !== 1)) kwargs.push(["stride", intOrTuple(g.strides)]);
  if (inModule && pads.some((p) => p.before > 0)) kwargs.push(["padding", intOrTuple(pads.map((p) => p.before))]);
  if (g.dilation.some((d) => d !== 1)) kwargs.push(["dilation", intOrTuple(g.dilation)]);
  kwargs.push(["groups", lit(inChannels)]);
  if (!bias) kwargs.push(["bias", lit(false)]);
  const module: ModuleCtor = { ctor: `nn.Conv${g.n}d`, args: [lit(inChannels), lit(inChannels * multiplier)], kwargs };
  const x = inModule ? input() : call("F.pad", [input(), tuple(fPadOrder(pads))]);
  // (*k, in, m) → (in, m, *k) → (in * m, 1, *k)
  const transforms: WeightTransform[] = [
    { op: "transpose", axes: [g.n, g.n + 1, ...Array.from({ length: g.n }, (_, i) => i)] },
    { op: "reshape", shape: [inChannels * multiplier, 1, ...g.kernel] },
  ];
  return { g, module, x, inChannels, multiplier, kernelShape: [...g.kernel, inChannels, multiplier], transforms };
}

export const depthwiseConvRule: LayerRule = {
  name: "depthwise_conv",
  kerasClasses: ["DepthwiseConv1D", "DepthwiseConv2D"],
  summary: "`nn.Conv1d/2d(in, in * depth_multiplier, groups=in)`; the kernel is reordered to PyTorch's channel order",
  signature: () => ({ params: DEPTHWISE_PARAMS }),
  inferShape: ({ layer, inputs }) => {
    const shape = inputs[0]!;
    const axis = channelAxis(layer);
    const channels = shape[axis < 0 ? shape.length + axis : axis];
    return inferConvShape(layer, shape, channels === null || channels === undefined ? undefined : channels * num(layer, "depth_multiplier"));
  },
  layout: ({ layer, inputShapes }) => {
    const cf = channelsFirst(inputShapes[0]!.length, channelAxis(layer));
    return { inputs: [cf], outputs: [cf] };
  },
  lower: (ctx) => {
    const { layer, outputLayouts, outputShapes } = ctx;
    const useBias = bool(layer, "use_bias");
    const part = depthwisePart(layer, ctx, useBias);
    const weights: WeightEntry[] = [{ kerasIndex: 0, kerasName: "kernel", kerasShape: part.kernelShape, param: "weight", transforms: part.transforms }];
    if (useBias) weights.push({ kerasIndex: 1, kerasName: "bias", kerasShape: [part.inChannels * part.multiplier], param: "bias", transforms: [] });
    return {
      ok: true,
      lowering: {
        module: part.module,
        forward: applyActivation(callModule(part.x), activationSpec(layer.config.activation), outputLayouts[0]!, outputShapes[0]!.length),
        weights,
        constants: [],
      },
    };
  },
};

export const separableConvRule: LayerRule = {
  name: "separable_conv",
  kerasClasses: ["SeparableConv1D", "SeparableConv2D"],
  summary: "`nn.Sequential(depthwise conv, 1×1 pointwise conv)`",
  signature: () => ({ params: SEPARABLE_PARAMS }),
  inferShape: ({ layer, inputs }) => inferConvShape(layer, inputs[0]!),
  layout: ({ layer, inputShapes }) => {
    const cf = channelsFirst(inputShapes[0]!.length, channelAxis(layer));
    return { inputs: [cf], outputs: [cf] };
  },
  lower: (ctx) => {
    const { layer, outputLayouts, outputShapes } = ctx;
    const useBias = bool(layer, "use_bias");
    const part = depthwisePart(layer, ctx, false);
    const filters = num(layer, "filters");
    const mid = part.inChannels * part.multiplier;
    const n = part.g.n;
    const pointwise: ModuleCtor = { ctor: `nn.Conv${n}d`, args: [lit(mid), lit(filters)], kwargs: [["kernel_size", lit(1)], ...(useBias ? [] : ([["bias", lit(false)]] as [string, PyExpr][]))] };
    const render = (m: ModuleCtor): PyExpr => ({ k: "call", fn: { k: "name", name: m.ctor }, args: m.args, kwargs: m.kwargs });
    const weights: WeightEntry[] = [
      { kerasIndex: 0, kerasName: "depthwise_kernel", kerasShape: part.kernelShape, param: "0.weight", transforms: part.transforms },
      // (*1, mid, filters) → (filters, mid, *1)
      { kerasIndex: 1, kerasName: "pointwise_kernel", kerasShape: [...Array.from({ length: n }, () => 1), mid, filters], param: "1.weight", transforms: [{ op: "transpose", axes: [n + 1, n, ...Array.from({ length: n }, (_, i) => i)] }] },
    ];
    if (useBias) weights.push({ kerasIndex: 2, kerasName: "bias", kerasShape: [filters], param: "1.bias", transforms: [] });
    return {
      ok: true,
      lowering: {
        module: { ctor: "nn.Sequential", args: [render(part.module), render(pointwise)], kwargs: [] },
        forward: applyActivation(callModule(part.x), activationSpec(layer.config.activation), outputLayouts[0]!, outputShapes[0]!.length),
        weights,
        constants: [],
      },
    };
  },
};
