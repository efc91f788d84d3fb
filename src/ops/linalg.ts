// Linear algebra: matmul (`@`), Keras 2's backend dot, and einsum. Matmul contracts the last two Keras
// axes, so its inputs are taken in Keras order. Einsum rewrites each operand's subscripts to the
// layout it arrives in (`bhwc` under NCHW is `bchw`), so it needs no permute at all.
import { identity } from "../ir/layout.js";
import type { Layout, PyExpr, Shape } from "../ir/types.js";
import { broadcastShapes } from "../rules/merging.js";
import { call, lit } from "../rules/util.js";
import type { OpLayoutPlan, OpRule } from "./types.js";
import { type Args, type Operand, P, TF_NAME, arg, attr, defineOp, fail, list, parseDtype, permOf, promote, shapes } from "./util.js";

const dimsAgree = (p: number | null, q: number | null) => p === null || q === null || p === q;
const fmt = (s: Shape) => `(${s.map((d) => (d === null ? "None" : d)).join(", ")})`;

/** NumPy matmul shapes: 1-D operands gain and lose a unit axis, batch axes broadcast. */
export function matmulShape(a: Shape, b: Shape): Shape {
  if (a.length === 0 || b.length === 0) fail("matmul does not take scalars");
  const left = a.length === 1 ? [1, a[0]!] : a;
  const right = b.length === 1 ? [b[0]!, 1] : b;
  const k1 = left[left.length - 1]!;
  const k2 = right[right.length - 2]!;
  if (!dimsAgree(k1, k2)) fail(`matmul: shapes ${fmt(a)} and ${fmt(b)} do not contract (${k1} vs ${k2})`);
  const batch = broadcastShapes([left.slice(0, -2), right.slice(0, -2)]);
  if (!batch.ok) fail(`matmul: batch shapes of ${fmt(a)} and ${fmt(b)} do not broadcast`);
  const out: Shape = [...batch.shapes[0]!];
  if (a.length > 1) out.push(left[left.length - 2]!);
  if (b.length > 1) out.push(right[right.length - 1]!);
  return out;
}

const transposed = (s: Shape): Shape => [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!];

/** Keras order for both operands: the contraction is over Keras' last axes. */
function kerasOrderLayout(a: Args, roles: string[], outRank: number): OpLayoutPlan {
  return {
    inputs: Object.fromEntries(roles.map((r) => [a.param(r), identity(a.tensor(r).shape.length)])),
    outputs: [identity(outRank)],
  };
}

const tfMatmul = [
  P.tensor("a", "x"),
  P.tensor("b", "y"),
  P.value("transpose_a", false),
  P.value("transpose_b", false),
  P.value("adjoint_a", false),
  P.value("adjoint_b", false),
  P.value("a_is_sparse", false),
  P.value("b_is_sparse", false),
  P.value("output_type", null),
  P.value("grad_a", false),
  P.value("grad_b", false),
  TF_NAME,
];

/** tf.matmul's transpose/adjoint flags (the same thing for real tensors). */
const flip = (a: Args, side: "a" | "b") => a.bool(`transpose_${side}`) || a.bool(`adjoint_${side}`);

export const matmulOp = defineOp({
  name: "matmul",
  summary: "`a @ b` / `torch.matmul(a, b)` (NumPy broadcasting; tf.matmul's transpose flags become `.mT`)",
  spellings: {
    "operator.matmul": [P.tensor("x"), P.tensor("y")],
    "keras.ops.matmul": [P.tensor("x1", "x"), P.tensor("x2", "y")],
    "tensorflow.matmul": tfMatmul,
    "tensorflow.linalg.matmul": tfMatmul,
  },
  inferShape: (a) => {
    const x = a.tensor("x");
    const y = a.tensor("y");
    const tf = a.qualifiedName.startsWith("tensorflow.");
    if (tf && (x.shape.length < 2 || y.shape.length < 2)) fail(`${a.qualifiedName} needs tensors of rank >= 2`);
    const left = tf && flip(a, "a") ? transposed(x.shape) : x.shape;
    const right = tf && flip(a, "b") ? transposed(y.shape) : y.shape;
    const output = a.value("output_type", null);
    return shapes([matmulShape(left, right)], [output === null ? promote([a.operand("x"), a.operand("y")]) : parseDtype(output)]);
  },
  layout: (a, ctx) => kerasOrderLayout(a, ["x", "y"], ctx.outputShapes[0]!.length),
  lower: (a) => {
    let x = arg(a.param("x"));
    let y = arg(a.param("y"));
    if (a.qualifiedName === "operator.matmul") return { k: "binop", op: "@", left: x, right: y };
    if (a.qualifiedName.startsWith("tensorflow.")) {
      if (flip(a, "a")) x = attr(x, "mT");
      if (flip(a, "b")) y = attr(y, "mT");
    }
    return call("torch.matmul", [x, y]);
  },
});

/**
 * NumPy's dot: keras.ops.dot and Keras 2's `K.dot`. Up to rank 2 on the right it is matmul; a
 * higher-rank `y` contracts x's last axis with y's second-to-last (`torch.tensordot`); a scalar
 * multiplies (keras.ops only: Keras 2's dot needs matrices).
 */
export const dotOp = defineOp({
  name: "dot",
  summary: "NumPy's dot: `torch.matmul`, or `torch.tensordot` over (x[-1], y[-2]) for a higher-rank y",
  spellings: { "keras.ops.dot": [P.tensor("x1", "x"), P.tensor("x2", "y")], "keras.backend.dot": [P.tensor("x"), P.tensor("y")] },
  inferShape: (a) => {
    const x = a.tensor("x").shape;
    const y = a.tensor("y").shape;
    const dtype = promote([a.operand("x"), a.operand("y")]);
    const keras2 = a.qualifiedName === "keras.backend.dot";
    if (keras2 && (y.length < 2 || x.length < 1)) fail("keras.backend.dot needs x of rank >= 1 and y of rank >= 2");
    if (x.length === 0 || y.length === 0) {
      const b = broadcastShapes([x, y]);
      return shapes([b.ok ? b.shapes[0]! : []], [dtype]);
    }
    if (y.length <= 2) return shapes([matmulShape(x, y)], [dtype]);
    if (!dimsAgree(x[x.length - 1]!, y[y.length - 2]!)) fail(`${a.qualifiedName}: shapes ${fmt(x)} and ${fmt(y)} do not contract`);
    return shapes([[...x.slice(0, -1), ...y.slice(0, -2), y[y.length - 1]!]], [dtype]);
  },
  layout: (a, ctx) => kerasOrderLayout(a, ["x", "y"], ctx.outputShapes[0]!.length),
  lower: (a) => {
    const x = a.tensor("x").shape;
    const y = a.tensor("y").shape;
    const [ex, ey] = [arg(a.param("x")), arg(a.param("y"))];
    if (x.length === 0 || y.length === 0) return { k: "binop", op: "*", left: ex, right: ey };
    if (y.length <= 2) return call("torch.matmul", [ex, ey]);
    return call("torch.tensordot", [ex, ey], [["dims", { k: "tuple", items: [list([lit(x.length - 1)]), list([lit(y.length - 2)])] }]]);
  },
});

/**
 * `axes` of tensordot, as the contracted axes of each operand: an int N (x's last N with y's first N),
 * or a pair of axes or axis lists (negative ones counted from the end).
 */
function tensordotAxes(a: Args, xRank: number, yRank: number): [number[], number[]] {
  const given = a.value("axes", 2);
  const norm = (axes: number[], rank: number) => axes.map((d) => (d < 0 ? d + rank : d));
  if (typeof given === "number" && Number.isInteger(given)) {
    if (given < 0 || given > Math.min(xRank, yRank)) fail(`${a.qualifiedName}: axes=${given} is more than the operands have`);
    return [Array.from({ length: given }, (_, i) => xRank - given + i), Array.from({ length: given }, (_, i) => i)];
  }
  const pair = Array.isArray(given) && given.length === 2 ? given.map((side) => (typeof side === "number" ? [side] : side)) : null;
  if (!pair || !pair.every((side) => Array.isArray(side) && side.every((d) => typeof d === "number" && Number.isInteger(d)))) {
    fail(`${a.qualifiedName}: axes must be an int or a pair of axis lists, got ${JSON.stringify(given)}`);
  }
  const [xs, ys] = [norm(pair![0] as number[], xRank), norm(pair![1] as number[], yRank)];
  if (xs.length !== ys.length) fail(`${a.qualifiedName}: the two axis lists differ in length`);
  if (xs.some((d) => d < 0 || d >= xRank) || ys.some((d) => d < 0 || d >= yRank)) fail(`${a.qualifiedName}: an axis is out of range`);
  return [xs, ys];
}

/** `tf.tensordot` / `keras.ops.tensordot`: the same contraction as `torch.tensordot`, in Keras' axis order. */
export const tensordotOp = defineOp({
  name: "tensordot",
  summary: "`torch.tensordot` over the same axes (the operands taken in Keras' axis order)",
  spellings: {
    "keras.ops.tensordot": [P.tensor("x1", "x"), P.tensor("x2", "y"), P.value("axes", 2)],
    "tensorflow.tensordot": [P.tensor("a", "x"), P.tensor("b", "y"), P.required("axes"), TF_NAME],
    "tensorflow.linalg.tensordot": [P.tensor("a", "x"), P.tensor("b", "y"), P.required("axes"), TF_NAME],
  },
  inferShape: (a) => {
    const x = a.tensor("x").shape;
    const y = a.tensor("y").shape;
    const [xs, ys] = tensordotAxes(a, x.length, y.length);
    xs.forEach((d, i) => {
      if (!dimsAgree(x[d]!, y[ys[i]!]!)) fail(`${a.qualifiedName}: shapes ${fmt(x)} and ${fmt(y)} do not contract over axes ${JSON.stringify([xs, ys])}`);
    });
    const kept = [...x.filter((_, i) => !xs.includes(i)), ...y.filter((_, i) => !ys.includes(i))];
    return shapes([kept], [promote([a.operand("x"), a.operand("y")])]);
  },
  layout: (a, ctx) => kerasOrderLayout(a, ["x", "y"], ctx.outputShapes[0]!.length),
  lower: (a) => {
    const [xs, ys] = tensordotAxes(a, a.tensor("x").shape.length, a.tensor("y").shape.length);
    return call("torch.tensordot", [arg(a.param("x")), arg(a.param("y"))], [["dims", { k: "tuple", items: [list(xs.map((d) => lit(d))), list(ys.map((d) => lit(d)))] }]]);
  },
});

// ---------------------------------------------------------------------------------------------
// einsum

interface Equation {
  inputs: string[];
  output: string;
}

/** Parses `ij,jk->ik` (spaces allowed, `...` for broadcast axes, implicit output when `->` is left out). */
export function parseEquation(equation: string, count: number): Equation {
  const eq = equation.replace(/\s+/g, "");
  const [lhs, rhs] = eq.includes("->") ? eq.split("->") : [eq, undefined];
  const inputs = lhs!.split(",");
  if (inputs.length !== count) fail(`einsum: the equation has ${inputs.length} operands, the call ${count}`);
  const valid = /^([a-zA-Z]|\.\.\.)*$/;
  for (const term of [...inputs, rhs ?? ""]) if (!valid.test(term)) fail(`einsum: cannot read the subscripts '${term}'`);
  let output = rhs;
  if (output === undefined) {
    // Implicit mode: the letters used once, in alphabetical order, after the broadcast axes.
    const letters = inputs.join("").replace(/\.\.\./g, "").split("");
    const once = [...new Set(letters)].filter((c) => letters.filter((d) => d === c).length === 1).sort();
    output = (inputs.some((t) => t.includes("...")) ? "..." : "") + once.join("");
  }
  return { inputs, output };
}

/** Splits a term into its axis labels; `...` becomes one `*` label. */
const labels = (term: string): string[] => term.replace(/\.\.\./g, "*").split("");

function einsumShape(eq: Equation, shapesIn: Shape[]): Shape {
  const sizes = new Map<string, number | null>();
  let broadcast: Shape = [];
  eq.inputs.forEach((term, i) => {
    const shape = shapesIn[i]!;
    const ls = labels(term);
    const ellipsis = ls.indexOf("*");
    const explicit = ls.length - (ellipsis >= 0 ? 1 : 0);
    if (ellipsis < 0 ? shape.length !== explicit : shape.length < explicit) {
      fail(`einsum: operand ${i} has rank ${shape.length}, the subscripts '${term}' say ${explicit}`);
    }
    const extra = shape.length - explicit;
    let pos = 0;
    for (const l of ls) {
      if (l === "*") {
        const dims = shape.slice(pos, pos + extra);
        const b = broadcastShapes([broadcast, dims]);
        if (!b.ok) fail("einsum: the broadcast axes do not broadcast");
        broadcast = b.shapes[0]!;
        pos += extra;
        continue;
      }
      const d = shape[pos++]!;
      const known = sizes.get(l);
      if (known !== undefined && known !== null && d !== null && known !== d && known !== 1 && d !== 1) {
        fail(`einsum: label '${l}' has sizes ${known} and ${d}`);
      }
      if (known === undefined || known === null || known === 1) sizes.set(l, d);
    }
  });
  return labels(eq.output).flatMap((l) => {
    if (l === "*") return broadcast;
    if (!sizes.has(l)) fail(`einsum: output label '${l}' is not in any input`);
    return [sizes.get(l)!];
  });
}

// Parameters after the variadic one are keyword-only, as in Python.
const einsumSpelling = [P.required("equation"), P.variadic("inputs", "operands"), P.value("optimize", null), TF_NAME];

export const einsumOp = defineOp({
  name: "einsum",
  summary: "`torch.einsum` with the same equation, each operand's subscripts rewritten to its layout",
  spellings: {
    "keras.ops.einsum": [P.required("subscripts", "equation"), P.variadic("operands")],
    "tensorflow.einsum": einsumSpelling,
    "tensorflow.linalg.einsum": einsumSpelling,
  },
  inferShape: (a) => {
    const ops = a.tensors("operands");
    const eq = parseEquation(a.str("equation"), ops.shapes.length);
    const operands: Operand[] = ops.dtypes.map((dtype, i) => ({ kind: "tensor", role: "operands", param: a.param("operands"), shape: ops.shapes[i]!, dtype }));
    return shapes([einsumShape(eq, ops.shapes)], [promote(operands)]);
  },
  layout: (a, ctx) => {
    const ops = a.tensors("operands");
    const eq = parseEquation(a.str("equation"), ops.shapes.length);
    const layouts = ctx.layouts[a.param("operands")] as Layout[];
    // Terms with `...` are kept in Keras order: the broadcast block has no letters to rewrite.
    const inputs = layouts.map((l, i) => (permOf(l) && !eq.inputs[i]!.includes("...") ? null : identity(ops.shapes[i]!.length)));
    return { inputs: { [a.param("operands")]: inputs }, outputs: [identity(ctx.outputShapes[0]!.length)] };
  },
  lower: (a, ctx) => {
    const ops = a.tensors("operands");
    const eq = parseEquation(a.str("equation"), ops.shapes.length);
    const layouts = ctx.layouts[a.param("operands")] as Layout[];
    // Torch dim j of an operand holds Keras axis perm[j], so its label is the Keras term's perm[j]-th.
    const terms = eq.inputs.map((term, i) => {
      const perm = permOf(layouts[i]);
      return perm && !term.includes("...") ? perm.map((p) => term[p]!).join("") : term;
    });
    const equation = `${terms.join(",")}->${eq.output}`;
    const written = a.str("equation").replace(/\s+/g, "");
    // Keep the author's spelling when nothing changed.
    const text = terms.every((t, i) => t === eq.inputs[i]) && written.includes("->") ? a.str("equation") : equation;
    return call("torch.einsum", [lit(text), ...ops.shapes.map((_, i) => arg(a.param("operands"), i))] as PyExpr[]);
  },
});

export const LINALG_OPS: readonly OpRule[] = [matmulOp, dotOp, tensordotOp, einsumOp];
