// Activation functions and the parameter-free activation layers: Activation, ReLU, LeakyReLU, Softmax.
// Semantics follow Keras 3.15.1 (keras/src/activations/activations.py, keras/src/layers/activations/).
import { identity, torchDim } from "../ir/layout.js";
import type { Layout, PyExpr } from "../ir/types.js";
import type { LayerRule, LowerResult } from "./types.js";
import { ConfigError, call, callModule, floatLit, input, lit, num, optNum, shapeOk } from "./util.js";

/** Keras activation names (and aliases) this compiler can translate. */
export const ACTIVATIONS = [
  "linear", "relu", "relu6", "elu", "selu", "gelu", "sigmoid", "hard_sigmoid", "silu", "swish", "tanh",
  "softmax", "log_softmax", "softplus", "softsign", "leaky_relu", "hard_silu", "hard_swish", "mish", "exponential",
  "celu", "glu", "hard_shrink", "hard_tanh", "log_sigmoid", "soft_shrink", "sparse_plus", "sparse_sigmoid", "squareplus",
  "tanh_shrink", "sparsemax",
  // Keras 2's hard_sigmoid, clip(0.2x + 0.5, 0, 1): the name "hard_sigmoid" in a config saved by Keras 2.
  "keras2_hard_sigmoid",
] as const;

export interface ActivationSpec {
  name: string;
  /** Keyword arguments when the function was called directly, e.g. `gelu(x, approximate=True)`. */
  args: Record<string, unknown>;
}

/** The keyword arguments each activation function takes (Keras 3.15.1 signatures). */
export const ACTIVATION_ARGS: Record<string, string[]> = {
  relu: ["negative_slope", "max_value", "threshold"],
  elu: ["alpha"],
  gelu: ["approximate"],
  leaky_relu: ["negative_slope"],
  softmax: ["axis"],
  log_softmax: ["axis"],
  celu: ["alpha"],
  glu: ["axis"],
  hard_shrink: ["threshold"],
  soft_shrink: ["threshold"],
  squareplus: ["b"],
  sparsemax: ["axis"],
  threshold: ["threshold", "default_value"],
};

/** Activations whose result depends on the order of the features along their axis (glu halves it). */
export const orderDependent = (spec: ActivationSpec): boolean => spec.name === "glu";

/** Parse a config value (`'relu'`, `null`, `{name, ...arguments}`) into an activation spec. */
export function activationSpec(value: unknown): ActivationSpec {
  if (value === null || value === undefined) return { name: "linear", args: {} };
  if (typeof value === "string") return checked(value, {});
  if (typeof value === "object" && value !== null && "name" in value) {
    const { name, ...args } = value as Record<string, unknown>;
    return checked(String(name), args);
  }
  throw new ConfigError(`unsupported activation ${JSON.stringify(value)}`);
}

function checked(name: string, args: Record<string, unknown>): ActivationSpec {
  if (!(ACTIVATIONS as readonly string[]).includes(name)) throw new ConfigError(`activation '${name}' is not supported yet`);
  for (const key of Object.keys(args)) {
    if (!(ACTIVATION_ARGS[name] ?? []).includes(key)) throw new ConfigError(`activation '${name}' with \`${key}=\` is not supported`);
  }
  return { name, args };
}

const numberArg = (spec: ActivationSpec, key: string, fallback: number | null): number | null => {
  const v = spec.args[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number") throw new ConfigError(`\`${key}\` of '${spec.name}' must be a number`);
  return v;
};

/**
 * Keras' relu(x, negative_slope, max_value, threshold): plain cases map to PyTorch's functions, the
 * general one to the `keras_relu` helper, which mirrors Keras' formula.
 */
export function reluExpression(x: PyExpr, slope: number, maxValue: number | null, threshold: number): PyExpr {
  if (maxValue !== null && maxValue < 0) throw new ConfigError("`max_value` must be >= 0");
  if (threshold === 0 && slope === 0) {
    if (maxValue === null) return call("F.relu", [x]);
    if (maxValue === 6) return call("F.relu6", [x]);
    return call("F.hardtanh", [x], [["min_val", floatLit(0)], ["max_val", floatLit(maxValue)]]);
  }
  if (threshold === 0 && maxValue === null) return call("F.leaky_relu", [x], [["negative_slope", floatLit(slope)]]);
  return call("keras_relu", [x], [
    ["negative_slope", floatLit(slope)],
    ["max_value", maxValue === null ? lit(null) : floatLit(maxValue)],
    ["threshold", floatLit(threshold)],
  ]);
}

/**
 * Apply an activation to `x`. `layout` and `rank` locate the Keras axis for softmax under NCHW.
 * Returns `x` itself for linear.
 */
export function applyActivation(x: PyExpr, spec: ActivationSpec, layout: Layout, rank: number): PyExpr {
  const F = (fn: string, kwargs: [string, PyExpr][] = []) => call(`F.${fn}`, [x], kwargs);
  switch (spec.name) {
    case "linear":
      return x;
    case "relu":
      return reluExpression(x, numberArg(spec, "negative_slope", 0)!, numberArg(spec, "max_value", null), numberArg(spec, "threshold", 0)!);
    case "relu6":
      return F("relu6");
    case "elu": {
      const alpha = numberArg(spec, "alpha", 1)!;
      return alpha === 1 ? F("elu") : F("elu", [["alpha", floatLit(alpha)]]);
    }
    case "selu":
      return F("selu");
    case "gelu":
      // Keras' default is the exact erf form; `approximate=True` is the tanh form.
      return spec.args.approximate === true ? F("gelu", [["approximate", lit("tanh")]]) : F("gelu");
    case "sigmoid":
      return call("torch.sigmoid", [x]);
    case "hard_sigmoid":
      // Keras 3: relu6(x + 3) / 6, which is exactly F.hardsigmoid (Keras 2's 0.2x + 0.5 differs).
      return F("hardsigmoid");
    case "keras2_hard_sigmoid":
      return call("keras2_hard_sigmoid", [x]);
    case "silu":
    case "swish":
      return F("silu");
    case "hard_silu":
    case "hard_swish":
      return F("hardswish");
    case "mish":
      return F("mish");
    case "tanh":
      return call("torch.tanh", [x]);
    case "exponential":
      return call("torch.exp", [x]);
    case "celu": {
      const alpha = numberArg(spec, "alpha", 1)!;
      return alpha === 1 ? F("celu") : F("celu", [["alpha", floatLit(alpha)]]);
    }
    case "glu": {
      // The first half times the sigmoid of the second, split on `axis` (remapped under NCHW).
      const axis = spec.args.axis ?? -1;
      if (typeof axis !== "number") throw new ConfigError("glu over several axes is not supported");
      const dim = softmaxDim(axis, layout, rank);
      return dim === -1 ? F("glu") : F("glu", [["dim", lit(dim)]]);
    }
    case "hard_shrink":
      return F("hardshrink", [["lambd", floatLit(numberArg(spec, "threshold", 0.5)!)]]);
    case "soft_shrink":
      return F("softshrink", [["lambd", floatLit(numberArg(spec, "threshold", 0.5)!)]]);
    case "hard_tanh":
      return F("hardtanh");
    case "log_sigmoid":
      return F("logsigmoid");
    case "tanh_shrink":
      return F("tanhshrink");
    case "sparse_sigmoid":
      // 0 below -1, 1 above 1, (x + 1) / 2 between: a clamp.
      return { k: "call", fn: { k: "attr", obj: { k: "binop", op: "/", left: { k: "binop", op: "+", left: x, right: floatLit(1) }, right: floatLit(2) }, name: "clamp" }, args: [floatLit(0), floatLit(1)] };
    case "sparse_plus": {
      // 0 below -1, x above 1, (x + 1)^2 / 4 between.
      const quadratic: PyExpr = { k: "binop", op: "/", left: { k: "binop", op: "**", left: { k: "binop", op: "+", left: x, right: floatLit(1) }, right: lit(2) }, right: floatLit(4) };
      const upper = call("torch.where", [{ k: "compare", op: ">=", left: x, right: floatLit(1) }, x, quadratic]);
      return call("torch.where", [{ k: "compare", op: "<=", left: x, right: floatLit(-1) }, call("torch.zeros_like", [x]), upper]);
    }
    case "squareplus": {
      // (x + sqrt(x^2 + b)) / 2
      const b = numberArg(spec, "b", 4)!;
      const root = call("torch.sqrt", [{ k: "binop", op: "+", left: call("torch.square", [x]), right: floatLit(b) }]);
      return { k: "binop", op: "/", left: { k: "binop", op: "+", left: x, right: root }, right: floatLit(2) };
    }
    case "threshold":
      // Keras' threshold(x, threshold, default_value): x above the threshold, else the default value.
      return F("threshold", [["threshold", floatLit(numberArg(spec, "threshold", 0)!)], ["value", floatLit(numberArg(spec, "default_value", 0)!)]]);
    case "sparsemax": {
      // No PyTorch function: the generated file defines `sparsemax` (templates/helpers/sparsemax.py).
      const axis = spec.args.axis ?? -1;
      if (typeof axis !== "number") throw new ConfigError("sparsemax over several axes is not supported");
      const dim = softmaxDim(axis, layout, rank);
      return call("sparsemax", [x], dim === -1 ? [] : [["dim", lit(dim)]]);
    }
    case "softplus":
      return F("softplus");
    case "softsign":
      return F("softsign");
    case "softmax":
    case "log_softmax": {
      const axis = spec.args.axis ?? -1;
      if (typeof axis !== "number") throw new ConfigError(`${spec.name} over several axes is not supported yet`);
      return F(spec.name, [["dim", lit(softmaxDim(axis, layout, rank))]]);
    }
    case "leaky_relu":
      // The function's default slope is 0.2 (the layer's is 0.3).
      return F("leaky_relu", [["negative_slope", floatLit(numberArg(spec, "negative_slope", 0.2)!)]]);
    default:
      throw new ConfigError(`activation '${spec.name}' is not supported yet`);
  }
}

function softmaxDim(axis: number, layout: Layout, rank: number): number {
  if (layout.kind === "flat") {
    // Over all features of a flattened tensor the order does not matter (layouts keep glu off flat tensors).
    if (rank === 2 && (axis === -1 || axis === 1)) return -1;
    throw new ConfigError("softmax over a flattened channels-first tensor");
  }
  const dim = torchDim(layout, axis, rank);
  // Readers expect `dim=-1` when the axis is the last one.
  return dim === rank - 1 ? -1 : dim;
}

/** Layers that change no shape and accept any layout. */
const elementwise = {
  inferShape: ({ inputs }: { inputs: (number | null)[][] }) => shapeOk(inputs[0]!),
  layout: ({ inputLayouts }: { inputLayouts: Layout[] }) => ({ inputs: [null], outputs: [inputLayouts[0]!] }),
};

function functional(forward: PyExpr): LowerResult {
  return { ok: true, lowering: { forward, weights: [], constants: [] } };
}

export const activationRule: LayerRule = {
  name: "activation",
  kerasClasses: ["Activation"],
  summary: "functional `F.*`/`torch.*` call in `forward`",
  signature: () => ({ params: [{ name: "activation", default: null }] }),
  inferShape: elementwise.inferShape,
  // glu halves its axis, so a flattened channels-first tensor is put back in Keras order first.
  layout: ({ layer, inputLayouts, inputShapes }) =>
    inputLayouts[0]!.kind === "flat" && orderDependent(activationSpec(layer.config.activation))
      ? { inputs: [identity(inputShapes[0]!.length)], outputs: [identity(inputShapes[0]!.length)] }
      : elementwise.layout({ inputLayouts }),
  lower: ({ layer, inputLayouts, inputShapes }) => {
    const spec = activationSpec(layer.config.activation);
    return functional(applyActivation(input(), spec, inputLayouts[0]!, inputShapes[0]!.length));
  },
};

/**
 * Keras' ReLU layer: `x` above `threshold`, clipped at `max_value`, and `negative_slope * (x - threshold)`
 * below. Plain cases map to PyTorch's own modules; the general case to a helper that mirrors Keras.
 */
export const reluRule: LayerRule = {
  name: "relu",
  kerasClasses: ["ReLU"],
  summary: "`F.relu`, `F.relu6`, `F.hardtanh`, `F.leaky_relu`, or a helper for thresholds",
  signature: () => ({
    params: [
      { name: "max_value", default: null },
      { name: "negative_slope", default: 0.0 },
      { name: "threshold", default: 0.0 },
    ],
  }),
  ...elementwise,
  lower: ({ layer }) => {
    return functional(reluExpression(input(), num(layer, "negative_slope"), optNum(layer, "max_value"), num(layer, "threshold")));
  },
};

export const leakyReluRule: LayerRule = {
  name: "leaky_relu",
  kerasClasses: ["LeakyReLU"],
  summary: "`F.leaky_relu` with Keras' default slope 0.3",
  // Keras 2 spelled the slope `alpha`.
  signature: () => ({ params: [{ name: "negative_slope", default: 0.3, aliases: ["alpha"] }] }),
  ...elementwise,
  lower: ({ layer }) => functional(call("F.leaky_relu", [input()], [["negative_slope", floatLit(num(layer, "negative_slope"))]])),
};

export const eluRule: LayerRule = {
  name: "elu",
  kerasClasses: ["ELU"],
  summary: "`F.elu` with Keras' `alpha`",
  signature: () => ({ params: [{ name: "alpha", default: 1.0 }] }),
  ...elementwise,
  lower: ({ layer }) => {
    const alpha = num(layer, "alpha");
    return functional(alpha === 1 ? call("F.elu", [input()]) : call("F.elu", [input()], [["alpha", floatLit(alpha)]]));
  },
};

/**
 * Keras' PReLU learns one slope per element of the input (`shared_axes` share it along those axes).
 * `nn.PReLU` holds one slope per channel at most, so it serves only that case on a channels-first
 * tensor; otherwise the `KerasPReLU` helper holds the slopes in the tensor's own layout.
 */
export const preluRule: LayerRule = {
  name: "prelu",
  kerasClasses: ["PReLU"],
  summary: "`nn.PReLU(C)` when the slopes are per channel; otherwise the `KerasPReLU` helper (one slope per element)",
  signature: () => ({ params: [{ name: "shared_axes", default: null }] }),
  ...elementwise,
  lower: ({ layer, inputShapes, inputLayouts }) => {
    const shape = inputShapes[0]!;
    const rank = shape.length;
    const shared = layer.config.shared_axes === null ? [] : Array.isArray(layer.config.shared_axes) ? (layer.config.shared_axes as number[]) : [layer.config.shared_axes as number];
    const alphaShape = shape.slice(1).map((d, i) => (shared.includes(i + 1) ? 1 : d));
    if (alphaShape.some((d) => d === null)) throw new ConfigError("PReLU needs known sizes on the axes it does not share");
    const dims = alphaShape as number[];
    const layout = inputLayouts[0]!;
    if (layout.kind !== "perm") throw new ConfigError("PReLU on a flattened channels-first tensor is not supported");
    // The slopes in the tensor's layout: Keras' (H, W, C) becomes (C, H, W) under NCHW.
    const inner = layout.perm.slice(1).map((p) => p - 1);
    const torchDims = inner.map((p) => dims[p]!);
    const transforms = inner.every((p, i) => p === i) ? [] : [{ op: "transpose" as const, axes: inner }];
    const weights = [{ kerasIndex: 0, kerasName: "alpha", kerasShape: dims, param: "alpha", transforms }];
    const perChannel = rank >= 3 && torchDims.slice(1).every((d) => d === 1) && torchDim(layout, rank - 1, rank) === 1;
    if (perChannel) {
      return {
        ok: true,
        lowering: {
          module: { ctor: "nn.PReLU", args: [lit(torchDims[0]!)], kwargs: [] },
          forward: callModule(input()),
          // nn.PReLU's weight is (C,): the Keras (1, 1, C) slopes reshape to it.
          weights: [{ kerasIndex: 0, kerasName: "alpha", kerasShape: dims, param: "weight", transforms: [{ op: "reshape", shape: [torchDims[0]!] }] }],
          constants: [],
        },
      };
    }
    return {
      ok: true,
      lowering: { module: { ctor: "KerasPReLU", args: [{ k: "tuple", items: torchDims.map((d) => lit(d)) }], kwargs: [] }, forward: callModule(input()), weights, constants: [] },
    };
  },
};

export const softmaxRule: LayerRule = {
  name: "softmax",
  kerasClasses: ["Softmax"],
  summary: "`F.softmax` with `axis` remapped to the PyTorch dim",
  signature: () => ({ params: [{ name: "axis", default: -1 }] }),
  ...elementwise,
  lower: ({ layer, inputLayouts, inputShapes }) => {
    const axis = layer.config.axis;
    if (Array.isArray(axis)) throw new ConfigError("Softmax over several axes is not supported yet");
    return functional(applyActivation(input(), { name: "softmax", args: { axis: num(layer, "axis") } }, inputLayouts[0]!, inputShapes[0]!.length));
  },
};
