// Reductions: sum, mean, max, min, prod, std, var, any, all, logsumexp, argmax, argmin, and the L2
// normalization that divides by one (tf.nn.l2_normalize, keras.ops.normalize).
// `axis=None` reduces every axis (TensorFlow and Keras alike) except tf.argmax, whose None means 0.
// Under a permuted layout the Keras axes are remapped to PyTorch dims and the output keeps the
// remaining axes' order; a flattened tensor may be reduced over its features (order does not matter).
import { identity } from "../ir/layout.js";
import type { Layout, PyExpr, Shape } from "../ir/types.js";
import { call, floatLit, lit } from "../rules/util.js";
import type { OpLayoutPlan, OpRule } from "./types.js";
import {
  type Args,
  type ParamDef,
  type Spellings,
  P,
  TF_NAME,
  arg,
  castTo,
  checkAxes,
  defineOp,
  dimExpr,
  dropAxes,
  fail,
  floatResult,
  ints,
  isFloatDtype,
  method,
  parseDtype,
  permLayout,
  permOf,
  permOrIdentity,
  range,
  shapes,
} from "./util.js";

interface ReductionNames {
  keras?: string;
  /** keras.ops' NumPy aliases (`amax`), without the extra parameters. */
  kerasAliases?: string[];
  tf?: string;
  tfMath?: string;
  backend?: string;
}

const common: ParamDef[] = [P.value("axis", null), P.value("keepdims", false)];

function spellings(n: ReductionNames, kerasExtra: ParamDef[] = []): Spellings {
  const table: Spellings = {};
  if (n.keras) table[`keras.ops.${n.keras}`] = [P.tensor("x"), ...common, ...kerasExtra];
  for (const alias of n.kerasAliases ?? []) table[`keras.ops.${alias}`] = [P.tensor("x"), ...common];
  if (n.tf) table[`tensorflow.${n.tf}`] = [P.tensor("input_tensor", "x"), ...common, TF_NAME];
  if (n.tfMath) table[`tensorflow.math.${n.tfMath}`] = [P.tensor("input_tensor", "x"), ...common, TF_NAME];
  if (n.backend) table[`keras.backend.${n.backend}`] = [P.tensor("x"), ...common];
  return table;
}

/** The reduced Keras axes (normalized, sorted) and the output shape. */
function reduced(shape: Shape, axes: number[] | null, keepdims: boolean): { axes: number[]; shape: Shape } {
  const rank = shape.length;
  const list = axes === null ? range(rank) : checkAxes(axes, rank).sort((p, q) => p - q);
  if (axes !== null && list.length === 0) fail("reducing over an empty list of axes is not supported");
  const out = keepdims ? shape.map((d, i) => (list.includes(i) ? 1 : d)) : shape.filter((_, i) => !list.includes(i));
  return { axes: list, shape: out };
}

/**
 * A perm layout is reduced in place; a flattened rank-2 tensor only when its feature axis is among the
 * reduced ones (then element order is irrelevant). The output keeps the remaining axes in torch order.
 */
function reductionLayout(layout: Layout, rank: number, axes: number[], keepdims: boolean, orderMatters = false): { input: Layout | null; output: Layout } {
  const perm = permOf(layout);
  if (!perm) {
    if (!orderMatters && axes.includes(1)) return { input: null, output: permLayout(range(keepdims ? rank : rank - axes.length)) };
    return { input: permLayout(range(rank)), output: permLayout(range(keepdims ? rank : rank - axes.length)) };
  }
  return { input: null, output: permLayout(keepdims ? perm : dropAxes(perm, axes)) };
}

/** The torch dims (sorted) that hold Keras axes `axes` under `layout`. */
function torchDims(layout: Layout, axes: number[]): number[] {
  const perm = permOf(layout);
  if (!perm) return axes;
  return axes.map((a) => perm.indexOf(a)).sort((p, q) => p - q);
}

const dimsExpr = (dims: number[], rank: number): PyExpr => (dims.length === 1 ? dimExpr(dims[0]!, rank) : ints(dims));

type Lowerer = (x: PyExpr, dims: number[] | null, keepdim: boolean, rank: number, a: Args) => PyExpr;

/** `x.<method>(dim=..., keepdim=...)`, `x.<method>()` over everything. `extra` kwargs go after `dim`. */
const viaMethod =
  (m: string, extra: [string, PyExpr][] = [], dimRequired = false): Lowerer =>
  (x, dims, keepdim, rank) => {
    if (dims === null && !keepdim && !dimRequired) return method(x, m, [], extra);
    const all = dims ?? range(rank);
    return method(x, m, [], [["dim", dimsExpr(all, rank)], ...extra, ...(keepdim ? ([["keepdim", lit(true)]] as [string, PyExpr][]) : [])]);
  };

interface ReductionDef {
  name: string;
  summary: string;
  names: ReductionNames;
  kerasExtra?: ParamDef[];
  dtype: (input: string, a: Args) => string;
  /** Cast the input first (integers to floats for a mean, say); null keeps it. */
  prepare?: (dtype: string, a: Args) => string | null;
  lower: Lowerer;
}

function reduction(def: ReductionDef): OpRule {
  const read = (a: Args) => {
    const x = a.tensor("x");
    return { x, ...reduced(x.shape, a.axes("axis"), a.bool("keepdims")), keepdims: a.bool("keepdims") };
  };
  return defineOp({
    name: def.name,
    summary: def.summary,
    spellings: spellings(def.names, def.kerasExtra),
    inferShape: (a) => {
      const { x, shape } = read(a);
      def.prepare?.(x.dtype, a);
      return shapes([shape], [def.dtype(x.dtype, a)]);
    },
    layout: (a, ctx): OpLayoutPlan => {
      const { x, axes, keepdims } = read(a);
      const plan = reductionLayout(ctx.layouts[a.param("x")] as Layout, x.shape.length, axes, keepdims);
      return { inputs: { [a.param("x")]: plan.input }, outputs: [plan.output] };
    },
    lower: (a, ctx) => {
      const { x, axes, keepdims } = read(a);
      const rank = x.shape.length;
      const layout = ctx.layouts[a.param("x")] as Layout;
      const cast = def.prepare?.(x.dtype, a) ?? null;
      const input = cast ? castTo(arg(a.param("x")), cast) : arg(a.param("x"));
      const every = a.axes("axis") === null;
      return def.lower(input, every ? null : torchDims(layout, axes), keepdims, rank, a);
    },
  });
}

const same = (d: string) => d;

/** Keras' mean, std and var make floats of integers; TensorFlow's integer mean would truncate instead. */
function floatInput(dtype: string, a: Args): string | null {
  if (isFloatDtype(dtype)) return null;
  if (a.qualifiedName.startsWith("tensorflow.") && dtype !== "bool") {
    fail(`${a.qualifiedName} of an integer tensor rounds toward zero in TensorFlow; cast it to a float first`);
  }
  if (a.qualifiedName.startsWith("keras.backend.") && dtype !== "bool") {
    fail(`${a.qualifiedName} of an integer tensor rounds toward zero in Keras 2; cast it to a float first`);
  }
  return "float32";
}

export const sumOp = reduction({
  name: "sum",
  summary: "`x.sum(dim=..., keepdim=...)`",
  names: { keras: "sum", tf: "reduce_sum", tfMath: "reduce_sum", backend: "sum" },
  dtype: same,
  lower: viaMethod("sum"),
});

export const meanOp = reduction({
  name: "mean",
  summary: "`x.mean(dim=..., keepdim=...)`; Keras' mean of integers is a float mean",
  names: { keras: "mean", tf: "reduce_mean", tfMath: "reduce_mean", backend: "mean" },
  dtype: floatResult,
  prepare: floatInput,
  lower: viaMethod("mean"),
});

/** keras.ops.max/min's `initial` is not supported (it only matters for empty tensors or as a floor). */
const noInitial = (a: Args) => {
  if (a.value("initial") !== null) fail(`${a.qualifiedName} with \`initial\` is not supported`);
  return null;
};

export const maxOp = reduction({
  name: "max",
  summary: "`x.amax(dim=..., keepdim=...)`",
  names: { keras: "max", kerasAliases: ["amax"], tf: "reduce_max", tfMath: "reduce_max", backend: "max" },
  kerasExtra: [P.value("initial", null)],
  dtype: same,
  prepare: (_d, a) => noInitial(a),
  lower: viaMethod("amax"),
});

export const minOp = reduction({
  name: "min",
  summary: "`x.amin(dim=..., keepdim=...)`",
  names: { keras: "min", kerasAliases: ["amin"], tf: "reduce_min", tfMath: "reduce_min", backend: "min" },
  kerasExtra: [P.value("initial", null)],
  dtype: same,
  prepare: (_d, a) => noInitial(a),
  lower: viaMethod("amin"),
});

/** torch.prod reduces one dim at a time: chain it (highest dim first, so lower dims keep their index). */
export const prodOp = reduction({
  name: "prod",
  summary: "`x.prod(dim=...)`, chained for several axes",
  names: { keras: "prod", tf: "reduce_prod", tfMath: "reduce_prod", backend: "prod" },
  kerasExtra: [P.value("dtype", null)],
  dtype: (d, a) => (a.value("dtype") === null ? d : parseDtype(a.value("dtype"))),
  prepare: (d, a) => {
    const wanted = a.value("dtype") === null ? d : parseDtype(a.value("dtype"));
    return wanted === d ? null : wanted;
  },
  lower: (x, dims, keepdim, rank) => {
    if (dims === null) {
      const all = method(x, "prod");
      return keepdim ? method(all, "reshape", new Array<PyExpr>(rank).fill(lit(1))) : all;
    }
    // Plain dim numbers: `-1` would name a different dim at each step of the chain.
    let out = x;
    for (const d of [...dims].sort((p, q) => q - p)) {
      out = method(out, "prod", [], [["dim", dims.length === 1 ? dimExpr(d, rank) : lit(d)], ...(keepdim ? ([["keepdim", lit(true)]] as [string, PyExpr][]) : [])]);
    }
    return out;
  },
});

// Keras' std and var are population statistics (ddof=0); PyTorch's default is unbiased.
const correction: [string, PyExpr][] = [["correction", lit(0)]];

export const stdOp = reduction({
  name: "std",
  summary: "`x.std(dim=..., correction=0)` (population, as Keras and TensorFlow)",
  names: { keras: "std", tfMath: "reduce_std", backend: "std" },
  dtype: floatResult,
  prepare: floatInput,
  lower: viaMethod("std", correction),
});

export const varOp = reduction({
  name: "var",
  summary: "`x.var(dim=..., correction=0)` (population, as Keras and TensorFlow)",
  names: { keras: "var", tfMath: "reduce_variance", backend: "var" },
  dtype: floatResult,
  prepare: floatInput,
  lower: viaMethod("var", correction),
});

export const anyOp = reduction({
  name: "any",
  summary: "`x.any(dim=...)` (any nonzero, bool result)",
  names: { keras: "any", tf: "reduce_any", tfMath: "reduce_any", backend: "any" },
  dtype: () => "bool",
  lower: viaMethod("any"),
});

export const allOp = reduction({
  name: "all",
  summary: "`x.all(dim=...)` (all nonzero, bool result)",
  names: { keras: "all", tf: "reduce_all", tfMath: "reduce_all", backend: "all" },
  dtype: () => "bool",
  lower: viaMethod("all"),
});

export const logsumexpOp = reduction({
  name: "logsumexp",
  summary: "`x.logsumexp(dim=...)` (every dim listed for axis=None)",
  names: { keras: "logsumexp", tf: "reduce_logsumexp", tfMath: "reduce_logsumexp" },
  dtype: floatResult,
  prepare: (d) => (isFloatDtype(d) ? null : "float32"),
  lower: viaMethod("logsumexp", [], true),
});

// ---------------------------------------------------------------------------------------------
// argmax / argmin: one axis. keras.ops' axis=None is an index into the flattened tensor (Keras order,
// so the input must be in Keras order); tf.argmax's None means axis 0; keras.backend's default is -1.

function argSpellings(n: "argmax" | "argmin"): Spellings {
  return {
    [`keras.ops.${n}`]: [P.tensor("x"), P.value("axis", null), P.value("keepdims", false)],
    [`tensorflow.${n}`]: [P.tensor("input", "x"), P.value("axis", null), P.value("output_type", "int64"), TF_NAME],
    [`tensorflow.math.${n}`]: [P.tensor("input", "x"), P.value("axis", null), P.value("output_type", "int64"), TF_NAME],
    [`keras.backend.${n}`]: [P.tensor("x"), P.value("axis", -1)],
  };
}

function argReduction(n: "argmax" | "argmin"): OpRule {
  /** The Keras axis, or null for keras.ops' flattened form. */
  const axisOf = (a: Args, rank: number): number | null => {
    const v = a.value("axis");
    if (v === null) return a.qualifiedName.startsWith("tensorflow.") ? 0 : null;
    if (typeof v !== "number" || !Number.isInteger(v)) fail(`${a.qualifiedName} takes a single integer axis`);
    return checkAxes([v], rank)[0]!;
  };
  return defineOp({
    name: n,
    summary: `\`x.${n}(dim=...)\`; keras.ops' axis=None indexes the flattened tensor in Keras order`,
    spellings: argSpellings(n),
    inferShape: (a) => {
      const x = a.tensor("x");
      const axis = axisOf(a, x.shape.length);
      const keepdims = a.bool("keepdims");
      const shape = axis === null ? (keepdims ? x.shape.map(() => 1) : []) : reduced(x.shape, [axis], keepdims).shape;
      // keras.ops returns int32, TensorFlow its output_type (int64); PyTorch always int64.
      const dtype = a.qualifiedName.startsWith("keras.ops.") ? "int32" : a.has("output_type") ? parseDtype(a.value("output_type")) : "int64";
      return shapes([shape], [dtype]);
    },
    layout: (a, ctx): OpLayoutPlan => {
      const x = a.tensor("x");
      const rank = x.shape.length;
      const axis = axisOf(a, rank);
      const keepdims = a.bool("keepdims");
      if (axis === null) return { inputs: { [a.param("x")]: permLayout(range(rank)) }, outputs: [permLayout(range(keepdims ? rank : 0))] };
      const plan = reductionLayout(ctx.layouts[a.param("x")] as Layout, rank, [axis], keepdims, true);
      return { inputs: { [a.param("x")]: plan.input }, outputs: [plan.output] };
    },
    lower: (a, ctx) => {
      const x = a.tensor("x");
      const rank = x.shape.length;
      const axis = axisOf(a, rank);
      const keepdims = a.bool("keepdims");
      const keep: [string, PyExpr][] = keepdims ? [["keepdim", lit(true)]] : [];
      if (axis === null) return method(arg(a.param("x")), n, [], keep);
      const dim = torchDims(ctx.layouts[a.param("x")] as Layout, [axis])[0]!;
      return method(arg(a.param("x")), n, [], [["dim", dimExpr(dim, rank)], ...keep]);
    },
  });
}

export const argmaxOp = argReduction("argmax");
export const argminOp = argReduction("argmin");

/**
 * The L2 norm's epsilon as `F.normalize`'s (`x / max(||x||, eps)`). TensorFlow's l2_normalize is
 * `x * rsqrt(max(sum(x²), epsilon))`, a floor on the squared norm: `eps = sqrt(epsilon)`. Keras 3's
 * normalize is `x * min(rsqrt(sum(x²)), 1 / epsilon)` (epsilon defaults to backend.epsilon(), 1e-7): `eps = epsilon`.
 */
function normEps(a: Args): number {
  const given = a.value("epsilon");
  if (given !== null && typeof given !== "number") fail(`${a.qualifiedName}: \`epsilon\` must be a number`);
  if (a.qualifiedName === "keras.ops.normalize") return given ?? 1e-7;
  return Math.sqrt(given ?? 1e-12);
}

export const l2NormalizeOp = defineOp({
  name: "l2_normalize",
  summary: "`F.normalize(x, dim=..., eps=...)`, TensorFlow's epsilon (on the squared norm) as its square root; keras.ops.normalize with `order=2` only",
  spellings: {
    "tensorflow.nn.l2_normalize": [P.tensor("x"), P.value("axis", null), P.value("epsilon", 1e-12), TF_NAME],
    "tensorflow.math.l2_normalize": [P.tensor("x"), P.value("axis", null), P.value("epsilon", 1e-12), TF_NAME],
    "tensorflow.linalg.l2_normalize": [P.tensor("x"), P.value("axis", null), P.value("epsilon", 1e-12), TF_NAME],
    "keras.ops.normalize": [P.tensor("x"), P.value("axis", -1), P.value("order", 2), P.value("epsilon", null)],
    "keras.backend.l2_normalize": [P.tensor("x"), P.value("axis", null)],
  },
  inferShape: (a) => {
    const x = a.tensor("x");
    if (a.value("order", 2) !== 2) fail(`${a.qualifiedName}: only order=2 is supported`);
    if (!isFloatDtype(x.dtype)) fail(`${a.qualifiedName} of a ${x.dtype} tensor is not supported; cast it to a float first`);
    normEps(a);
    return shapes([x.shape], [x.dtype]);
  },
  // The output keeps the input's layout. A flattened channels-first tensor may stay so only when all
  // its features are normalized together (their order does not matter then).
  layout: (a, ctx): OpLayoutPlan => {
    const x = a.tensor("x");
    const rank = x.shape.length;
    const { axes } = reduced(x.shape, a.axes("axis"), true);
    const layout = ctx.layouts[a.param("x")] as Layout;
    if (layout.kind === "flat" && !axes.includes(1)) return { inputs: { [a.param("x")]: identity(rank) }, outputs: [identity(rank)] };
    return { inputs: { [a.param("x")]: null }, outputs: [layout.kind === "flat" ? layout : permOrIdentity(layout, rank)] };
  },
  lower: (a, ctx) => {
    const x = a.tensor("x");
    const rank = x.shape.length;
    const { axes } = reduced(x.shape, a.axes("axis"), true);
    const dims = torchDims(ctx.layouts[a.param("x")] as Layout, axes);
    return call("F.normalize", [arg(a.param("x"))], [["dim", dimsExpr(dims, rank)], ["eps", floatLit(normEps(a))]]);
  },
});

export const REDUCTION_OPS: readonly OpRule[] = [sumOp, meanOp, maxOp, minOp, prodOp, stdOp, varOp, anyOp, allOp, logsumexpOp, argmaxOp, argminOp, l2NormalizeOp];
