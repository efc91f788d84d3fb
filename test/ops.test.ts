// The operations registry, checked against real Keras and TensorFlow.
//
// Every case below names a qualified name, its arguments (tensors by shape and dtype, static values,
// optionally the layouts the tensors arrive in) and, when the default does not fit, a Python reference
// expression. By default the reference is the real function called with the same arguments, so the
// rule's signature (names, defaults) is checked too. For each case the test binds the arguments, runs
// inferShape, layout (a layout the plan asks for is applied to the inputs) and lower, renders the
// PyTorch expression, and hands all cases to ONE Python process (test/ops_reference.py) that compares
// real Keras/TensorFlow with real PyTorch. Every registered qualified name must have a case.
//
// `docs/supported-operations.md` is generated from the registry: `UPDATE_DOCS=1 npx vitest run
// test/ops.test.ts` rewrites it, and the test fails when it is stale.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import { Node, Project } from "ts-morph";
import { beforeAll, describe, expect, it } from "vitest";
import { renderExpr } from "../src/emit/render.js";
import { mapExpr } from "../src/ir/expr.js";
import { identity } from "../src/ir/layout.js";
import type { ConfigValue, Layout, PyExpr, Shape } from "../src/ir/types.js";
import { ACTIVATION_OPS } from "../src/ops/activations.js";
import { OP_RULES, listOps, opRuleFor } from "../src/ops/registry.js";
import type { OpArgValue, OpRule } from "../src/ops/types.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const VENV = process.env.KERAS2TORCH_VENV ?? path.join(ROOT, ".venv");
const REGISTRY = path.join(ROOT, "src/ops/registry.ts");
const DOCS = path.join(ROOT, "docs/supported-operations.md");

// ---------------------------------------------------------------------------------------------
// Case language

type Gen = "normal" | "positive" | "nonzero" | "halves" | "unit" | "int" | "bool";
interface TensorSpec {
  __tensor: true;
  shape: Shape;
  dtype: string;
  gen?: Gen;
  range?: [number, number];
}
interface TensorList {
  __tensors: TensorSpec[];
}
interface FloatValue {
  __float: number;
}
type CaseArg = TensorSpec | TensorList | FloatValue | ConfigValue;
type LayoutSpec = number[] | { flat: { inner: number[]; innerPerm: number[] } };

interface OpCase {
  op: string;
  /** Arguments in the signature's positional order. */
  pos?: CaseArg[];
  /** Arguments by Python parameter name. */
  kw?: Record<string, CaseArg>;
  /** Python reference over the parameter names; default: the real function with the same arguments. */
  ref?: string;
  /** Layouts the tensors arrive in, by parameter name; default Keras order. */
  layouts?: Record<string, LayoutSpec | LayoutSpec[]>;
  /** The PyTorch expression, when the case pins it (arguments appear as their parameter names). */
  torch?: string;
  tol?: number;
  /** Random draws: compare the shape, and the mean and standard deviation of a large draw, within `tol`. */
  moments?: boolean;
}

const t = (shape: Shape, opts: { dtype?: string; gen?: Gen; range?: [number, number] } = {}): TensorSpec => ({
  __tensor: true,
  shape,
  dtype: opts.dtype ?? "float32",
  ...(opts.gen ? { gen: opts.gen } : {}),
  ...(opts.range ? { range: opts.range } : {}),
});
const ints = (shape: Shape, range: [number, number] = [0, 4], dtype = "int32") => t(shape, { dtype, gen: "int", range });
const bools = (shape: Shape) => t(shape, { dtype: "bool" });
const ts = (...items: TensorSpec[]): TensorList => ({ __tensors: items });
const f = (v: number): FloatValue => ({ __float: v });
const sl = (start: number | null, stop: number | null = null, step: number | null = null): ConfigValue => ({ slice: [start, stop, step] });
const ALL = sl(null);

const NCHW = [0, 3, 1, 2];
const FLAT: LayoutSpec = { flat: { inner: [2, 2, 3], innerPerm: [2, 0, 1] } };
const X = t([2, 3, 4]);
const X4 = t([2, 4, 4, 3]);

const isTensor = (v: CaseArg): v is TensorSpec => typeof v === "object" && v !== null && "__tensor" in v;
const isList = (v: CaseArg): v is TensorList => typeof v === "object" && v !== null && "__tensors" in v;
const isFloat = (v: CaseArg): v is FloatValue => typeof v === "object" && v !== null && "__float" in v;

function rule(name: string): OpRule {
  const r = OP_RULES.find((x) => x.name === name);
  if (!r) throw new Error(`no op rule ${name}`);
  return r;
}

/** One case per qualified name of a rule. */
const each = (name: string, make: (qn: string) => OpCase | OpCase[]): OpCase[] => rule(name).qualifiedNames.flatMap((qn) => make(qn));

// ---------------------------------------------------------------------------------------------
// Cases

const elementwiseCases: OpCase[] = [
  ...each("add", (op) => ({ op, pos: [X, X] })),
  ...each("subtract", (op) => ({ op, pos: [X, X] })),
  ...each("multiply", (op) => ({ op, pos: [X, X] })),
  ...each("divide", (op) => ({ op, pos: [X, t([2, 3, 4], { gen: "nonzero" })] })),
  ...each("floor_divide", (op) => ({ op, pos: [X, t([2, 3, 4], { gen: "nonzero" })] })),
  ...each("mod", (op) => ({ op, pos: [X, t([2, 3, 4], { gen: "nonzero" })] })),
  ...each("power", (op) => ({ op, pos: [t([2, 3, 4], { gen: "positive" }), X] })),
  ...each("maximum", (op) => ({ op, pos: [X, X] })),
  ...each("minimum", (op) => ({ op, pos: [X, t([3, 4])] })),
  ...each("squared_difference", (op) => ({ op, pos: [X, X] })),
  ...["greater", "greater_equal", "less", "less_equal", "equal", "not_equal"].flatMap((n) => each(n, (op) => ({ op, pos: [ints([2, 3, 4]), ints([2, 3, 4])] }))),
  ...each("logical_and", (op) => ({ op, pos: [bools([2, 3]), bools([2, 3])] })),
  ...each("logical_or", (op) => ({ op, pos: [bools([2, 3]), bools([2, 3])] })),
  ...each("logical_xor", (op) => ({ op, pos: [bools([2, 3]), bools([2, 3])] })),
  ...each("logical_not", (op) => ({ op, pos: [bools([2, 3])] })),
  ...each("bitwise_and", (op) => ({ op, pos: [bools([2, 3]), bools([2, 3])] })),
  ...each("bitwise_or", (op) => ({ op, pos: [ints([2, 3], [0, 16]), ints([2, 3], [0, 16])] })),
  ...each("bitwise_xor", (op) => ({ op, pos: [bools([2, 3]), bools([2, 3])] })),
  ...each("invert", (op): OpCase[] => [{ op, pos: [bools([2, 3])] }, { op, pos: [ints([2, 3], [-5, 5])] }]),
  ...each("negative", (op) => ({ op, pos: [X] })),
  ...each("abs", (op) => ({ op, pos: [X] })),
  ...each("exp", (op) => ({ op, pos: [X] })),
  ...each("log", (op) => ({ op, pos: [t([2, 3, 4], { gen: "positive" })] })),
  ...each("log1p", (op) => ({ op, pos: [t([2, 3, 4], { gen: "positive" })] })),
  ...each("expm1", (op) => ({ op, pos: [X] })),
  // keras.backend.sqrt gets negative inputs on purpose: Keras 2 clips them to 0.
  ...each("sqrt", (op) => ({ op, pos: [op === "keras.backend.sqrt" ? X : t([2, 3, 4], { gen: "positive" })] })),
  ...each("rsqrt", (op) => ({ op, pos: [t([2, 3, 4], { gen: "positive" })] })),
  ...each("square", (op) => ({ op, pos: [X] })),
  ...each("sign", (op) => ({ op, pos: [t([2, 3, 4], { gen: "halves" })] })),
  ...each("floor", (op) => ({ op, pos: [t([2, 3, 4], { gen: "halves" })] })),
  ...each("ceil", (op) => ({ op, pos: [t([2, 3, 4], { gen: "halves" })] })),
  // Halves: ties round to even in both.
  ...each("round", (op) => ({ op, pos: [t([2, 3, 4], { gen: "halves" })] })),
  { op: "keras.ops.round", pos: [t([2, 3, 4], { gen: "normal" })], kw: { decimals: 1 }, torch: "torch.round(x, decimals=1)" },
  ...each("sin", (op) => ({ op, pos: [X] })),
  ...each("cos", (op) => ({ op, pos: [X] })),
  ...each("tan", (op) => ({ op, pos: [t([2, 3, 4], { gen: "unit" })] })),
  ...each("erf", (op) => ({ op, pos: [X] })),
  ...each("reciprocal", (op) => ({ op, pos: [t([2, 3, 4], { gen: "nonzero" })] })),

  // Python numbers keep their type.
  { op: "operator.add", pos: [X, 2], torch: "x + 2" },
  { op: "operator.mul", pos: [X, f(2)], torch: "x * 2.0" },
  { op: "operator.sub", pos: [3, X], torch: "3 - y" },
  { op: "operator.truediv", pos: [ints([2, 3]), 2], torch: "x / 2" },
  { op: "operator.pow", pos: [X, 2], torch: "x ** 2" },
  { op: "operator.pow", pos: [f(2), X], torch: "2.0 ** y" },
  { op: "operator.floordiv", pos: [ints([2, 3], [-7, 8]), ints([2, 3], [1, 4])] },
  { op: "operator.floordiv", pos: [ints([2, 3], [-7, 8]), ints([2, 3], [-4, -1])] },
  { op: "operator.mod", pos: [ints([2, 3], [-7, 8]), ints([2, 3], [-4, -1])] },
  { op: "operator.mod", pos: [X, f(1.5)] },
  { op: "operator.mod", pos: [X, f(-1.5)] },
  { op: "operator.gt", pos: [X, f(0.5)], torch: "x > 0.5" },
  { op: "operator.eq", pos: [ints([2, 3]), 2] },
  { op: "operator.lt", pos: [1, ints([2, 3])], torch: "1 < y" },
  { op: "keras.ops.maximum", pos: [X, f(0)], torch: "torch.clamp(x1, min=0.0)" },
  { op: "tensorflow.minimum", pos: [f(0.5), X], torch: "torch.clamp(y, max=0.5)" },
  { op: "keras.ops.maximum", pos: [ints([2, 3]), f(1.5)], torch: "torch.clamp(x1.float(), min=1.5)" },
  { op: "keras.ops.logical_and", pos: [t([2, 3], { gen: "halves" }), t([2, 3], { gen: "halves" })] },

  // Layouts: NCHW operands stay NCHW; a lower-rank operand forces Keras order; flat tensors stay flat.
  { op: "operator.add", pos: [X4, X4], layouts: { x: NCHW, y: NCHW }, torch: "x + y" },
  { op: "operator.add", pos: [X4, f(1)], layouts: { x: NCHW }, torch: "x + 1.0" },
  { op: "operator.add", pos: [X4, t([3])], layouts: { x: NCHW } },
  { op: "operator.mul", pos: [X4, X4], layouts: { x: NCHW } },
  { op: "operator.mul", pos: [t([2, 12]), t([2, 12])], layouts: { x: FLAT, y: FLAT } },
  { op: "keras.ops.exp", pos: [X4], layouts: { x: NCHW }, torch: "torch.exp(x)" },

  // clip
  { op: "keras.ops.clip", pos: [X, f(-0.5), f(0.5)], torch: "torch.clamp(x, -0.5, 0.5)" },
  { op: "tensorflow.clip_by_value", pos: [X, f(-0.5), f(0.5)] },
  { op: "tensorflow.clip_by_value", pos: [X4, f(-0.5), f(0.5)], layouts: { t: NCHW } },
  { op: "keras.backend.clip", pos: [X, f(0.5), f(0.2)], torch: "torch.clamp(x, 0.5, 0.5)" },
  { op: "keras.backend.clip", pos: [X, null, f(0.3)], torch: "torch.clamp(x, max=0.3)" },
  { op: "keras.ops.clip", pos: [X, t([4]), f(1)], torch: "torch.clamp(torch.clamp(x, max=1.0), min=x_min)" },
  { op: "tensorflow.clip_by_value", pos: [X, f(0.5), f(-0.5)], torch: "torch.clamp(t, 0.5, 0.5)" },
  { op: "tensorflow.clip_by_value", pos: [X, t([2, 3, 4]), t([2, 3, 4])] },
  { op: "keras.ops.clip", pos: [ints([2, 3], [0, 10]), 2, 5], torch: "torch.clamp(x, 2, 5)" },

  // where
  { op: "keras.ops.where", pos: [bools([2, 3, 4]), X, t([3, 4])] },
  { op: "keras.ops.where", pos: [X, f(1), f(0)], torch: "torch.where(condition.bool(), 1.0, 0.0)" },
  { op: "tensorflow.where", pos: [bools([2, 3, 4]), X, f(0)] },
  { op: "tensorflow.where", pos: [bools([2, 4, 4, 3]), X4, X4], layouts: { condition: NCHW, x: NCHW, y: NCHW } },

  // cast
  { op: "keras.ops.cast", pos: [t([2, 3], { gen: "halves" }), "int32"], torch: "x.int()" },
  { op: "keras.ops.cast", pos: [X, "float16"], tol: 1e-3, torch: "x.half()" },
  { op: "keras.ops.cast", pos: [ints([2, 3], [0, 300]), "uint8"] },
  { op: "keras.ops.cast", pos: [X, "float64"], torch: "x.double()" },
  { op: "tensorflow.cast", pos: [t([2, 3], { gen: "halves" }), "bool"] },
  { op: "tensorflow.cast", pos: [X, "tensorflow.float16"], tol: 1e-3 },
  { op: "keras.backend.cast", pos: [bools([2, 3]), "float32"] },
  { op: "tensorflow.cast", pos: [X4, "int32"], layouts: { x: NCHW } },
];

const reductionNames = ["sum", "mean", "max", "min", "prod", "std", "var", "logsumexp"];
const reductionCases: OpCase[] = [
  ...reductionNames.flatMap((n) => each(n, (op) => ({ op, pos: [X], kw: { axis: 1 } }))),
  ...reductionNames.flatMap((n): OpCase[] => [
    { op: `keras.ops.${n}`, pos: [X] },
    { op: `keras.ops.${n}`, pos: [X], kw: { axis: [0, 2], keepdims: true } },
    { op: `keras.ops.${n}`, pos: [X], kw: { axis: -1 } },
    { op: `keras.ops.${n}`, pos: [X], kw: { keepdims: true } },
    // NCHW: channels (Keras -1) is torch dim 1; the output keeps (N, H, W) in order.
    { op: `keras.ops.${n}`, pos: [X4], kw: { axis: -1 }, layouts: { x: NCHW } },
    { op: `keras.ops.${n}`, pos: [X4], kw: { axis: [1, 2], keepdims: true }, layouts: { x: NCHW } },
    { op: `keras.ops.${n}`, pos: [X4], kw: { axis: [1, 2] }, layouts: { x: NCHW } },
    { op: `keras.ops.${n}`, pos: [t([2, 12])], kw: { axis: -1 }, layouts: { x: FLAT } },
  ]),
  { op: "keras.ops.sum", pos: [X4], kw: { axis: -1 }, layouts: { x: NCHW }, torch: "x.sum(dim=1)" },
  { op: "keras.ops.mean", pos: [X4], kw: { axis: [1, 2], keepdims: true }, layouts: { x: NCHW }, torch: "x.mean(dim=(2, 3), keepdim=True)" },
  { op: "keras.ops.std", pos: [X], torch: "x.std(correction=0)" },
  { op: "keras.ops.mean", pos: [ints([2, 3])], kw: { axis: 1 } },
  { op: "keras.backend.mean", pos: [bools([2, 3])], kw: { axis: 1 } },
  { op: "keras.ops.prod", pos: [X], kw: { axis: [1, 2] }, torch: "x.prod(dim=2).prod(dim=1)" },
  { op: "keras.ops.sum", pos: [X, null, true], torch: "x.sum(dim=(0, 1, 2), keepdim=True)" },
  { op: "tensorflow.reduce_max", pos: [X4, [1, 2]], layouts: { input_tensor: NCHW } },
  // L2 normalization: TensorFlow's epsilon floors the squared norm, Keras 3's the norm.
  ...["tensorflow.nn.l2_normalize", "tensorflow.math.l2_normalize", "tensorflow.linalg.l2_normalize", "keras.backend.l2_normalize"].flatMap((op): OpCase[] => [
    { op, pos: [X], kw: { axis: -1 } },
    { op, pos: [X] },
    { op, pos: [X4], kw: { axis: -1 }, layouts: { x: NCHW } },
  ]),
  { op: "tensorflow.nn.l2_normalize", pos: [X], kw: { axis: [0, 2], epsilon: 1e-4 } },
  { op: "keras.ops.normalize", pos: [X] },
  { op: "keras.ops.normalize", pos: [X], kw: { axis: 1, epsilon: 1e-3 } },
  { op: "keras.ops.normalize", pos: [X4], kw: { axis: [1, 2] }, layouts: { x: NCHW }, torch: "F.normalize(x, dim=(2, 3), eps=1e-07)" },
  { op: "keras.ops.normalize", pos: [t([2, 12])], kw: { axis: -1 }, layouts: { x: FLAT } },
  ...each("any", (op): OpCase[] => [
    { op, pos: [bools([2, 3, 4])], kw: { axis: 1 } },
    { op, pos: [bools([2, 3, 4])] },
  ]),
  ...each("all", (op): OpCase[] => [
    { op, pos: [bools([2, 3, 4])], kw: { axis: 1 } },
    { op, pos: [bools([2, 3, 4])], kw: { axis: [0, 2], keepdims: true } },
  ]),
  { op: "keras.ops.any", pos: [t([2, 3], { gen: "halves" })], kw: { axis: 1 } },
  { op: "keras.backend.all", pos: [t([2, 3], { gen: "halves" })], kw: { axis: 0 } },
  { op: "keras.ops.all", pos: [bools([2, 4, 4, 3])], kw: { axis: -1 }, layouts: { x: NCHW } },
  ...each("argmax", (op) => ({ op, pos: [X], kw: { axis: 1 } })),
  ...each("argmin", (op) => ({ op, pos: [X], kw: { axis: 1 } })),
  { op: "keras.ops.amax", pos: [X4], kw: { axis: [1, 2] }, layouts: { x: NCHW }, torch: "x.amax(dim=(2, 3))" },
  { op: "keras.ops.amin", pos: [X], kw: { keepdims: true } },
  { op: "keras.ops.argmax", pos: [X], torch: "x.argmax()" },
  { op: "keras.ops.argmax", pos: [X], kw: { keepdims: true } },
  { op: "keras.ops.argmin", pos: [X], kw: { axis: -1, keepdims: true } },
  { op: "tensorflow.argmax", pos: [X], torch: "input.argmax(dim=0)" },
  { op: "tensorflow.math.argmin", pos: [X] },
  { op: "keras.backend.argmax", pos: [X], torch: "x.argmax(dim=-1)" },
  { op: "keras.ops.argmax", pos: [X4], kw: { axis: -1 }, layouts: { x: NCHW }, torch: "x.argmax(dim=1)" },
  // The flattened index is Keras': an NCHW input is permuted back first.
  { op: "keras.ops.argmax", pos: [X4], layouts: { x: NCHW } },
  { op: "keras.ops.argmax", pos: [t([2, 12])], kw: { axis: -1 }, layouts: { x: FLAT } },
];

const shapeCases: OpCase[] = [
  ...each("reshape", (op) => ({ op, pos: [X, [2, 12]] })),
  { op: "tensorflow.reshape", pos: [X, [-1, 4]], torch: "tensor.reshape(-1, 4)" },
  { op: "keras.ops.reshape", pos: [X4, [2, -1]], layouts: { x: NCHW } },
  { op: "keras.ops.reshape", pos: [t([null, 3, 4]), [-1, 12]] },
  // A run-time size (tf.shape(x)[0]) arrives as null and is written -1.
  { op: "tensorflow.reshape", pos: [t([null, 3, 4]), [null, 12]], ref: "tf.reshape(tensor, (tf.shape(tensor)[0], 12))", torch: "tensor.reshape(-1, 12)" },
  ...each("transpose", (op) => ({ op, pos: op === "keras.backend.permute_dimensions" ? [X, [0, 2, 1]] : [X] })),
  { op: "keras.ops.transpose", pos: [X, [0, 2, 1]], torch: "x.permute(0, 2, 1)" },
  { op: "tensorflow.transpose", pos: [X, [1, 0, 2]] },
  { op: "keras.backend.permute_dimensions", pos: [X, [2, 0, 1]] },
  // Keras code that moves channels first, on a tensor that already is: nothing to do.
  { op: "tensorflow.transpose", pos: [X4, [0, 3, 1, 2]], layouts: { a: NCHW }, torch: "a" },
  { op: "keras.ops.transpose", pos: [X4, [0, 2, 1, 3]], layouts: { x: NCHW }, torch: "x.permute(0, 3, 2, 1)" },
  ...each("expand_dims", (op) => ({ op, pos: op === "keras.backend.expand_dims" ? [X] : [X, 1] })),
  { op: "keras.ops.expand_dims", pos: [X, [0, -1]], torch: "x.unsqueeze(0).unsqueeze(-1)" },
  { op: "keras.ops.expand_dims", pos: [X4, -1], layouts: { x: NCHW }, torch: "x.unsqueeze(-1)" },
  { op: "tensorflow.expand_dims", pos: [X4, 1], layouts: { input: NCHW } },
  { op: "keras.backend.expand_dims", pos: [X4, 0], layouts: { x: NCHW } },
  ...each("broadcast_to", (op) => ({ op, pos: [t([1, 1, 4]), [2, 3, 4]] })),
  { op: "keras.ops.broadcast_to", pos: [t([3, 1]), [2, 3, 5]], torch: "x.expand((2, 3, 5))" },
  // Keras order in, whatever layout the tensor arrives in.
  { op: "tensorflow.broadcast_to", pos: [t([2, 4, 4, 1]), [2, 4, 4, 3]], layouts: { input: NCHW } },
  ...each("squeeze", (op) => ({ op, pos: [t([2, 1, 3, 1]), 1] })),
  { op: "keras.ops.squeeze", pos: [t([2, 1, 3, 1])], torch: "x.squeeze((1, 3))" },
  { op: "tensorflow.squeeze", pos: [t([2, 1, 3, 1]), [3]] },
  { op: "tensorflow.squeeze", pos: [t([1, 1, 1, 3])], layouts: { input: NCHW } },
  { op: "keras.ops.squeeze", pos: [t([2, 1, 1, 3]), [1, 2]], layouts: { x: NCHW }, torch: "x.squeeze((2, 3))" },
  { op: "keras.ops.concatenate", pos: [ts(t([2, 3]), t([4, 3]))] },
  { op: "tensorflow.concat", pos: [ts(t([2, 3]), t([2, 5])), 1] },
  { op: "keras.backend.concatenate", pos: [ts(t([2, 3]), t([2, 2]), t([2, 1]))] },
  { op: "tensorflow.concat", pos: [ts(X4, t([2, 4, 4, 2])), -1], layouts: { values: [NCHW, NCHW] }, torch: "torch.cat([values[0], values[1]], dim=1)" },
  { op: "keras.ops.concatenate", pos: [ts(X4, X4), 2], layouts: { xs: [[0, 1, 2, 3], NCHW] } },
  { op: "keras.ops.stack", pos: [ts(t([2, 3]), t([2, 3]))] },
  { op: "tensorflow.stack", pos: [ts(t([2, 3]), t([2, 3]), t([2, 3])), -1] },
  { op: "keras.backend.stack", pos: [ts(X, X), 1] },
  { op: "keras.ops.stack", pos: [ts(X4, X4), -1], layouts: { x: [NCHW, NCHW] } },
  { op: "keras.ops.stack", pos: [ts(X4, X4), 1], layouts: { x: [NCHW, NCHW] } },
  { op: "tensorflow.split", pos: [t([2, 6]), 3, 1], torch: "torch.tensor_split(value, 3, dim=-1)" },
  { op: "tensorflow.split", pos: [t([2, 6]), [1, -1, 2], 1], torch: "torch.split(value, [1, 3, 2], dim=-1)" },
  { op: "tensorflow.split", pos: [t([4, 3]), 2] },
  { op: "keras.ops.split", pos: [t([2, 6]), [1, 3]], kw: { axis: -1 }, torch: "torch.tensor_split(x, [1, 3], dim=-1)" },
  { op: "keras.ops.split", pos: [t([4, 3]), 2] },
  { op: "keras.ops.split", pos: [t([2, 6]), [2, 2]], kw: { axis: 1 } },
  { op: "tensorflow.split", pos: [t([2, 4, 4, 6]), 3, -1], layouts: { value: NCHW }, torch: "torch.tensor_split(value, 3, dim=1)" },
  { op: "tensor.shape", pos: [X], ref: "tuple(x.shape)", torch: "x.shape" },
  { op: "tensorflow.shape", pos: [X] },
  { op: "keras.ops.shape", pos: [X] },
  { op: "keras.backend.shape", pos: [X] },
  { op: "tensorflow.shape", pos: [X], kw: { out_type: "tensorflow.int64" } },
  { op: "tensorflow.shape", pos: [X4], layouts: { input: NCHW }, torch: "(input.shape[0], input.shape[2], input.shape[3], input.shape[1])" },
  { op: "tensor.shape", pos: [t([2, 12])], layouts: { x: FLAT }, ref: "tuple(x.shape)", torch: "x.shape" },
];

const linalgCases: OpCase[] = [
  ...each("matmul", (op) => ({ op, pos: [t([2, 3, 4]), t([2, 4, 5])] })),
  { op: "operator.matmul", pos: [t([2, 3, 4]), t([4, 5])], torch: "x @ y" },
  { op: "keras.ops.matmul", pos: [t([4]), t([2, 4, 5])] },
  { op: "keras.ops.matmul", pos: [t([2, 3, 4]), t([4])] },
  { op: "tensorflow.matmul", pos: [t([2, 3, 4]), t([2, 5, 4])], kw: { transpose_b: true }, torch: "torch.matmul(a, b.mT)" },
  { op: "tensorflow.linalg.matmul", pos: [t([2, 4, 3]), t([2, 4, 5])], kw: { adjoint_a: true } },
  { op: "keras.ops.matmul", pos: [X4, t([3, 5])], layouts: { x1: NCHW } },
  { op: "keras.backend.dot", pos: [t([3, 4]), t([4, 5])] },
  { op: "keras.ops.dot", pos: [t([3, 4]), t([4, 5])] },
  { op: "keras.ops.dot", pos: [t([2, 3, 4]), t([4])] },
  { op: "keras.ops.dot", pos: [t([4]), t([2, 4, 5])] },
  { op: "keras.ops.dot", pos: [t([2, 3]), t([5, 3, 4])] },
  { op: "keras.ops.dot", pos: [t([2, 3]), t([])], torch: "x1 * x2" },
  { op: "keras.backend.dot", pos: [t([2, 3, 4]), t([4, 5])], torch: "torch.matmul(x, y)" },
  { op: "keras.backend.dot", pos: [t([2, 3]), t([4, 3, 5])], torch: "torch.tensordot(x, y, dims=([1], [1]))" },
  { op: "keras.backend.dot", pos: [t([2, 3, 4]), t([6, 4, 5])] },
  { op: "keras.ops.tensordot", pos: [t([2, 3, 4]), t([3, 4, 5])], torch: "torch.tensordot(x1, x2, dims=([1, 2], [0, 1]))" },
  // keras-io's collaborative filtering: axes=2 on two (batch, d) matrices contracts the batch too.
  { op: "tensorflow.tensordot", pos: [t([2, 3]), t([2, 3])], kw: { axes: 2 } },
  { op: "tensorflow.tensordot", pos: [t([2, 3, 4]), t([4, 3, 5])], kw: { axes: [[1, 2], [1, 0]] }, torch: "torch.tensordot(a, b, dims=([1, 2], [1, 0]))" },
  { op: "tensorflow.linalg.tensordot", pos: [t([2, 3]), t([3, 4])], kw: { axes: 1 } },
  { op: "keras.ops.tensordot", pos: [X4, t([3, 5])], kw: { axes: [[-1], [0]] }, layouts: { x1: NCHW } },
  ...each("einsum", (op) => ({ op, pos: ["ij,jk->ik", t([3, 4]), t([4, 5])] })),
  { op: "keras.ops.einsum", pos: ["bhwc,cd->bhwd", X4, t([3, 5])], layouts: { operands: [NCHW, [0, 1]] }, torch: 'torch.einsum("bchw,cd->bhwd", operands[0], operands[1])' },
  { op: "tensorflow.einsum", pos: ["ij,jk", t([3, 4]), t([4, 5])] },
  { op: "tensorflow.einsum", pos: ["...ij,...jk->...ik", t([2, 3, 4]), t([2, 4, 5])] },
  { op: "keras.ops.einsum", pos: ["bij->bji", X] },
  { op: "keras.ops.einsum", pos: ["bhwc->bc", X4], layouts: { operands: [NCHW] }, torch: 'torch.einsum("bchw->bc", operands[0])' },
  { op: "keras.ops.einsum", pos: ["...c,cd->...d", X4, t([3, 5])], layouts: { operands: [NCHW, [0, 1]] } },
];

const indexingCases: OpCase[] = [
  { op: "operator.getitem", pos: [X, [ALL, sl(1, 3)]], torch: "x[:, 1:3]" },
  { op: "operator.getitem", pos: [X, ["...", 0]], torch: "x[:, :, 0]" },
  { op: "operator.getitem", pos: [X, null], torch: "x[None]" },
  { op: "operator.getitem", pos: [X, [ALL, null]], torch: "x[:, None]" },
  { op: "operator.getitem", pos: [X, sl(null, null, -1)], torch: "torch.flip(x, (0,))" },
  { op: "operator.getitem", pos: [X, [sl(1), sl(null, null, 2)]], torch: "x[1:, ::2]" },
  { op: "operator.getitem", pos: [X, [ALL, sl(2, 0, -1)]] },
  { op: "operator.getitem", pos: [t([2, 7]), [ALL, sl(-1, 1, -2)]] },
  { op: "operator.getitem", pos: [t([2, 7]), [ALL, sl(5, null, -3)]] },
  { op: "operator.getitem", pos: [X, 0], torch: "x[0]" },
  { op: "operator.getitem", pos: [X, -1] },
  { op: "operator.getitem", pos: [X, [null, "...", 1]], torch: "x[None, :, :, 1]" },
  { op: "operator.getitem", pos: [X, [ALL, -2, sl(-3, -1)]] },
  { op: "operator.getitem", pos: [t([null, 3, 4]), [sl(null, 1), 0]] },
  { op: "operator.getitem", pos: [X4, [ALL, sl(1, 3), ALL, 0]], layouts: { x: NCHW }, torch: "x[:, 0, 1:3]" },
  { op: "operator.getitem", pos: [X4, ["...", 0]], layouts: { x: NCHW }, torch: "x[:, 0]" },
  { op: "operator.getitem", pos: [X4, ["...", sl(0, 2)]], layouts: { x: NCHW }, torch: "x[:, 0:2]" },
  { op: "operator.getitem", pos: [X4, [ALL, sl(null, null, -1)]], layouts: { x: NCHW }, torch: "torch.flip(x, (2,))" },
  { op: "operator.getitem", pos: [X4, [ALL, null]], layouts: { x: NCHW } },
  { op: "tensorflow.gather", pos: [t([3, 4]), ints([2], [0, 3])] },
  { op: "tensorflow.gather", pos: [X, ints([2, 2], [0, 4])], kw: { axis: 2 } },
  { op: "tensorflow.gather", pos: [X, [0, 2]], kw: { axis: 1 }, torch: "params[:, [0, 2]]" },
  { op: "tensorflow.gather", pos: [X, 1], kw: { axis: 1 }, torch: "params[:, 1]" },
  { op: "tensorflow.gather", pos: [X4, [0, 2]], kw: { axis: -1 }, layouts: { params: NCHW }, torch: "params[:, [0, 2]]" },
  { op: "tensorflow.gather", pos: [X4, ints([2, 3], [0, 4])], kw: { axis: 1 }, layouts: { params: NCHW } },
  { op: "keras.ops.take", pos: [X, ints([2, 2], [0, 24])], torch: "x.flatten()[indices]" },
  { op: "keras.ops.take", pos: [X, ints([3], [-3, 3])], kw: { axis: 1 } },
  { op: "keras.ops.take", pos: [X4, ints([5], [0, 96])], layouts: { x: NCHW } },
  { op: "keras.backend.gather", pos: [t([4, 3]), ints([2], [0, 4])] },
  { op: "keras.ops.top_k", pos: [X, 2], torch: "torch.topk(x, 2)" },
  { op: "tensorflow.math.top_k", pos: [X], kw: { k: 3 } },
  { op: "tensorflow.nn.top_k", pos: [X] },
  { op: "keras.ops.top_k", pos: [X4, 2], layouts: { x: NCHW }, torch: "torch.topk(x, 2, dim=1)" },
  { op: "keras.ops.one_hot", pos: [ints([2, 3]), 4], torch: "F.one_hot(x.long(), 4).float()" },
  { op: "keras.ops.one_hot", pos: [ints([2, 3]), 4], kw: { axis: 1, dtype: "int32" } },
  { op: "tensorflow.one_hot", pos: [ints([2, 3]), 4], kw: { axis: 0 } },
  { op: "tensorflow.one_hot", pos: [ints([2, 3], [0, 4], "int64"), 4], kw: { on_value: f(5), off_value: f(-1) } },
  { op: "keras.backend.one_hot", pos: [ints([2, 3]), 5] },
];

const creationCases: OpCase[] = [
  { op: "tensorflow.range", pos: [5], torch: "torch.arange(5)" },
  { op: "tensorflow.range", pos: [1, 10, 2], torch: "torch.arange(1, 10, 2)" },
  { op: "tensorflow.range", pos: [f(0), f(1), f(0.25)], torch: "torch.arange(0.0, 1.0, 0.25)" },
  { op: "tensorflow.range", pos: [10, 2, -3] },
  { op: "tensorflow.range", pos: [ints([], [3, 6])] },
  { op: "tensorflow.range", pos: [3], kw: { dtype: "float32" }, torch: "torch.arange(3, dtype=torch.float32)" },
  { op: "keras.ops.arange", pos: [5] },
  { op: "keras.ops.arange", pos: [0, 5, f(0.5)] },
  { op: "keras.ops.arange", pos: [2, 7] },
  { op: "keras.backend.arange", pos: [4], torch: "torch.arange(4)" },
  { op: "keras.backend.arange", pos: [-3] },
  { op: "keras.backend.arange", pos: [0, 10, f(1.5)] },
  { op: "keras.backend.arange", pos: [5], kw: { dtype: "float32" } },
  ...each("zeros", (op) => [{ op, pos: [[2, 3]] }, { op, pos: [[4]], kw: { dtype: "int32" } }]),
  ...each("ones", (op) => [{ op, pos: [[2, 3]] }, { op, pos: [[3, 1]], kw: { dtype: "float32" } }]),
  ...each("zeros_like", (op) => [{ op, pos: [X] }, { op, pos: [X4], layouts: { [op === "tensorflow.zeros_like" ? "input" : "x"]: NCHW } }]),
  ...each("ones_like", (op) => ({ op, pos: [X] })),
  ...each("identity", (op) => [{ op, pos: [X] }, { op, pos: [X4], layouts: { [op === "tensorflow.identity" ? "input" : "x"]: NCHW } }]),
];

const activationCases: OpCase[] = [
  ...ACTIVATION_OPS.flatMap((r) => r.qualifiedNames.map((op) => (r.name === "threshold" ? { op, pos: [X, f(0.1), f(-0.5)] } : { op, pos: [X] }))),
  { op: "keras.ops.celu", pos: [X], kw: { alpha: f(0.5) } },
  { op: "keras.activations.hard_shrink", pos: [X], kw: { threshold: f(0.2) } },
  { op: "keras.ops.squareplus", pos: [X], kw: { b: f(2) } },
  { op: "keras.ops.glu", pos: [t([2, 4, 4, 6])], layouts: { x: NCHW }, torch: "F.glu(x, dim=1)" },
  { op: "keras.activations.glu", pos: [X4], kw: { axis: 1 }, layouts: { x: NCHW } },
  { op: "keras.ops.sparsemax", pos: [X4], layouts: { x: NCHW }, torch: "sparsemax(x, dim=1)" },
  { op: "keras.ops.sparsemax", pos: [X], kw: { axis: 1 } },
  { op: "keras.activations.relu", pos: [X], kw: { negative_slope: f(0.1), max_value: f(1), threshold: f(0.2) } },
  { op: "keras.activations.relu", pos: [X], kw: { max_value: f(6) }, torch: "F.relu6(x)" },
  { op: "keras.backend.relu", pos: [X], kw: { alpha: f(0.1) }, torch: "F.leaky_relu(x, negative_slope=0.1)" },
  { op: "tensorflow.nn.leaky_relu", pos: [X], torch: "F.leaky_relu(features, negative_slope=0.2)" },
  { op: "tensorflow.nn.leaky_relu", pos: [X], kw: { alpha: f(0.1) } },
  { op: "keras.ops.leaky_relu", pos: [X], kw: { negative_slope: f(0.3) } },
  { op: "keras.ops.gelu", pos: [X], torch: 'F.gelu(x, approximate="tanh")' },
  { op: "keras.activations.gelu", pos: [X], torch: "F.gelu(x)" },
  { op: "tensorflow.nn.gelu", pos: [X], kw: { approximate: true } },
  { op: "keras.ops.gelu", pos: [X], kw: { approximate: false } },
  { op: "keras.activations.softmax", pos: [X4], layouts: { x: NCHW }, torch: "F.softmax(x, dim=1)" },
  { op: "tensorflow.nn.softmax", pos: [X4], kw: { axis: 1 }, layouts: { logits: NCHW } },
  { op: "keras.ops.softmax", pos: [X], kw: { axis: 0 } },
  { op: "keras.ops.log_softmax", pos: [X4], kw: { axis: -1 }, layouts: { x: NCHW } },
  { op: "keras.activations.softmax", pos: [t([2, 12])], layouts: { x: FLAT }, torch: "F.softmax(x, dim=-1)" },
  { op: "keras.backend.softmax", pos: [t([2, 12])], kw: { axis: 0 }, layouts: { x: FLAT } },
  { op: "tensorflow.nn.silu", pos: [X], kw: { beta: f(2) }, torch: "features * torch.sigmoid(2.0 * features)" },
  { op: "keras.backend.elu", pos: [X], kw: { alpha: f(0.5) } },
  { op: "keras.activations.elu", pos: [X4], kw: { alpha: f(2) }, layouts: { x: NCHW } },
  { op: "keras.activations.hard_sigmoid", pos: [t([2, 3, 4], { gen: "halves" })] },
];

// Unknown (None) sizes at compile time; the reference runs them with size 2.
const B = t([null, 3, 4]);
const B4 = t([null, 4, 4, 3]);
const unknownSizeCases: OpCase[] = [
  { op: "operator.add", pos: [B4, t([3])] },
  { op: "keras.ops.mean", pos: [B4], kw: { axis: [1, 2] }, layouts: { x: NCHW } },
  { op: "tensorflow.reduce_sum", pos: [B] },
  { op: "keras.ops.concatenate", pos: [ts(B, t([null, 3, 2])), -1] },
  { op: "tensorflow.stack", pos: [ts(B, B), 1] },
  { op: "tensorflow.split", pos: [B, 2, -1] },
  { op: "keras.ops.expand_dims", pos: [B4, 1], layouts: { x: NCHW } },
  { op: "keras.ops.squeeze", pos: [t([null, 1, 3])] },
  { op: "operator.getitem", pos: [B4, ["...", sl(1)]], layouts: { x: NCHW } },
  { op: "tensorflow.gather", pos: [B, [2, 0]], kw: { axis: -1 } },
  { op: "keras.ops.matmul", pos: [B, t([4, 5])] },
  { op: "keras.ops.einsum", pos: ["bij,jk->bik", B, t([4, 5])] },
  { op: "keras.ops.top_k", pos: [B, 2] },
  { op: "keras.ops.one_hot", pos: [ints([null, 3]), 4] },
  { op: "keras.activations.softmax", pos: [B4], layouts: { x: NCHW } },
  { op: "keras.ops.argmax", pos: [B4], kw: { axis: 2 }, layouts: { x: NCHW } },
  { op: "keras.ops.image.extract_patches", pos: [B4, 2], layouts: { images: NCHW } },
  { op: "tensorflow.shape", pos: [B4], layouts: { input: NCHW } },
];

const imageCases: OpCase[] = [
  { op: "tensorflow.image.resize", pos: [t([2, 5, 7, 3]), [9, 4]] },
  { op: "tensorflow.image.resize", pos: [t([2, 6, 6, 2]), [3, 10]], kw: { method: "bilinear" }, layouts: { images: NCHW } },
  { op: "tensorflow.image.resize", pos: [t([2, 5, 7, 3]), [8, 3]], kw: { method: "nearest" } },
  { op: "tensorflow.image.resize", pos: [t([2, 4, 4, 3]), [12, 12]], kw: { method: "nearest" }, layouts: { images: NCHW } },
  { op: "keras.ops.image.resize", pos: [t([2, 5, 7, 3]), [9, 4]] },
  { op: "keras.ops.image.resize", pos: [t([2, 6, 6, 2]), [3, 10]], kw: { interpolation: "bilinear" }, layouts: { images: NCHW } },
  { op: "keras.ops.image.resize", pos: [t([2, 5, 7, 3]), [8, 3]], kw: { interpolation: "nearest", data_format: "channels_last" } },
  { op: "tensorflow.nn.depth_to_space", pos: [t([2, 3, 4, 8]), 2] },
  { op: "tensorflow.nn.depth_to_space", pos: [t([2, 2, 3, 18]), 3] },
  { op: "tensorflow.nn.depth_to_space", pos: [t([2, 3, 2, 12]), 2], layouts: { input: NCHW } },
  { op: "keras.ops.image.extract_patches", pos: [t([2, 6, 6, 3]), 2] },
  { op: "keras.ops.image.extract_patches", pos: [t([2, 5, 5, 3]), 3], kw: { strides: 1, padding: "same" } },
  { op: "keras.ops.image.extract_patches", pos: [t([2, 5, 5, 2]), 2], kw: { strides: 2, padding: "same" } },
  { op: "keras.ops.image.extract_patches", pos: [t([2, 7, 6, 2]), [3, 2]], kw: { strides: [2, 1] } },
  { op: "keras.ops.image.extract_patches", pos: [t([2, 7, 7, 2]), 3], kw: { strides: 1, dilation_rate: 2 } },
  { op: "keras.ops.image.extract_patches", pos: [t([2, 3, 6, 6]), 2], kw: { data_format: "channels_first" } },
  {
    op: "keras.ops.image.extract_patches",
    pos: [t([2, 6, 6, 3]), 2],
    layouts: { images: NCHW },
    torch: "F.unfold(images, kernel_size=2, stride=2).unflatten(1, (3, 4)).transpose(1, 2).reshape(-1, 12, 3, 3)",
  },
  { op: "tensorflow.image.extract_patches", pos: [t([2, 6, 6, 3]), [1, 3, 3, 1], [1, 2, 2, 1], [1, 1, 1, 1], "VALID"] },
  { op: "tensorflow.image.extract_patches", pos: [t([2, 6, 6, 3]), [1, 3, 3, 1], [1, 2, 2, 1], [1, 1, 1, 1], "SAME"] },
  { op: "tensorflow.image.extract_patches", pos: [t([2, 7, 7, 2]), [1, 2, 2, 1], [1, 1, 1, 1], [1, 2, 2, 1], "VALID"] },
];

// Random draws cannot be compared value by value: 20000 draws each, mean and standard deviation within 0.05.
const BIG = [200, 100];
const randomCases: OpCase[] = [
  ...each("random_normal", (op) => ({ op, pos: [BIG], kw: { mean: f(1.5), stddev: f(2) }, moments: true, tol: 0.05 })),
  ...each("random_normal", (op) => ({ op, pos: [BIG], moments: true, tol: 0.05 })),
  ...each("random_uniform", (op) => ({ op, pos: [BIG], kw: { minval: f(-1), maxval: f(3) }, moments: true, tol: 0.05 })),
];

// Keras' applications' preprocessing, against the function of Keras' own source that it stands for.
const PREPROCESS = "keras.applications.imagenet_utils._preprocess_tensor_input";
const preprocessRef = "__import__('keras.src.applications.imagenet_utils', fromlist=['_'])._preprocess_tensor_input(tf.identity(x), data_format=data_format, mode=mode)";
const applicationCases: OpCase[] = ["caffe", "torch", "tf"].flatMap((mode): OpCase[] => [
  { op: PREPROCESS, pos: [X4], kw: { data_format: "channels_last", mode }, ref: preprocessRef, tol: 1e-4 },
  { op: PREPROCESS, pos: [X4], kw: { data_format: "channels_last", mode }, layouts: { x: NCHW }, ref: preprocessRef, tol: 1e-4 },
  { op: PREPROCESS, pos: [t([2, 3, 4, 4])], kw: { data_format: "channels_first", mode }, ref: preprocessRef, tol: 1e-4 },
]);

const CASES: OpCase[] = [...applicationCases, ...randomCases, ...elementwiseCases, ...reductionCases, ...shapeCases, ...linalgCases, ...indexingCases, ...creationCases, ...activationCases, ...imageCases, ...unknownSizeCases];

// ---------------------------------------------------------------------------------------------
// Running a case through the rule

interface Prepared {
  id: string;
  payload?: Payload;
  /** The rendered PyTorch expression. */
  torch?: string;
  error?: string;
}

interface Payload {
  id: string;
  ref: string;
  torch: string;
  tensors: { param: string; shape: Shape; dtype: string; gen?: Gen; range?: [number, number]; layout: unknown; list: number | null }[];
  values: Record<string, ConfigValue>;
  floats: string[];
  outputs: { shape: Shape; dtype: string; layout: unknown }[];
  tol: number;
  moments?: boolean;
}

const layoutOf = (spec: LayoutSpec | undefined, rank: number): Layout =>
  spec === undefined ? identity(rank) : Array.isArray(spec) ? { kind: "perm", perm: spec } : { kind: "flat", ...spec.flat };
const layoutJson = (l: Layout) => (l.kind === "perm" ? { perm: l.perm } : { flat: { inner: l.inner, innerPerm: l.innerPerm } });

/** The Python spelling of a qualified name in ops_reference.py's scope. */
function pyFunction(op: string): string {
  if (op.startsWith("tensorflow.")) return `tf.${op.slice("tensorflow.".length)}`;
  if (op.startsWith("keras.backend.")) return `K2.${op.slice("keras.backend.".length)}`;
  return op;
}

/** Binds a case's arguments as the frontend would: positional, then keywords, then signature defaults. */
function bind(c: OpCase, r: OpRule) {
  const params = r.signature(c.op).params;
  const given = new Map<string, CaseArg>();
  const pos = [...(c.pos ?? [])];
  for (const p of params) {
    if (p.variadic) {
      given.set(p.name, ts(...(pos.splice(0) as TensorSpec[])));
      break;
    }
    if (pos.length) given.set(p.name, pos.shift()!);
  }
  if (pos.length) throw new Error(`too many positional arguments for ${c.op}`);
  for (const [k, v] of Object.entries(c.kw ?? {})) {
    if (!params.some((p) => p.name === k)) throw new Error(`${c.op} has no parameter ${k}`);
    if (given.has(k)) throw new Error(`${k} given twice`);
    given.set(k, v);
  }
  const args: Record<string, OpArgValue> = {};
  for (const p of params) {
    const v = given.get(p.name);
    if (v === undefined) {
      if (p.required) throw new Error(`${c.op}: ${p.name} is required`);
      args[p.name] = { kind: "value", value: p.default };
    } else if (isTensor(v)) {
      if (p.accepts !== "tensor") throw new Error(`${c.op}: ${p.name} does not take a tensor`);
      args[p.name] = { kind: "tensor", shape: v.shape, dtype: v.dtype };
    } else if (isList(v)) {
      if (p.accepts !== "tensors") throw new Error(`${c.op}: ${p.name} does not take a list of tensors`);
      args[p.name] = { kind: "tensors", shapes: v.__tensors.map((x) => x.shape), dtypes: v.__tensors.map((x) => x.dtype) };
    } else if (isFloat(v)) {
      args[p.name] = { kind: "value", value: v.__float, float: true };
    } else {
      if (p.accepts === "tensors") throw new Error(`${c.op}: ${p.name} takes a list of tensors`);
      args[p.name] = { kind: "value", value: v };
    }
  }
  return { params, given, args };
}

/** The real function called with the same arguments: positional up to a `*args`, keywords after. */
function defaultRef(c: OpCase, params: OpRule["signature"] extends (q: string) => { params: infer P } ? P : never, given: Map<string, CaseArg>): string {
  const variadic = params.findIndex((p) => p.variadic);
  const positional = c.op.startsWith("operator.");
  const parts = params.flatMap((p, i) => {
    if (!given.has(p.name)) return [];
    if (p.variadic) return [`*${p.name}`];
    return positional || i < variadic ? [p.name] : [`${p.name}=${p.name}`];
  });
  return `${pyFunction(c.op)}(${parts.join(", ")})`;
}

const caseId = (c: OpCase, i: number) => `${String(i).padStart(3, "0")} ${c.op}(${[...(c.pos ?? []).map(show), ...Object.entries(c.kw ?? {}).map(([k, v]) => `${k}=${show(v)}`)].join(", ")})${c.layouts ? ` layouts=${JSON.stringify(c.layouts)}` : ""}`;

function show(v: CaseArg): string {
  if (isTensor(v)) return `${v.dtype === "float32" ? "" : v.dtype}[${v.shape.map((d) => d ?? "?").join(",")}]`;
  if (isList(v)) return `[${v.__tensors.map(show).join(", ")}]`;
  if (isFloat(v)) return Number.isInteger(v.__float) ? `${v.__float}.0` : String(v.__float);
  return JSON.stringify(v);
}

function prepare(c: OpCase, index: number): Prepared {
  const id = caseId(c, index);
  try {
    const r = opRuleFor(c.op);
    if (!r) throw new Error(`no rule for ${c.op}`);
    const { params, given, args } = bind(c, r);
    const shape = r.inferShape({ qualifiedName: c.op, args });
    if (!shape.ok) throw new Error(`inferShape: ${shape.message}`);
    // The layouts the tensors arrive in, then the ones the plan asks for (the harness converts).
    const arrived: Record<string, Layout | Layout[]> = {};
    for (const p of params) {
      const a = args[p.name]!;
      const spec = c.layouts?.[p.name];
      if (a.kind === "tensor") arrived[p.name] = layoutOf(spec as LayoutSpec | undefined, a.shape.length);
      if (a.kind === "tensors") arrived[p.name] = a.shapes.map((s, i) => layoutOf((spec as LayoutSpec[] | undefined)?.[i], s.length));
    }
    for (const k of Object.keys(c.layouts ?? {})) if (!(k in arrived)) throw new Error(`layout for ${k}, which is not a tensor argument`);
    const plan = r.layout({ qualifiedName: c.op, args, layouts: arrived, outputShapes: shape.shapes });
    const effective: Record<string, Layout | Layout[]> = {};
    for (const [k, l] of Object.entries(arrived)) {
      const wanted = plan.inputs[k];
      if (Array.isArray(l)) effective[k] = l.map((x, i) => (Array.isArray(wanted) ? (wanted[i] ?? x) : x));
      else effective[k] = (wanted as Layout | null | undefined) ?? l;
    }
    if (plan.outputs.length !== shape.shapes.length) throw new Error(`layout gives ${plan.outputs.length} output layouts for ${shape.shapes.length} outputs`);
    plan.outputs.forEach((l, i) => {
      const rank = shape.shapes[i]!.length;
      if (l.kind === "perm" && l.perm.length !== rank) throw new Error(`output ${i}: a rank-${l.perm.length} layout for a rank-${rank} output`);
    });
    const lowered = r.lower({ qualifiedName: c.op, args, layouts: effective, outputShapes: shape.shapes, outputLayouts: plan.outputs });
    if (!lowered.ok) throw new Error(`lower: ${lowered.message}`);
    const expr = mapExpr(lowered.expr, (e): PyExpr | undefined => {
      if (e.k !== "arg") return undefined;
      const named: PyExpr = { k: "name", name: e.name };
      return e.index === undefined ? named : { k: "subscript", obj: named, index: { k: "lit", value: e.index } };
    });
    const torch = renderExpr(expr);
    const tensors: Payload["tensors"] = [];
    const values: Record<string, ConfigValue> = {};
    const floats: string[] = [];
    for (const p of params) {
      const v = given.get(p.name);
      if (v === undefined) continue;
      const eff = effective[p.name];
      if (isTensor(v)) tensors.push({ param: p.name, shape: v.shape, dtype: v.dtype, gen: v.gen, range: v.range, layout: layoutJson(eff as Layout), list: null });
      else if (isList(v)) v.__tensors.forEach((x, i) => tensors.push({ param: p.name, shape: x.shape, dtype: x.dtype, gen: x.gen, range: x.range, layout: layoutJson((eff as Layout[])[i]!), list: i }));
      else if (isFloat(v)) {
        values[p.name] = v.__float;
        floats.push(p.name);
      } else values[p.name] = v;
    }
    const payload: Payload = {
      id,
      ref: c.ref ?? defaultRef(c, params, given),
      torch,
      tensors,
      values,
      floats,
      outputs: shape.shapes.map((s, i) => ({ shape: s, dtype: shape.dtypes[i]!, layout: layoutJson(plan.outputs[i]!) })),
      tol: c.tol ?? 1e-5,
      ...(c.moments ? { moments: true } : {}),
    };
    return { id, payload, torch };
  } catch (e) {
    return { id, error: (e as Error).message };
  }
}

// ---------------------------------------------------------------------------------------------
// The reference run: one Python process for every case.

const prepared = CASES.map(prepare);
const results = new Map<string, { ok: boolean; error?: string }>();
let pythonFailure = "";

beforeAll(() => {
  const python = path.join(VENV, "bin", "python");
  // A missing venv fails the tests, never skips them.
  if (!existsSync(python)) {
    pythonFailure = `${python} is missing; run \`node scripts/ensure-venv.mjs\``;
    return;
  }
  const payloads = prepared.flatMap((p) => (p.payload ? [p.payload] : []));
  // OPS_DUMP=file keeps the cases, to rerun `python test/ops_reference.py < file` by hand.
  if (process.env.OPS_DUMP) writeFileSync(process.env.OPS_DUMP, JSON.stringify(payloads));
  const run = spawnSync(python, [path.join(ROOT, "test", "ops_reference.py")], {
    cwd: ROOT,
    input: JSON.stringify(payloads),
    encoding: "utf8",
    timeout: 5 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, KERAS_BACKEND: "tensorflow", TF_CPP_MIN_LOG_LEVEL: "3" },
  });
  const last = run.stdout.trim().split("\n").pop() ?? "";
  try {
    for (const r of (JSON.parse(last) as { results: { id: string; ok: boolean; error?: string }[] }).results) results.set(r.id, r);
  } catch {
    pythonFailure = `ops_reference.py failed (status ${run.status}):\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`;
  }
}, 6 * 60_000);

describe("op rules against real Keras / TensorFlow", () => {
  it.each(prepared.map((p, i) => [p.id, i] as const))("%s", (_id, i) => {
    const p = prepared[i]!;
    const c = CASES[i]!;
    expect(p.error, p.error).toBeUndefined();
    expect(pythonFailure, pythonFailure).toBe("");
    const result = results.get(p.id);
    expect(result, "no result from ops_reference.py").toBeDefined();
    expect(result!.error ?? "", `torch: ${p.torch}\nref: ${p.payload!.ref}`).toBe("");
    expect(result!.ok).toBe(true);
    if (c.torch !== undefined) expect(p.torch).toBe(c.torch);
  });

  it("has a case for every rule and every registered qualified name", () => {
    expect(OP_RULES.filter((r) => !CASES.some((c) => r.qualifiedNames.includes(c.op))).map((r) => r.name)).toEqual([]);
    const covered = new Set(CASES.map((c) => c.op));
    const missing = OP_RULES.flatMap((r) => r.qualifiedNames.filter((qn) => !covered.has(qn)));
    expect(missing).toEqual([]);
    expect(CASES.filter((c) => !opRuleFor(c.op)).map((c) => c.op)).toEqual([]);
  });

  it("runs every case against the reference", () => {
    expect(pythonFailure, pythonFailure).toBe("");
    expect(results.size).toBe(prepared.filter((p) => p.payload).length);
    expect(new Set(prepared.map((p) => p.id)).size).toBe(prepared.length);
  });
});

// ---------------------------------------------------------------------------------------------
// Refusals: what a rule cannot translate is a clear message, never wrong code.

const refusals: { c: OpCase; message: RegExp; stage?: "shape" | "lower" }[] = [
  { c: { op: "tensorflow.where", pos: [bools([2, 3])] }, message: /coordinates of True elements/ },
  { c: { op: "keras.ops.where", pos: [bools([2, 3]), X] }, message: /needs both x and y/ },
  { c: { op: "tensorflow.split", pos: [t([2, 5]), 2, 1] }, message: /cannot be split into 2 equal parts/ },
  { c: { op: "tensorflow.split", pos: [t([2, 5]), [1, 1], 1] }, message: /do not add up to 5/ },
  { c: { op: "tensorflow.reshape", pos: [X, [5, -1]] }, message: /cannot reshape 24 elements/ },
  { c: { op: "tensorflow.reshape", pos: [X, [-1, -1]] }, message: /at most one size/ },
  { c: { op: "keras.ops.matmul", pos: [t([2, 3]), t([4, 5])] }, message: /do not contract/ },
  { c: { op: "tensorflow.matmul", pos: [t([3]), t([3, 2])] }, message: /rank >= 2/ },
  { c: { op: "operator.getitem", pos: [X, [0, 0, 0, 0]] }, message: /too many indices/ },
  { c: { op: "operator.getitem", pos: [X, [4]] }, message: /out of bounds/ },
  { c: { op: "operator.getitem", pos: [X, ["...", "..."]] }, message: /single ellipsis/ },
  { c: { op: "tensorflow.reduce_mean", pos: [ints([2, 3])] }, message: /cast it to a float first/ },
  { c: { op: "keras.ops.sum", pos: [X], kw: { axis: 3 } }, message: /out of range/ },
  { c: { op: "keras.ops.sum", pos: [X], kw: { axis: [1, -2] } }, message: /repeated axis/ },
  { c: { op: "keras.ops.squeeze", pos: [X, 1] }, message: /has size 3, not 1/ },
  { c: { op: "keras.ops.split", pos: [t([2, 6]), [2, -1]] }, message: /negative split points/ },
  { c: { op: "keras.ops.split", pos: [t([2, 6]), [2, 9]], kw: { axis: 1 } }, message: /increasing and within the axis/ },
  { c: { op: "tensorflow.gather", pos: [X, ints([2])], kw: { batch_dims: 1 } }, message: /batch_dims/ },
  { c: { op: "keras.ops.image.extract_patches", pos: [t([2, 6, 6, 6, 3]), [2, 2, 2]] }, message: /3-D patches/ },
  { c: { op: "keras.ops.image.extract_patches", pos: [t([6, 6, 3]), 2] }, message: /rank 4/ },
  { c: { op: "tensorflow.image.resize", pos: [t([2, 4, 4, 3]), [8, 8]], kw: { method: "bicubic" } }, message: /Resizing layer/ },
  { c: { op: "tensorflow.image.resize", pos: [t([2, 4, 4, 3]), [8, 8]], kw: { antialias: true } }, message: /with antialias is not supported/ },
  { c: { op: "tensorflow.image.resize", pos: [t([2, 4, 4, 3]), [8, 8]], kw: { preserve_aspect_ratio: true } }, message: /preserve_aspect_ratio/ },
  { c: { op: "tensorflow.image.resize", pos: [t([4, 4, 3]), [8, 8]] }, message: /rank 4/ },
  { c: { op: "keras.ops.image.resize", pos: [t([2, 4, 4, 3]), [8, 8]], kw: { interpolation: "lanczos3" } }, message: /Resizing layer/ },
  { c: { op: "keras.ops.normalize", pos: [X], kw: { order: 1 } }, message: /only order=2/ },
  { c: { op: "tensorflow.nn.l2_normalize", pos: [ints([2, 3])] }, message: /cast it to a float first/ },
  { c: { op: "keras.ops.image.resize", pos: [t([2, 4, 4, 3]), [8, 6]], kw: { crop_to_aspect_ratio: true } }, message: /crop_to_aspect_ratio=True is not supported/ },
  { c: { op: "keras.ops.image.resize", pos: [t([2, 3, 4, 4]), [8, 8]], kw: { data_format: "channels_first" } }, message: /data_format="channels_first" is not supported/ },
  { c: { op: "keras.ops.softmax", pos: [X], kw: { axis: [1, 2] } }, message: /several axes/, stage: "lower" },
  { c: { op: "operator.add", pos: [1, 2] }, message: /Python numbers only/ },
  { c: { op: "keras.ops.cast", pos: [X, "complex7"] }, message: /dtype 'complex7' is not supported/ },
  { c: { op: "keras.ops.logical_and", pos: [bools([2]), true] }, message: /Python constant/, stage: "lower" },
];

describe("op rules refuse what they cannot translate", () => {
  it.each(refusals.map((r) => [`${r.c.op} ${r.message}`, r] as const))("%s", (_name, { c, message, stage }) => {
    const r = opRuleFor(c.op)!;
    const { args } = bind(c, r);
    const shape = r.inferShape({ qualifiedName: c.op, args });
    if (stage !== "lower") {
      expect(shape.ok).toBe(false);
      if (!shape.ok) expect(shape.message).toMatch(message);
      return;
    }
    if (!shape.ok) throw new Error(shape.message);
    const layouts: Record<string, Layout> = {};
    for (const [k, v] of Object.entries(args)) if (v.kind === "tensor") layouts[k] = identity(v.shape.length);
    const plan = r.layout({ qualifiedName: c.op, args, layouts, outputShapes: shape.shapes });
    const lowered = r.lower({ qualifiedName: c.op, args, layouts, outputShapes: shape.shapes, outputLayouts: plan.outputs });
    expect(lowered.ok).toBe(false);
    if (!lowered.ok) expect(lowered.message).toMatch(message);
  });
});

// ---------------------------------------------------------------------------------------------
// Registry

describe("op registry", () => {
  it("gives every rule a unique name, a summary and at least one qualified name", () => {
    const names = OP_RULES.map((r) => r.name);
    expect(names.every((n) => /^[a-z][a-z0-9_]*$/.test(n))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    for (const r of OP_RULES) {
      expect(r.qualifiedNames.length, r.name).toBeGreaterThan(0);
      expect(r.summary.trim().length, r.name).toBeGreaterThan(0);
    }
  });

  it("spells qualified names canonically and resolves each to its rule", () => {
    // Keras' applications' internals are spelled as their module is (`keras.applications.imagenet_utils`).
    const canonical = /^(keras\.(ops|ops\.image|activations|backend|random|applications\.imagenet_utils)|tensorflow(\.(math|nn|linalg|image|random))?|operator|tensor)\.[a-z_][a-z0-9_]*$/;
    for (const r of OP_RULES) {
      for (const qn of r.qualifiedNames) {
        expect(qn, r.name).toMatch(canonical);
        expect(opRuleFor(qn), qn).toBe(r);
      }
    }
    expect(opRuleFor("tensorflow.no_such_op")).toBeUndefined();
  });

  it("gives every signature unique parameter names, and TensorFlow spellings their `name=`", () => {
    for (const r of OP_RULES) {
      for (const qn of r.qualifiedNames) {
        const params = r.signature(qn).params;
        const spellings = params.flatMap((p) => [p.name, ...(p.aliases ?? [])]);
        expect(new Set(spellings).size, qn).toBe(spellings.length);
        expect(params.filter((p) => p.variadic).every((p) => p.accepts === "tensors"), qn).toBe(true);
        if (qn.startsWith("tensorflow.")) expect(params.some((p) => p.name === "name"), qn).toBe(true);
      }
    }
  });

  it("lists the rules in registry order", () => {
    expect(listOps()).toEqual(OP_RULES.map((r) => ({ name: r.name, qualifiedNames: [...r.qualifiedNames], summary: r.summary })));
  });
});

// ---------------------------------------------------------------------------------------------
// Generated docs

/** The family lists spread into `OP_RULES`, each with the module that declares it. */
function familyModules(): { identifier: string; module: string }[] {
  const project = new Project({ tsConfigFilePath: path.join(ROOT, "tsconfig.json"), skipAddingFilesFromTsConfig: true });
  const source = project.addSourceFileAtPath(REGISTRY);
  project.resolveSourceFileDependencies();
  let init = source.getVariableDeclarationOrThrow("OP_RULES").getInitializerOrThrow();
  while (!Node.isArrayLiteralExpression(init)) {
    if (Node.isAsExpression(init) || Node.isSatisfiesExpression(init) || Node.isParenthesizedExpression(init)) init = init.getExpression();
    else throw new Error(`OP_RULES is not an array literal: ${init.getKindName()}`);
  }
  return init.getElements().map((element) => {
    if (!Node.isSpreadElement(element) || !Node.isIdentifier(element.getExpression())) throw new Error(`OP_RULES element \`${element.getText()}\` is not a spread family list`);
    const symbol = element.getExpression().getSymbolOrThrow();
    const target = symbol.isAlias() ? symbol.getAliasedSymbolOrThrow() : symbol;
    const decl = target.getDeclarations()[0];
    if (!decl) throw new Error(`cannot resolve ${element.getText()}`);
    return { identifier: element.getExpression().getText(), module: path.relative(ROOT, decl.getSourceFile().getFilePath()).split(path.sep).join("/") };
  });
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

async function supportedOperationsMarkdown(): Promise<string> {
  const families = familyModules();
  const modules = await Promise.all(families.map(async (f) => ({ ...f, rules: ((await import(path.join(ROOT, f.module))) as Record<string, readonly OpRule[]>)[f.identifier]! })));
  const total = modules.reduce((n, m) => n + m.rules.length, 0);
  if (total !== OP_RULES.length) throw new Error(`the family lists hold ${total} rules, OP_RULES ${OP_RULES.length}`);
  const names = OP_RULES.reduce((n, r) => n + r.qualifiedNames.length, 0);
  const sections = modules.flatMap((m) => {
    const base = path.basename(m.module, ".ts");
    return [
      `## ${base[0]!.toUpperCase()}${base.slice(1)} ([\`${base}.ts\`](../${m.module}))`,
      "",
      "| Operation | Qualified names | PyTorch translation |",
      "| --- | --- | --- |",
      ...m.rules.map((r) => `| \`${r.name}\` | ${r.qualifiedNames.map((q) => `\`${q}\``).join(", ")} | ${cell(r.summary)} |`),
      "",
    ];
  });
  const text = [
    "# Supported operations",
    "",
    "<!-- Generated by test/ops.test.ts from src/ops/registry.ts; do not edit by hand. -->",
    "<!-- Regenerate with: UPDATE_DOCS=1 npx vitest run test/ops.test.ts -->",
    "",
    `keras2torch translates these ${names} qualified names, implemented by ${OP_RULES.length} operation rules, wherever ` +
      "tensors flow through them: Lambda bodies, Functional code on symbolic tensors and `call` bodies. Names are canonical " +
      "after import resolution: `tf.keras.ops.mean` is `keras.ops.mean` (and so are `keras.ops.numpy.mean`, and `keras.ops.nn.*` and " +
      "`keras.ops.linalg.*` likewise, which Keras defines as the same functions), `tf.math.reduce_mean` is `tensorflow.math.reduce_mean`, " +
      "Python's operators are `operator.*` (`x[...]` is `operator.getitem`, `abs(x)` is `operator.abs`) and `x.shape` is " +
      "`tensor.shape`. `keras.backend.*` are Keras 2's backend functions, with tf-keras' semantics. Each name is checked " +
      "against real Keras 3.15.1 / TensorFlow 2.21 by `test/ops.test.ts`.",
    "",
    "Axis arguments are remapped when a tensor is channels-first in PyTorch; operations that depend on element order " +
      "(reshape, matmul, flattening) take their inputs in Keras order. A Python number where a tensor is expected stays a " +
      "number, written as the source wrote it (`2` or `2.0`). The static encoding of `operator.getitem`'s index (ints, " +
      "`None`, `...`, slices) is described in [`indexing.ts`](../src/ops/indexing.ts).",
    "",
    ...sections,
  ].join("\n");
  return prettier.format(text, { parser: "markdown" });
}

describe("docs", () => {
  it("resolves each family list in OP_RULES to its module", () => {
    const families = familyModules();
    expect(families.find((f) => f.identifier === "ELEMENTWISE_OPS")?.module).toBe("src/ops/elementwise.ts");
    expect(families.every((f) => f.module.startsWith("src/ops/"))).toBe(true);
  });

  it("docs/supported-operations.md matches the registry", async () => {
    const expected = await supportedOperationsMarkdown();
    if (process.env.UPDATE_DOCS === "1") {
      writeFileSync(DOCS, expected);
      return;
    }
    let committed: string;
    try {
      committed = readFileSync(DOCS, "utf8");
    } catch {
      throw new Error("docs/supported-operations.md is missing; run UPDATE_DOCS=1 npx vitest run test/ops.test.ts");
    }
    expect(committed, "docs/supported-operations.md is stale; run UPDATE_DOCS=1 npx vitest run test/ops.test.ts").toBe(expected);
  });
});
