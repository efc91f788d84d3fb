// Shape operations: reshape, transpose, expand_dims, squeeze, broadcast_to, concatenate, stack, split and
// reading a tensor's shape. Reshape depends on element order and works in Keras order; transpose composes with
// the incoming layout into one `permute` (none at all when they cancel); the axis-taking ones remap
// their axes and keep the layout.
import { identity } from "../ir/layout.js";
import type { Layout, PyExpr, Shape } from "../ir/types.js";
import { call, lit } from "../rules/util.js";
import type { OpLayoutPlan, OpRule } from "./types.js";
import {
  type Args,
  P,
  TF_NAME,
  arg,
  checkAxes,
  commonPerm,
  defineOp,
  dimExpr,
  dropAxes,
  fail,
  insertAxis,
  ints,
  list,
  method,
  parseDtype,
  permLayout,
  permOf,
  range,
  shapeArgument,
  shapes,
} from "./util.js";

// ---------------------------------------------------------------------------------------------
// reshape

/**
 * The target shape, batch axis included, as Keras and TensorFlow take it. `-1` is inferred; a `null`
 * entry stands for a size only known at run time (`tf.shape(x)[0]`), and is written as `-1` when it is
 * the only unknown one.
 */
function reshapeTarget(a: Args, input: Shape): { shape: Shape; torch: number[] } {
  const target = a.ints("shape");
  // `tf.reshape(x, [tf.shape(x)[0], -1, c])`: a leading run-time size read from axis 0 of a tensor (the
  // batch, in a `call`) next to a -1. The batch stays the batch, so the -1 comes from the other axes,
  // and PyTorch is given the batch as the one -1.
  if (target[0] === null && input[0] === null && target.includes(-1) && leadingBatchSize(a)) {
    const rest = resolveTarget(target.slice(1), input.slice(1), a.qualifiedName);
    if (rest.shape.every((d) => d !== null)) return { shape: [null, ...rest.shape], torch: [-1, ...(rest.shape as number[])] };
  }
  return resolveTarget(target, input, a.qualifiedName);
}

/** Whether the first size of the target shape is `tf.shape(t)[0]` (`ops.shape(t)[0]`) of some tensor. */
function leadingBatchSize(a: Args): boolean {
  const raw = a.raw("shape");
  const first = raw?.kind === "value" && raw.expr && (raw.expr.k === "list" || raw.expr.k === "tuple") ? raw.expr.items[0] : undefined;
  return first?.k === "dim" && first.axis === 0;
}

function resolveTarget(target: (number | null)[], input: Shape, qualifiedName: string): { shape: Shape; torch: number[] } {
  const unknown = target.filter((d) => d === null || d === -1).length;
  if (unknown > 1) fail(`${qualifiedName}: at most one size may be -1 or unknown, got ${JSON.stringify(target)}`);
  if (target.some((d) => d !== null && d < -1)) fail(`${qualifiedName}: invalid size in ${JSON.stringify(target)}`);
  const known = target.filter((d): d is number => d !== null && d !== -1).reduce((p, d) => p * d, 1);
  const total = input.every((d) => d !== null) ? (input as number[]).reduce((p, d) => p * d, 1) : null;
  let inferred: number | null = null;
  if (total !== null) {
    if (unknown === 0 && known !== total) fail(`cannot reshape ${total} elements into ${JSON.stringify(target)}`);
    if (unknown === 1) {
      if (known === 0 || total % known !== 0) fail(`cannot reshape ${total} elements into ${JSON.stringify(target)}`);
      inferred = total / known;
    }
  }
  return {
    shape: target.map((d) => (d === null || d === -1 ? inferred : d)),
    torch: target.map((d) => (d === null ? -1 : d)),
  };
}

export const reshapeOp = defineOp({
  name: "reshape",
  summary: "`x.reshape(...)` in Keras order (the input is permuted to Keras order first if needed)",
  spellings: {
    "keras.ops.reshape": [P.tensor("x"), P.required("newshape", "shape")],
    "tensorflow.reshape": [P.tensor("tensor", "x"), P.required("shape"), TF_NAME],
    "keras.backend.reshape": [P.tensor("x"), P.required("shape")],
  },
  inferShape: (a) => {
    const x = a.tensor("x");
    return shapes([reshapeTarget(a, x.shape).shape], [x.dtype]);
  },
  // Element order is Keras': a correct permute beats a wrong answer.
  layout: (a, ctx) => ({ inputs: { [a.param("x")]: identity(a.tensor("x").shape.length) }, outputs: [identity(ctx.outputShapes[0]!.length)] }),
  lower: (a) => method(arg(a.param("x")), "reshape", reshapeTarget(a, a.tensor("x").shape).torch.map((d) => lit(d))),
});

// ---------------------------------------------------------------------------------------------
// transpose

/** The Keras permutation: the given axes, or every axis reversed (`axes=None`, Keras 2's transpose). */
function transposeAxes(a: Args, rank: number): number[] {
  const given = a.has("axes") ? a.value("axes") : null;
  if (given === null) return range(rank).reverse();
  const axes = a.ints("axes");
  if (axes.length !== rank || axes.some((d) => d === null)) fail(`${a.qualifiedName}: the permutation must list all ${rank} axes`);
  return checkAxes(axes as number[], rank);
}

export const transposeOp = defineOp({
  name: "transpose",
  summary: "one `x.permute(...)` composed with the incoming layout (none when they cancel out)",
  spellings: {
    "keras.ops.transpose": [P.tensor("x"), P.value("axes", null)],
    "tensorflow.transpose": [P.tensor("a", "x"), P.value("perm", null, "axes"), P.value("conjugate", false), TF_NAME],
    "keras.backend.transpose": [P.tensor("x")],
    "keras.backend.permute_dimensions": [P.tensor("x"), P.required("pattern", "axes")],
  },
  inferShape: (a) => {
    const x = a.tensor("x");
    return shapes([transposeAxes(a, x.shape.length).map((i) => x.shape[i]!)], [x.dtype]);
  },
  layout: (a, ctx) => {
    const x = a.tensor("x");
    const perm = permOf(ctx.layouts[a.param("x")] as Layout);
    return { inputs: { [a.param("x")]: perm ? null : identity(x.shape.length) }, outputs: [identity(x.shape.length)] };
  },
  lower: (a, ctx) => {
    const x = a.tensor("x");
    const perm = permOf(ctx.layouts[a.param("x")] as Layout)!;
    // Output axis i is Keras input axis axes[i], which sits at torch dim perm.indexOf(axes[i]).
    const dims = transposeAxes(a, x.shape.length).map((k) => perm.indexOf(k));
    if (dims.every((d, i) => d === i)) return arg(a.param("x"));
    return method(arg(a.param("x")), "permute", dims.map((d) => lit(d)));
  },
});

// ---------------------------------------------------------------------------------------------
// expand_dims / squeeze

/** The new axes, numbered in the result, ascending. */
function newAxes(a: Args, rank: number): number[] {
  const axes = a.axes("axis");
  if (axes === null) fail(`${a.qualifiedName} needs an axis`);
  return checkAxes(axes, rank + axes.length).sort((p, q) => p - q);
}

export const expandDimsOp = defineOp({
  name: "expand_dims",
  summary: "`x.unsqueeze(dim)` per new axis, placed to keep the incoming layout",
  spellings: {
    "keras.ops.expand_dims": [P.tensor("x"), P.required("axis")],
    "tensorflow.expand_dims": [P.tensor("input", "x"), P.required("axis"), TF_NAME],
    "keras.backend.expand_dims": [P.tensor("x"), P.value("axis", -1)],
  },
  inferShape: (a) => {
    const x = a.tensor("x");
    const out: Shape = [...x.shape];
    for (const axis of newAxes(a, x.shape.length)) out.splice(axis, 0, 1);
    return shapes([out], [x.dtype]);
  },
  layout: (a, ctx) => {
    const x = a.tensor("x");
    const perm = permOf(ctx.layouts[a.param("x")] as Layout);
    if (!perm) return { inputs: { [a.param("x")]: identity(x.shape.length) }, outputs: [identity(ctx.outputShapes[0]!.length)] };
    let current = perm;
    for (const axis of newAxes(a, x.shape.length)) current = insertAxis(current, axis).perm;
    return { inputs: { [a.param("x")]: null }, outputs: [permLayout(current)] };
  },
  lower: (a, ctx) => {
    let current = permOf(ctx.layouts[a.param("x")] as Layout)!;
    let out = arg(a.param("x"));
    for (const axis of newAxes(a, a.tensor("x").shape.length)) {
      const step = insertAxis(current, axis);
      // unsqueeze(-1) appends: say so when the new dim is last.
      out = method(out, "unsqueeze", [lit(step.dim === current.length ? -1 : step.dim)]);
      current = step.perm;
    }
    return out;
  },
});

/** The Keras axes to remove. `axis=None` removes the axes known to be 1 (an unknown size is kept, as Keras' shape says). */
function squeezedAxes(a: Args, shape: Shape): number[] {
  const axes = a.axes("axis");
  if (axes === null) return shape.flatMap((d, i) => (d === 1 ? [i] : []));
  const list = checkAxes(axes, shape.length).sort((p, q) => p - q);
  for (const axis of list) {
    const d = shape[axis];
    if (d !== null && d !== 1) fail(`${a.qualifiedName}: axis ${axis} has size ${d}, not 1`);
  }
  return list;
}

export const squeezeOp = defineOp({
  name: "squeeze",
  summary: "`x.squeeze(dims)` with the dims named explicitly (never a run-time batch of 1)",
  spellings: {
    "keras.ops.squeeze": [P.tensor("x"), P.value("axis", null)],
    "tensorflow.squeeze": [P.tensor("input", "x"), P.value("axis", null), TF_NAME],
    "keras.backend.squeeze": [P.tensor("x"), P.required("axis")],
  },
  inferShape: (a) => {
    const x = a.tensor("x");
    const axes = squeezedAxes(a, x.shape);
    return shapes([x.shape.filter((_, i) => !axes.includes(i))], [x.dtype]);
  },
  layout: (a, ctx) => {
    const x = a.tensor("x");
    const perm = permOf(ctx.layouts[a.param("x")] as Layout);
    const axes = squeezedAxes(a, x.shape);
    if (!perm) return { inputs: { [a.param("x")]: identity(x.shape.length) }, outputs: [identity(ctx.outputShapes[0]!.length)] };
    return { inputs: { [a.param("x")]: null }, outputs: [permLayout(dropAxes(perm, axes))] };
  },
  lower: (a, ctx) => {
    const x = a.tensor("x");
    const perm = permOf(ctx.layouts[a.param("x")] as Layout)!;
    const dims = squeezedAxes(a, x.shape)
      .map((k) => perm.indexOf(k))
      .sort((p, q) => p - q);
    if (dims.length === 0) return arg(a.param("x"));
    return method(arg(a.param("x")), "squeeze", [dims.length === 1 ? dimExpr(dims[0]!, x.shape.length) : ints(dims)]);
  },
});

// ---------------------------------------------------------------------------------------------
// concatenate / stack: the inputs share one layout (the first permuted one, as merge layers do).

function sharedPlan(layouts: Layout[], rank: number): { perm: number[]; inputs: (Layout | null)[] } {
  const perm = commonPerm(layouts, rank);
  return { perm, inputs: layouts.map(() => permLayout(perm)) };
}

const listItems = (a: Args, role: string): PyExpr => list(a.tensors(role).shapes.map((_, i) => arg(a.param(role), i)));

function sameRank(a: Args, role: string): number {
  const { shapes: s } = a.tensors(role);
  if (s.length === 0) fail(`${a.qualifiedName} needs at least one tensor`);
  const rank = s[0]!.length;
  if (s.some((x) => x.length !== rank)) fail(`${a.qualifiedName}: the tensors must have the same rank`);
  return rank;
}

export const concatenateOp = defineOp({
  name: "concatenate",
  summary: "`torch.cat([...], dim=...)` on the remapped dim",
  spellings: {
    "keras.ops.concatenate": [P.tensors("xs"), P.value("axis", 0)],
    "tensorflow.concat": [P.tensors("values", "xs"), P.required("axis"), TF_NAME],
    "keras.backend.concatenate": [P.tensors("tensors", "xs"), P.value("axis", -1)],
  },
  inferShape: (a) => {
    const rank = sameRank(a, "xs");
    const { shapes: s, dtypes } = a.tensors("xs");
    const axis = checkAxes([a.int("axis")], rank)[0]!;
    const out: Shape = [...s[0]!];
    out[axis] = s.some((x) => x[axis] === null) ? null : s.reduce((sum, x) => sum + (x[axis] as number), 0);
    for (const x of s) {
      for (let i = 0; i < rank; i++) {
        if (i === axis) continue;
        if (x[i] !== null && out[i] !== null && x[i] !== out[i]) fail(`${a.qualifiedName}: shapes differ on axis ${i}: ${s.map((t) => JSON.stringify(t)).join(", ")}`);
        if (out[i] === null) out[i] = x[i]!;
      }
    }
    return shapes([out], [dtypes[0]!]);
  },
  layout: (a, ctx): OpLayoutPlan => {
    const rank = sameRank(a, "xs");
    const plan = sharedPlan(ctx.layouts[a.param("xs")] as Layout[], rank);
    return { inputs: { [a.param("xs")]: plan.inputs }, outputs: [permLayout(plan.perm)] };
  },
  lower: (a, ctx) => {
    const rank = sameRank(a, "xs");
    const perm = permOf((ctx.layouts[a.param("xs")] as Layout[])[0])!;
    const axis = checkAxes([a.int("axis")], rank)[0]!;
    return call("torch.cat", [listItems(a, "xs")], [["dim", dimExpr(perm.indexOf(axis), rank)]]);
  },
});

export const stackOp = defineOp({
  name: "stack",
  summary: "`torch.stack([...], dim=...)`, the new axis placed to keep the inputs' layout",
  spellings: {
    "keras.ops.stack": [P.tensors("x", "xs"), P.value("axis", 0)],
    "tensorflow.stack": [P.tensors("values", "xs"), P.value("axis", 0), TF_NAME],
    "keras.backend.stack": [P.tensors("x", "xs"), P.value("axis", 0)],
  },
  inferShape: (a) => {
    const rank = sameRank(a, "xs");
    const { shapes: s, dtypes } = a.tensors("xs");
    const axis = checkAxes([a.int("axis")], rank + 1)[0]!;
    const base: Shape = s[0]!.map((_, i) => s.map((x) => x[i]!).find((d) => d !== null) ?? null);
    for (const x of s) {
      if (x.some((d, i) => d !== null && base[i] !== null && d !== base[i])) fail(`${a.qualifiedName}: the tensors must have the same shape`);
    }
    const out = [...base];
    out.splice(axis, 0, s.length);
    return shapes([out], [dtypes[0]!]);
  },
  layout: (a, ctx): OpLayoutPlan => {
    const rank = sameRank(a, "xs");
    const plan = sharedPlan(ctx.layouts[a.param("xs")] as Layout[], rank);
    const axis = checkAxes([a.int("axis")], rank + 1)[0]!;
    return { inputs: { [a.param("xs")]: plan.inputs }, outputs: [permLayout(insertAxis(plan.perm, axis).perm)] };
  },
  lower: (a, ctx) => {
    const rank = sameRank(a, "xs");
    const perm = permOf((ctx.layouts[a.param("xs")] as Layout[])[0])!;
    const axis = checkAxes([a.int("axis")], rank + 1)[0]!;
    return call("torch.stack", [listItems(a, "xs")], [["dim", dimExpr(insertAxis(perm, axis).dim, rank + 1)]]);
  },
});

// ---------------------------------------------------------------------------------------------
// split: several outputs (a tuple in PyTorch).

type SplitPlan =
  | { kind: "sections"; count: number; sizes: (number | null)[] }
  | { kind: "sizes"; sizes: number[] }
  | { kind: "indices"; indices: number[]; sizes: (number | null)[] };

/**
 * tf.split's `num_or_size_splits` is a count of equal parts or a list of sizes (one may be -1);
 * keras.ops.split's `indices_or_sections` is a count or NumPy-style split points.
 */
function splitPlan(a: Args, size: number | null): SplitPlan {
  const v = a.value("splits");
  const keras = a.qualifiedName === "keras.ops.split";
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < 1) fail(`${a.qualifiedName}: the number of splits must be a positive integer`);
    if (size !== null && size % v !== 0) fail(`${a.qualifiedName}: a dimension of size ${size} cannot be split into ${v} equal parts`);
    return { kind: "sections", count: v, sizes: new Array<number | null>(v).fill(size === null ? null : size / v) };
  }
  const items = a.ints("splits");
  if (items.some((d) => d === null)) fail(`${a.qualifiedName}: split sizes must be static`);
  const values = items as number[];
  if (keras) {
    // Split points as NumPy's (x[i:j] along the axis). Keras' TensorFlow backend rejects negative ones.
    if (values.some((d) => d < 0)) fail(`${a.qualifiedName}: negative split points are not supported by Keras' TensorFlow backend`);
    if (values.some((d, i) => i > 0 && d < values[i - 1]!) || (size !== null && values.some((d) => d > size))) {
      fail(`${a.qualifiedName}: split points must be increasing and within the axis (Keras' TensorFlow backend), got ${JSON.stringify(values)}`);
    }
    const bounds = [0, ...values, size];
    const sizes = values.length === 0 ? [size] : bounds.slice(1).map((stop, i) => sliceLength(bounds[i]!, stop, size));
    return { kind: "indices", indices: values, sizes };
  }
  const unknown = values.filter((d) => d === -1).length;
  if (unknown > 1 || values.some((d) => d < -1)) fail(`${a.qualifiedName}: invalid split sizes ${JSON.stringify(values)}`);
  const known = values.filter((d) => d !== -1).reduce((s, d) => s + d, 0);
  if (size === null) {
    if (unknown) fail(`${a.qualifiedName}: a -1 split size needs a statically known dimension`);
    return { kind: "sizes", sizes: values };
  }
  if (unknown === 0 && known !== size) fail(`${a.qualifiedName}: split sizes ${JSON.stringify(values)} do not add up to ${size}`);
  if (known > size) fail(`${a.qualifiedName}: split sizes ${JSON.stringify(values)} exceed ${size}`);
  return { kind: "sizes", sizes: values.map((d) => (d === -1 ? size - known : d)) };
}

/** Length of `x[start:stop]` along a dim of `size` (null bounds and sizes: unknown). */
function sliceLength(start: number | null, stop: number | null, size: number | null): number | null {
  if (size === null) {
    if (start !== null && stop !== null && start >= 0 && stop >= 0) return Math.max(0, stop - start);
    return null;
  }
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const s = start === null ? 0 : clamp(start);
  const e = stop === null ? size : clamp(stop);
  return Math.max(0, e - s);
}

export const splitOp = defineOp({
  name: "split",
  summary: "`torch.tensor_split` (a count, or NumPy-style split points) or `torch.split` (TensorFlow's sizes)",
  spellings: {
    "keras.ops.split": [P.tensor("x"), P.required("indices_or_sections", "splits"), P.value("axis", 0)],
    "tensorflow.split": [P.tensor("value", "x"), P.required("num_or_size_splits", "splits"), P.value("axis", 0), P.value("num", null), TF_NAME],
  },
  inferShape: (a) => {
    const x = a.tensor("x");
    const axis = checkAxes([a.int("axis")], x.shape.length)[0]!;
    const plan = splitPlan(a, x.shape[axis]!);
    const num = a.value("num");
    if (typeof num === "number" && num !== plan.sizes.length) fail(`${a.qualifiedName}: \`num\` is ${num} but the split gives ${plan.sizes.length} parts`);
    return shapes(
      plan.sizes.map((d) => x.shape.map((s, i) => (i === axis ? d : s))),
      plan.sizes.map(() => x.dtype),
    );
  },
  layout: (a, ctx): OpLayoutPlan => {
    const x = a.tensor("x");
    const layout = ctx.layouts[a.param("x")] as Layout;
    const perm = permOf(layout) ?? range(x.shape.length);
    return { inputs: { [a.param("x")]: permOf(layout) ? null : identity(x.shape.length) }, outputs: ctx.outputShapes.map(() => permLayout(perm)) };
  },
  lower: (a, ctx) => {
    const x = a.tensor("x");
    const rank = x.shape.length;
    const axis = checkAxes([a.int("axis")], rank)[0]!;
    const dim = dimExpr(permOf(ctx.layouts[a.param("x")] as Layout)!.indexOf(axis), rank);
    const plan = splitPlan(a, x.shape[axis]!);
    const input = arg(a.param("x"));
    switch (plan.kind) {
      case "sections":
        return call("torch.tensor_split", [input, lit(plan.count)], [["dim", dim]]);
      case "indices":
        return call("torch.tensor_split", [input, list(plan.indices.map((i) => lit(i)))], [["dim", dim]]);
      case "sizes":
        return call("torch.split", [input, list(plan.sizes.map((i) => lit(i)))], [["dim", dim]]);
    }
  },
});

// ---------------------------------------------------------------------------------------------
// broadcast_to

const broadcastTarget = (a: Args) => shapeArgument(a, "read a size from a tensor (`tf.shape(x)[0]`) inside a layer's `call`");

/**
 * `tf.broadcast_to(x, shape)` (a ViT's class token repeated over the batch): `x.expand(shape)`, in Keras
 * order. NumPy's rule: the input's axes align with the last ones of the shape, each 1 or the same size.
 */
export const broadcastToOp = defineOp({
  name: "broadcast_to",
  summary: "`x.expand(shape)` in Keras order (a size known at run time, such as the batch, written as the expression that reads it)",
  spellings: {
    "keras.ops.broadcast_to": [P.tensor("x"), P.required("shape")],
    "tensorflow.broadcast_to": [P.tensor("input", "x"), P.required("shape"), TF_NAME],
  },
  inferShape: (a) => {
    const x = a.tensor("x");
    const { shape } = broadcastTarget(a);
    const offset = shape.length - x.shape.length;
    if (offset < 0) fail(`${a.qualifiedName}: cannot broadcast a rank-${x.shape.length} tensor to the rank-${shape.length} shape ${JSON.stringify(shape)}`);
    x.shape.forEach((d, i) => {
      const to = shape[offset + i];
      if (d !== null && d !== 1 && to !== null && to !== undefined && to !== d) fail(`${a.qualifiedName}: cannot broadcast shape ${JSON.stringify(x.shape)} to ${JSON.stringify(shape)}`);
    });
    return shapes([shape.map((d, i) => d ?? (i >= offset ? (x.shape[i - offset] === 1 ? null : x.shape[i - offset]!) : null))], [x.dtype]);
  },
  layout: (a, ctx) => ({ inputs: { [a.param("x")]: identity(a.tensor("x").shape.length) }, outputs: [identity(ctx.outputShapes[0]!.length)] }),
  lower: (a) => method(arg(a.param("x")), "expand", [broadcastTarget(a).expr]),
});

// ---------------------------------------------------------------------------------------------
// shape

/**
 * The shape as a rank-1 value in Keras order: `x.shape` when the layout is Keras' (or flattened, which
 * keeps the sizes), else a tuple of `x.shape[d]` in Keras order. Indexing it (`tf.shape(x)[0]`) gives
 * a run-time size such as the batch.
 */
export const shapeOp = defineOp({
  name: "shape",
  summary: "`x.shape` (a tuple of `x.shape[d]` in Keras order under a permuted layout)",
  spellings: {
    "tensor.shape": [P.tensor("x")],
    "tensorflow.shape": [P.tensor("input", "x"), P.value("out_type", null), TF_NAME],
    "keras.ops.shape": [P.tensor("x")],
    "keras.backend.shape": [P.tensor("x")],
  },
  inferShape: (a) => shapes([[a.tensor("x").shape.length]], [a.value("out_type") === null ? "int32" : parseDtype(a.value("out_type"))]),
  layout: (a) => ({ inputs: { [a.param("x")]: null }, outputs: [identity(1)] }),
  lower: (a, ctx) => {
    const x = arg(a.param("x"));
    const shape: PyExpr = { k: "attr", obj: x, name: "shape" };
    const perm = permOf(ctx.layouts[a.param("x")] as Layout);
    if (!perm || perm.every((p, i) => p === i)) return shape;
    return { k: "tuple", items: range(perm.length).map((k) => ({ k: "subscript", obj: shape, index: lit(perm.indexOf(k)) }) as PyExpr) };
  },
});

export const SHAPE_OPS: readonly OpRule[] = [reshapeOp, transposeOp, expandDimsOp, squeezeOp, broadcastToOp, concatenateOp, stackOp, splitOp, shapeOp];
