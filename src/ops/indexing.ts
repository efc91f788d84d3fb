// Indexing: Python subscripts (`x[:, 1:3]`, `x[..., 0]`, `x[:, None]`), gather/take, top_k, one_hot.
//
// A subscript reaches `operator.getitem` as its `index` argument, a static value:
//   - an int                         x[2]
//   - null                           x[None] (a new axis)
//   - "..."                          x[...]
//   - {"slice": [start, stop, step]} x[1:3], x[::2]; each part an int or null
//   - an array of the above          x[:, 0, ...] (a tuple index)
// Tensor indices and lists (advanced indexing) are not subscripts this rule takes; gather/take are.
import { identity } from "../ir/layout.js";
import type { ConfigValue, Layout, PyExpr, Shape } from "../ir/types.js";
import { call, lit } from "../rules/util.js";
import type { OpLayoutPlan, OpRule } from "./types.js";
import {
  type Args,
  P,
  TF_NAME,
  arg,
  castTo,
  checkAxes,
  defineOp,
  dimExpr,
  fail,
  isIntDtype,
  list,
  method,
  numberExpr,
  parseDtype,
  permLayout,
  permOf,
  range,
  shapes,
} from "./util.js";

// ---------------------------------------------------------------------------------------------
// getitem

type Item = { kind: "int"; index: number } | { kind: "slice"; start: number | null; stop: number | null; step: number | null } | { kind: "new" };

const FULL: Item = { kind: "slice", start: null, stop: null, step: null };

/** Decodes the index encoding and expands `...` against the rank; every axis gets one int or slice. */
export function parseIndex(index: ConfigValue, rank: number): Item[] {
  const raw = Array.isArray(index) ? index : [index];
  const items: (Item | "...")[] = raw.map((v) => {
    if (v === null) return { kind: "new" };
    if (v === "...") return "...";
    if (typeof v === "number" && Number.isInteger(v)) return { kind: "int", index: v };
    if (typeof v === "object" && !Array.isArray(v) && v !== null && Array.isArray(v.slice) && v.slice.length === 3) {
      const [start, stop, step] = v.slice.map((p) => {
        if (p === null || (typeof p === "number" && Number.isInteger(p))) return p;
        return fail(`slice bounds must be static integers, got ${JSON.stringify(p)}`);
      });
      if (step === 0) fail("slice step cannot be zero");
      return { kind: "slice", start: start ?? null, stop: stop ?? null, step: step ?? null };
    }
    return fail(`unsupported subscript ${JSON.stringify(v)} (tensor and list indices are not supported; use gather)`);
  });
  const ellipses = items.filter((i) => i === "...").length;
  if (ellipses > 1) fail("an index can only have a single ellipsis");
  const consumed = items.filter((i) => i !== "..." && i.kind !== "new").length;
  if (consumed > rank) fail(`too many indices for a rank-${rank} tensor`);
  const fill = new Array<Item>(rank - consumed).fill(FULL);
  const at = items.indexOf("...");
  const expanded = at >= 0 ? [...items.slice(0, at), ...fill, ...items.slice(at + 1)] : [...items, ...fill];
  return expanded as Item[];
}

/** Python's slice.indices(): the concrete start, stop and step for a known size. */
function sliceIndices(item: Extract<Item, { kind: "slice" }>, size: number): [number, number, number] {
  const step = item.step ?? 1;
  const clamp = (v: number | null, dflt: number, lo: number, hi: number) => {
    if (v === null) return dflt;
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, lo), hi);
  };
  return step > 0 ? [clamp(item.start, 0, 0, size), clamp(item.stop, size, 0, size), step] : [clamp(item.start, size - 1, -1, size - 1), clamp(item.stop, -1, -1, size - 1), step];
}

function sliceLength(item: Extract<Item, { kind: "slice" }>, size: number | null): number | null {
  if (size === null) {
    const step = item.step ?? 1;
    if (step > 0 && item.start !== null && item.start >= 0 && item.stop !== null && item.stop >= 0) return Math.max(0, Math.ceil((item.stop - item.start) / step));
    if (step > 0 && item.start === null && item.stop !== null && item.stop >= 0) return null;
    return null;
  }
  const [s, e, st] = sliceIndices(item, size);
  return st > 0 ? Math.max(0, Math.ceil((e - s) / st)) : Math.max(0, Math.ceil((s - e) / -st));
}

function getitemShape(items: Item[], shape: Shape): Shape {
  const out: Shape = [];
  let axis = 0;
  for (const item of items) {
    if (item.kind === "new") {
      out.push(1);
      continue;
    }
    const size = shape[axis++]!;
    if (item.kind === "int") {
      if (size !== null && (item.index < -size || item.index >= size)) fail(`index ${item.index} is out of bounds for an axis of size ${size}`);
      continue;
    }
    out.push(sliceLength(item, size));
  }
  return out;
}

const isFull = (i: Item) => i.kind === "slice" && i.start === null && i.stop === null && (i.step === null || i.step === 1);

/** A negative step has no PyTorch slice: flip the axis, then take the mirrored positive slice. */
function positiveSlice(item: Extract<Item, { kind: "slice" }>, size: number | null): { item: Item; flip: boolean } {
  if ((item.step ?? 1) > 0) return { item, flip: false };
  if (item.start === null && item.stop === null) return { item: { kind: "slice", start: null, stop: null, step: item.step === -1 ? null : -item.step! }, flip: true };
  if (size === null) fail("a negative slice step with bounds needs a statically known size");
  const [s, , st] = sliceIndices(item, size);
  const n = sliceLength(item, size)!;
  const first = size - 1 - s;
  return { item: { kind: "slice", start: first, stop: n === 0 ? first : first + (n - 1) * -st + 1, step: -st === 1 ? null : -st }, flip: true };
}

function itemExpr(item: Item): PyExpr {
  if (item.kind === "new") return lit(null);
  if (item.kind === "int") return lit(item.index);
  const part = (v: number | null) => (v === null ? null : lit(v));
  return { k: "slice", start: part(item.start), stop: part(item.stop), step: part(item.step) };
}

/** `x[items]` with trailing full slices left out (and no subscript at all when nothing is left). */
function subscript(x: PyExpr, items: Item[]): PyExpr {
  let end = items.length;
  while (end > 0 && isFull(items[end - 1]!)) end--;
  if (end === 0) return x;
  const kept = items.slice(0, end).map(itemExpr);
  return { k: "subscript", obj: x, index: kept.length === 1 ? kept[0]! : { k: "tuple", items: kept } };
}

/** Index items can follow a permuted layout when each one addresses exactly one axis (no new axes). */
const remappable = (items: Item[]) => items.every((i) => i.kind !== "new");

export const getitemOp = defineOp({
  name: "getitem",
  summary: "`x[...]` with ints, slices, `None` and `...`; remapped to the layout, negative steps via `flip`",
  spellings: { "operator.getitem": [P.tensor("x"), P.required("index")] },
  inferShape: (a) => {
    const x = a.tensor("x");
    return shapes([getitemShape(parseIndex(a.value("index"), x.shape.length), x.shape)], [x.dtype]);
  },
  layout: (a, ctx): OpLayoutPlan => {
    const x = a.tensor("x");
    const items = parseIndex(a.value("index"), x.shape.length);
    const perm = permOf(ctx.layouts[a.param("x")] as Layout);
    const outRank = ctx.outputShapes[0]!.length;
    if (!perm || !remappable(items)) return { inputs: { [a.param("x")]: identity(x.shape.length) }, outputs: [identity(outRank)] };
    // Ints drop their axis; the slices keep theirs in torch order.
    const dropped = items.flatMap((it, axis) => (it.kind === "int" ? [axis] : []));
    const kept = perm.filter((p) => !dropped.includes(p)).map((p) => p - dropped.filter((d) => d < p).length);
    return { inputs: { [a.param("x")]: null }, outputs: [permLayout(kept)] };
  },
  lower: (a, ctx) => {
    const x = a.tensor("x");
    let items = parseIndex(a.value("index"), x.shape.length);
    const perm = permOf(ctx.layouts[a.param("x")] as Layout)!;
    // Keras axes sizes, per item (new axes have none).
    let axis = 0;
    const sizes = items.map((it) => (it.kind === "new" ? null : x.shape[axis++]!));
    // Torch dim j holds Keras axis perm[j]: reorder the items (only without new axes, see layout).
    if (remappable(items)) {
      items = perm.map((k) => items[k]!);
      const reordered = perm.map((k) => sizes[k]!);
      sizes.splice(0, sizes.length, ...reordered);
    }
    const flips: number[] = [];
    let dim = 0;
    items = items.map((it, i) => {
      if (it.kind === "new") return it;
      const d = dim++;
      if (it.kind !== "slice") return it;
      const fixed = positiveSlice(it, sizes[i]!);
      if (fixed.flip) flips.push(d);
      return fixed.item;
    });
    const base = flips.length ? call("torch.flip", [arg(a.param("x")), { k: "tuple", items: flips.map((d) => lit(d)) }]) : arg(a.param("x"));
    return subscript(base, items);
  },
});

// ---------------------------------------------------------------------------------------------
// gather / take

/** The indices: a tensor, or a static int / list of ints written into the subscript. */
function indicesShape(a: Args): Shape {
  if (a.isTensor("indices")) {
    const t = a.tensor("indices");
    if (!isIntDtype(t.dtype)) fail(`${a.qualifiedName}: indices must be integers, got ${t.dtype}`);
    return t.shape;
  }
  const v = a.value("indices");
  const dims = (w: ConfigValue): Shape => {
    if (typeof w === "number" && Number.isInteger(w)) return [];
    if (Array.isArray(w) && w.length > 0) {
      const inner = w.map(dims);
      if (inner.some((s) => JSON.stringify(s) !== JSON.stringify(inner[0]))) fail("ragged index lists are not supported");
      return [w.length, ...inner[0]!];
    }
    return fail(`${a.qualifiedName}: indices must be integers or a tensor, got ${JSON.stringify(w)}`);
  };
  return dims(v);
}

function indicesExpr(a: Args): PyExpr {
  if (a.isTensor("indices")) return arg(a.param("indices"));
  const build = (w: ConfigValue): PyExpr => (Array.isArray(w) ? list(w.map(build)) : numberExpr(w as number, false));
  return build(a.value("indices"));
}

/** The gathered Keras axis, or null for keras.ops.take's flattened form. */
function gatherAxis(a: Args, rank: number): number | null {
  if (a.value("batch_dims", 0) !== 0) fail(`${a.qualifiedName} with batch_dims other than 0 is not supported yet`);
  const v = a.value("axis");
  if (v === null) return a.qualifiedName === "keras.ops.take" ? null : 0;
  return checkAxes([a.int("axis")], rank)[0]!;
}

export const gatherOp = defineOp({
  name: "gather",
  summary: "advanced indexing `x[:, indices]` on the remapped dim; take's axis=None indexes the flattened tensor",
  spellings: {
    "tensorflow.gather": [P.tensor("params", "x"), P.tensor("indices"), P.value("validate_indices", null), P.value("axis", null), P.value("batch_dims", 0), TF_NAME],
    "keras.ops.take": [P.tensor("x"), P.tensor("indices"), P.value("axis", null)],
    "keras.backend.gather": [P.tensor("reference", "x"), P.tensor("indices")],
  },
  inferShape: (a) => {
    const x = a.tensor("x");
    const idx = indicesShape(a);
    const axis = gatherAxis(a, x.shape.length);
    if (axis === null) return shapes([idx], [x.dtype]);
    return shapes([[...x.shape.slice(0, axis), ...idx, ...x.shape.slice(axis + 1)]], [x.dtype]);
  },
  layout: (a, ctx): OpLayoutPlan => {
    const x = a.tensor("x");
    const rank = x.shape.length;
    const idxRank = indicesShape(a).length;
    const axis = gatherAxis(a, rank);
    const perm = permOf(ctx.layouts[a.param("x")] as Layout);
    const inputs: OpLayoutPlan["inputs"] = {};
    if (a.isTensor("indices")) inputs[a.param("indices")] = identity(idxRank);
    if (axis === null || !perm) {
      inputs[a.param("x")] = identity(rank);
      return { inputs, outputs: [identity(ctx.outputShapes[0]!.length)] };
    }
    // Torch keeps x's dims around the indexed one, which the indices' axes replace in place.
    inputs[a.param("x")] = null;
    const out = perm.flatMap((p) => (p < axis ? [p] : p === axis ? range(idxRank).map((i) => axis + i) : [p + idxRank - 1]));
    return { inputs, outputs: [permLayout(out)] };
  },
  lower: (a, ctx) => {
    const x = a.tensor("x");
    const rank = x.shape.length;
    const axis = gatherAxis(a, rank);
    const idx = indicesExpr(a);
    const input = arg(a.param("x"));
    if (axis === null) return { k: "subscript", obj: method(input, "flatten"), index: idx };
    const dim = permOf(ctx.layouts[a.param("x")] as Layout)!.indexOf(axis);
    const items: PyExpr[] = [...new Array<PyExpr>(dim).fill({ k: "slice", start: null, stop: null, step: null }), idx];
    return { k: "subscript", obj: input, index: items.length === 1 ? idx : { k: "tuple", items } };
  },
});

// ---------------------------------------------------------------------------------------------
// top_k

export const topKOp = defineOp({
  name: "top_k",
  summary: "`torch.topk(x, k, dim=...)`: (values, indices) along the last Keras axis",
  spellings: {
    "keras.ops.top_k": [P.tensor("x"), P.required("k"), P.value("sorted", true)],
    "tensorflow.math.top_k": [P.tensor("input", "x"), P.value("k", 1), P.value("sorted", true), P.value("index_type", "int32"), TF_NAME],
    "tensorflow.nn.top_k": [P.tensor("input", "x"), P.value("k", 1), P.value("sorted", true), P.value("index_type", "int32"), TF_NAME],
  },
  inferShape: (a) => {
    const x = a.tensor("x");
    const k = a.int("k");
    const last = x.shape[x.shape.length - 1];
    if (x.shape.length === 0) fail(`${a.qualifiedName} needs a tensor of rank >= 1`);
    if (k < 0 || (last !== null && last !== undefined && k > last)) fail(`${a.qualifiedName}: k=${k} is out of range for a last axis of size ${last}`);
    const out = [...x.shape.slice(0, -1), k];
    const index = a.has("index_type") ? parseDtype(a.value("index_type")) : "int32";
    return shapes([out, out], [x.dtype, index]);
  },
  // torch.topk takes any dim: the last Keras axis stays wherever the layout put it.
  layout: (a, ctx) => {
    const x = a.tensor("x");
    const layout = ctx.layouts[a.param("x")] as Layout;
    const perm = permOf(layout);
    const out = perm ? permLayout(perm) : identity(x.shape.length);
    return { inputs: { [a.param("x")]: perm ? null : identity(x.shape.length) }, outputs: [out, out] };
  },
  // `sorted=False` leaves the order unspecified in TensorFlow; sorted is one valid order.
  lower: (a, ctx) => {
    const x = a.tensor("x");
    const rank = x.shape.length;
    const dim = permOf(ctx.layouts[a.param("x")] as Layout)!.indexOf(rank - 1);
    const kwargs: [string, PyExpr][] = dim === rank - 1 ? [] : [["dim", lit(dim)]];
    return call("torch.topk", [arg(a.param("x")), lit(a.int("k"))], kwargs);
  },
});

// ---------------------------------------------------------------------------------------------
// one_hot

export const oneHotOp = defineOp({
  name: "one_hot",
  summary: "`F.one_hot(x.long(), n)` cast to the float dtype, the class axis moved when `axis` is not -1",
  spellings: {
    "keras.ops.one_hot": [P.tensor("x"), P.required("num_classes"), P.value("axis", -1), P.value("dtype", null), P.value("sparse", false)],
    "tensorflow.one_hot": [
      P.tensor("indices", "x"),
      P.required("depth", "num_classes"),
      P.value("on_value", null),
      P.value("off_value", null),
      P.value("axis", null),
      P.value("dtype", null),
      TF_NAME,
    ],
    "keras.backend.one_hot": [P.tensor("indices", "x"), P.required("num_classes")],
  },
  inferShape: (a) => {
    const x = a.tensor("x");
    if (!isIntDtype(x.dtype)) fail(`${a.qualifiedName}: indices must be integers, got ${x.dtype}`);
    if (a.bool("sparse")) fail(`${a.qualifiedName} with sparse=True is not supported`);
    const n = a.int("num_classes");
    const axis = checkAxes([a.value("axis", -1) ?? -1].map(Number), x.shape.length + 1)[0]!;
    const out = [...x.shape];
    out.splice(axis, 0, n);
    return shapes([out], [a.value("dtype") === null ? "float32" : parseDtype(a.value("dtype"))]);
  },
  layout: (a, ctx) => ({ inputs: { [a.param("x")]: identity(a.tensor("x").shape.length) }, outputs: [identity(ctx.outputShapes[0]!.length)] }),
  // F.one_hot needs int64 indices and, unlike TensorFlow (a row of zeros), fails on out-of-range ones.
  lower: (a) => {
    const x = a.tensor("x");
    const indices = x.dtype === "int64" ? arg(a.param("x")) : castTo(arg(a.param("x")), "int64");
    let out = call("F.one_hot", [indices, lit(a.int("num_classes"))]);
    const dtype = a.value("dtype") === null ? "float32" : parseDtype(a.value("dtype"));
    const on = a.value("on_value", null);
    const off = a.value("off_value", null);
    if (on !== null || off !== null) {
      const value = (v: ConfigValue, dflt: number, role: string) => (v === null ? numberExpr(dflt, dtype.startsWith("float")) : numberExpr(v as number, a.isFloat(role) || dtype.startsWith("float")));
      out = call("torch.where", [castTo(out, "bool"), value(on, 1, "on_value"), value(off, 0, "off_value")]);
    }
    out = castTo(out, dtype);
    const axis = checkAxes([a.value("axis", -1) ?? -1].map(Number), x.shape.length + 1)[0]!;
    return axis === x.shape.length ? out : method(out, "movedim", [lit(-1), dimExpr(axis, x.shape.length + 1)]);
  },
});

export const INDEXING_OPS: readonly OpRule[] = [getitemOp, gatherOp, topKOp, oneHotOp];
