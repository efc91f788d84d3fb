// Elementwise operations: Python's arithmetic, comparison and bitwise operators, their function
// spellings in keras.ops / tf / tf.math / keras.backend, math functions, clip, where and cast.
// They broadcast like NumPy, so every operand keeps one shared layout (a conv net stays NCHW).
// A Python number where a tensor is expected stays a number, written back as the source wrote it.
import type { Layout, PyExpr } from "../ir/types.js";
import { broadcastShapes, sharedLayout } from "../rules/merging.js";
import { call, lit } from "../rules/util.js";
import type { OpLayoutContext, OpLayoutPlan, OpRule } from "./types.js";
import {
  type Args,
  type Operand,
  type ParamDef,
  type Spellings,
  P,
  TF_NAME,
  castTo,
  defineOp,
  fail,
  floatResult,
  isFloatDtype,
  numberExpr,
  operandExpr,
  parseDtype,
  promote,
  shapes,
} from "./util.js";

// ---------------------------------------------------------------------------------------------
// Spelling tables

interface Namespaces {
  keras?: string[];
  tf?: string[];
  tfMath?: string[];
  backend?: string[];
  operator?: string[];
}

/** The same parameter roles under every namespace that spells the function. */
function spell(ns: Namespaces, keras: ParamDef[], tf: ParamDef[], backend: ParamDef[] = tf, operator: ParamDef[] = backend): Spellings {
  const table: Spellings = {};
  for (const n of ns.keras ?? []) table[`keras.ops.${n}`] = keras;
  for (const n of ns.tf ?? []) table[`tensorflow.${n}`] = [...tf, TF_NAME];
  for (const n of ns.tfMath ?? []) table[`tensorflow.math.${n}`] = [...tf, TF_NAME];
  for (const n of ns.backend ?? []) table[`keras.backend.${n}`] = backend;
  for (const n of ns.operator ?? []) table[`operator.${n}`] = operator;
  return table;
}

const unarySpellings = (ns: Namespaces): Spellings => spell(ns, [P.tensor("x")], [P.tensor("x")]);
const binarySpellings = (ns: Namespaces): Spellings =>
  spell(ns, [P.tensor("x1", "x"), P.tensor("x2", "y")], [P.tensor("x"), P.tensor("y")]);

// ---------------------------------------------------------------------------------------------
// The shared machinery

/** Layout for broadcasting operands: one shared layout for the tensors among them (numbers have none). */
export function broadcastLayout(a: Args, ctx: OpLayoutContext, roles: string[]): OpLayoutPlan {
  const tensors = roles.filter((r) => a.isTensor(r));
  const plan = sharedLayout({
    inputShapes: tensors.map((r) => a.tensor(r).shape),
    inputLayouts: tensors.map((r) => ctx.layouts[a.param(r)] as Layout),
  });
  return { inputs: Object.fromEntries(tensors.map((r, i) => [a.param(r), plan.inputs[i]!])), outputs: [plan.outputs[0]!] };
}

interface ElementwiseDef {
  name: string;
  summary: string;
  spellings: Spellings;
  /** Roles of the operands that broadcast together (tensors or numbers). */
  operands: string[];
  dtype(operands: Operand[], a: Args): string;
  render(exprs: PyExpr[], a: Args, operands: Operand[]): PyExpr;
}

function elementwise(def: ElementwiseDef): OpRule {
  const operandsOf = (a: Args) => def.operands.map((r) => a.operand(r));
  return defineOp({
    name: def.name,
    summary: def.summary,
    spellings: def.spellings,
    inferShape: (a) => {
      const ops = operandsOf(a);
      if (!ops.some((o) => o.kind === "tensor")) fail(`${a.qualifiedName} on Python numbers only is not a tensor operation`);
      const shape = broadcastShapes(ops.map((o) => (o.kind === "tensor" ? o.shape : [])));
      if (!shape.ok) return shape;
      return shapes(shape.shapes, [def.dtype(ops, a)]);
    },
    layout: (a, ctx) => broadcastLayout(a, ctx, def.operands),
    lower: (a) => {
      const ops = operandsOf(a);
      return def.render(ops.map(operandExpr), a, ops);
    },
  });
}

const binop = (op: "+" | "-" | "*" | "/" | "//" | "%" | "**" | "&" | "|" | "^") => (e: PyExpr[]): PyExpr => ({
  k: "binop",
  op,
  left: e[0]!,
  right: e[1]!,
});
const fn = (f: string) => (e: PyExpr[]): PyExpr => call(f, e);
const keep = (ops: Operand[]) => promote(ops);
const boolean = () => "bool";

// ---------------------------------------------------------------------------------------------
// Arithmetic

const arithmetic = (
  name: string,
  ns: Namespaces,
  op: "+" | "-" | "*" | "/" | "//" | "%" | "**",
  summary: string,
  dtype: (ops: Operand[], a: Args) => string = keep,
  spellings: Spellings = binarySpellings(ns),
): OpRule => elementwise({ name, summary, spellings, operands: ["x", "y"], dtype, render: binop(op) });

export const addOp = arithmetic("add", { keras: ["add"], tf: ["add"], tfMath: ["add"], operator: ["add"] }, "+", "`a + b`");
export const subtractOp = arithmetic(
  "subtract",
  { keras: ["subtract"], tf: ["subtract"], tfMath: ["subtract"], operator: ["sub"] },
  "-",
  "`a - b`",
);
export const multiplyOp = arithmetic(
  "multiply",
  { keras: ["multiply"], tf: ["multiply"], tfMath: ["multiply"], operator: ["mul"] },
  "*",
  "`a * b`",
);
// True division: integers divide to floats in Keras, TensorFlow and PyTorch alike.
export const divideOp = arithmetic(
  "divide",
  { keras: ["divide", "true_divide"], tf: ["divide", "truediv"], tfMath: ["divide", "truediv"], operator: ["truediv"] },
  "/",
  "`a / b`",
  (ops) => floatResult(promote(ops)),
);
// PyTorch's `//` floors (since 1.13) and `%` takes the divisor's sign, as TensorFlow's floordiv/floormod.
export const floorDivideOp = arithmetic(
  "floor_divide",
  { keras: ["floor_divide"], tfMath: ["floordiv"], operator: ["floordiv"] },
  "//",
  "`a // b` (floor division)",
);
export const modOp = arithmetic(
  "mod",
  { keras: ["mod"], tfMath: ["mod", "floormod"], operator: ["mod"] },
  "%",
  "`a % b` (the result takes the divisor's sign)",
);
export const powerOp = arithmetic(
  "power",
  { keras: ["power"], tf: ["pow"], tfMath: ["pow"], backend: ["pow"], operator: ["pow"] },
  "**",
  "`a ** b`",
  keep,
  // keras.backend.pow(x, a) names the exponent `a`.
  spell(
    { keras: ["power"], tf: ["pow"], tfMath: ["pow"], backend: ["pow"], operator: ["pow"] },
    [P.tensor("x1", "x"), P.tensor("x2", "y")],
    [P.tensor("x"), P.tensor("y")],
    [P.tensor("x"), P.tensor("a", "y")],
    [P.tensor("x"), P.tensor("y")],
  ),
);

/** maximum/minimum: `torch.maximum` for two tensors, `torch.clamp` against a number. */
const extremum = (name: "maximum" | "minimum"): OpRule =>
  elementwise({
    name,
    summary: `\`torch.${name}\`, or \`torch.clamp\` against a number`,
    spellings: binarySpellings({ keras: [name], tf: [name], tfMath: [name], backend: [name] }),
    operands: ["x", "y"],
    dtype: keep,
    render: (e, _a, ops) => {
      if (ops[0]!.kind === "tensor" && ops[1]!.kind === "tensor") return call(`torch.${name}`, e);
      // Symmetric: put the tensor first. An integer tensor against a float becomes float first, as Keras promotes.
      const [t, n] = ops[0]!.kind === "tensor" ? [0, 1] : [1, 0];
      const tensor = ops[t]!;
      const number = ops[n]!;
      const x = tensor.kind === "tensor" && !isFloatDtype(tensor.dtype) && number.kind === "number" && number.float ? castTo(e[t]!, "float32") : e[t]!;
      return call("torch.clamp", [x], [[name === "maximum" ? "min" : "max", e[n]!]]);
    },
  });
export const maximumOp = extremum("maximum");
export const minimumOp = extremum("minimum");

export const squaredDifferenceOp = elementwise({
  name: "squared_difference",
  summary: "`torch.square(a - b)`",
  spellings: binarySpellings({ tfMath: ["squared_difference"] }),
  operands: ["x", "y"],
  dtype: keep,
  render: (e) => call("torch.square", [binop("-")(e)]),
});

// ---------------------------------------------------------------------------------------------
// Comparisons and logic

const comparison = (name: string, ns: Namespaces, op: "<" | "<=" | ">" | ">=" | "==" | "!="): OpRule =>
  elementwise({
    name,
    summary: `\`a ${op} b\` (bool)`,
    spellings: binarySpellings(ns),
    operands: ["x", "y"],
    dtype: boolean,
    render: (e) => ({ k: "compare", op, left: e[0]!, right: e[1]! }),
  });

export const greaterOp = comparison("greater", { keras: ["greater"], tf: ["greater"], tfMath: ["greater"], backend: ["greater"], operator: ["gt"] }, ">");
export const greaterEqualOp = comparison(
  "greater_equal",
  { keras: ["greater_equal"], tf: ["greater_equal"], tfMath: ["greater_equal"], backend: ["greater_equal"], operator: ["ge"] },
  ">=",
);
export const lessOp = comparison("less", { keras: ["less"], tf: ["less"], tfMath: ["less"], backend: ["less"], operator: ["lt"] }, "<");
export const lessEqualOp = comparison(
  "less_equal",
  { keras: ["less_equal"], tf: ["less_equal"], tfMath: ["less_equal"], backend: ["less_equal"], operator: ["le"] },
  "<=",
);
export const equalOp = comparison("equal", { keras: ["equal"], tf: ["equal"], tfMath: ["equal"], backend: ["equal"], operator: ["eq"] }, "==");
export const notEqualOp = comparison(
  "not_equal",
  { keras: ["not_equal"], tf: ["not_equal"], tfMath: ["not_equal"], backend: ["not_equal"], operator: ["ne"] },
  "!=",
);

/** The logical functions take any dtype (nonzero is True); Python constants are not accepted. */
const logical = (name: "logical_and" | "logical_or" | "logical_xor", tf = true): OpRule =>
  elementwise({
    name,
    summary: `\`torch.${name}\``,
    spellings: binarySpellings({ keras: [name], tf: tf ? [name] : [], tfMath: [name] }),
    operands: ["x", "y"],
    dtype: boolean,
    render: (e, a, ops) => {
      if (ops.some((o) => o.kind === "number")) fail(`${a.qualifiedName} with a Python constant is not supported`);
      return call(`torch.${name}`, e);
    },
  });
export const logicalAndOp = logical("logical_and");
export const logicalOrOp = logical("logical_or");
export const logicalXorOp = logical("logical_xor", false);

export const logicalNotOp = elementwise({
  name: "logical_not",
  summary: "`torch.logical_not`",
  spellings: unarySpellings({ keras: ["logical_not"], tf: ["logical_not"], tfMath: ["logical_not"] }),
  operands: ["x"],
  dtype: boolean,
  render: fn("torch.logical_not"),
});

/** `&`, `|`, `^` on tensors: logical on bools, bitwise on integers, in TensorFlow and PyTorch alike. */
const bitwise = (name: string, operator: string, op: "&" | "|" | "^"): OpRule =>
  elementwise({
    name,
    summary: `\`a ${op} b\``,
    spellings: binarySpellings({ operator: [operator] }),
    operands: ["x", "y"],
    dtype: keep,
    render: binop(op),
  });
export const bitwiseAndOp = bitwise("bitwise_and", "and_", "&");
export const bitwiseOrOp = bitwise("bitwise_or", "or_", "|");
export const bitwiseXorOp = bitwise("bitwise_xor", "xor", "^");

export const invertOp = elementwise({
  name: "invert",
  summary: "`~a` (logical not on bools, bitwise on integers)",
  spellings: unarySpellings({ operator: ["invert"] }),
  operands: ["x"],
  dtype: keep,
  render: (e) => ({ k: "unary", op: "~", operand: e[0]! }),
});

// ---------------------------------------------------------------------------------------------
// Unary math

const unary = (
  name: string,
  ns: Namespaces,
  render: (e: PyExpr[], a: Args) => PyExpr,
  summary: string,
  dtype: (ops: Operand[], a: Args) => string = keep,
  spellings: Spellings = unarySpellings(ns),
): OpRule => elementwise({ name, summary, spellings, operands: ["x"], dtype, render });

/** A math function that turns integers into floats. */
const floating = (ops: Operand[]) => floatResult(promote(ops));
const torchFn = (name: string, ns: Namespaces, dtype: (ops: Operand[]) => string = floating) =>
  unary(name, ns, fn(`torch.${name}`), `\`torch.${name}\``, dtype);

export const negativeOp = unary(
  "negative",
  { keras: ["negative"], tf: ["negative"], tfMath: ["negative"], operator: ["neg"] },
  (e) => ({ k: "unary", op: "-", operand: e[0]! }),
  "`-a`",
);
// No `operator.pos`: neither TensorFlow nor Keras tensors define unary `+`.
// Python's `abs(x)` resolves to operator.abs.
export const absOp = unary(
  "abs",
  { keras: ["abs", "absolute"], tf: ["abs"], tfMath: ["abs"], backend: ["abs"], operator: ["abs"] },
  fn("torch.abs"),
  "`torch.abs`",
);
export const expOp = torchFn("exp", { keras: ["exp"], tf: ["exp"], tfMath: ["exp"], backend: ["exp"] });
export const logOp = torchFn("log", { keras: ["log"], tfMath: ["log"], backend: ["log"] });
export const log1pOp = torchFn("log1p", { keras: ["log1p"], tfMath: ["log1p"] });
export const expm1Op = torchFn("expm1", { keras: ["expm1"], tfMath: ["expm1"] });
// keras.backend.sqrt (Keras 2) clips negative values to 0 first; the others give NaN there.
export const sqrtOp = unary(
  "sqrt",
  { keras: ["sqrt"], tf: ["sqrt"], tfMath: ["sqrt"], backend: ["sqrt"] },
  (e, a) => call("torch.sqrt", [a.qualifiedName === "keras.backend.sqrt" ? call("torch.clamp", [e[0]!], [["min", numberExpr(0, true)]]) : e[0]!]),
  "`torch.sqrt` (keras.backend.sqrt clamps at 0 first, as Keras 2 did)",
  floating,
);
export const rsqrtOp = torchFn("rsqrt", { keras: ["rsqrt"], tfMath: ["rsqrt"] });
export const squareOp = torchFn("square", { keras: ["square"], tf: ["square"], tfMath: ["square"], backend: ["square"] }, keep);
export const signOp = torchFn("sign", { keras: ["sign"], tf: ["sign"], tfMath: ["sign"], backend: ["sign"] }, keep);
export const floorOp = torchFn("floor", { keras: ["floor"], tf: ["floor"], tfMath: ["floor"] }, keep);
export const ceilOp = torchFn("ceil", { keras: ["ceil"], tfMath: ["ceil"] }, keep);
// Both round half to even; keras.ops.round also takes `decimals`.
export const roundOp = unary(
  "round",
  { keras: ["round"], tf: ["round"], tfMath: ["round"], backend: ["round"] },
  (e, a) => {
    const decimals = a.int("decimals", 0);
    return call("torch.round", [e[0]!], decimals === 0 ? [] : [["decimals", lit(decimals)]]);
  },
  "`torch.round` (half to even, as TensorFlow)",
  keep,
  spell({ keras: ["round"], tf: ["round"], tfMath: ["round"], backend: ["round"] }, [P.tensor("x"), P.value("decimals", 0)], [P.tensor("x")]),
);
export const sinOp = torchFn("sin", { keras: ["sin"], tf: ["sin"], tfMath: ["sin"], backend: ["sin"] });
export const cosOp = torchFn("cos", { keras: ["cos"], tf: ["cos"], tfMath: ["cos"], backend: ["cos"] });
export const tanOp = torchFn("tan", { keras: ["tan"], tf: ["tan"], tfMath: ["tan"] });
export const erfOp = torchFn("erf", { keras: ["erf"], tfMath: ["erf"] });
export const reciprocalOp = torchFn("reciprocal", { keras: ["reciprocal"], tfMath: ["reciprocal"] });

// ---------------------------------------------------------------------------------------------
// clip, where, cast

// tf.clip_by_value is max(min(x, hi), lo): when the bounds cross, `lo` wins, where torch.clamp gives `hi`.
// Static crossed bounds become (lo, lo); tensor bounds clamp twice in TensorFlow's order.
// Keras 2's clip also takes None for a missing bound.
export const clipOp = defineOp({
  name: "clip",
  summary: "`torch.clamp(x, min, max)` (tensor bounds clamp twice, in TensorFlow's order)",
  spellings: {
    "keras.ops.clip": [P.tensor("x"), P.tensor("x_min", "min"), P.tensor("x_max", "max")],
    "tensorflow.clip_by_value": [P.tensor("t", "x"), P.tensor("clip_value_min", "min"), P.tensor("clip_value_max", "max"), TF_NAME],
    "keras.backend.clip": [P.tensor("x"), P.optTensor("min_value", "min"), P.optTensor("max_value", "max")],
  },
  inferShape: (a) => {
    const ops = clipRoles(a).map((r) => a.operand(r));
    if (ops[0]!.kind !== "tensor") fail("`x` must be a tensor");
    const shape = broadcastShapes(ops.map((o) => (o.kind === "tensor" ? o.shape : [])));
    if (!shape.ok) return shape;
    return shapes(shape.shapes, [promote(ops)]);
  },
  layout: (a, ctx) => broadcastLayout(a, ctx, clipRoles(a)),
  lower: (a) => {
    const x = operandExpr(a.operand("x"));
    const bound = (role: string) => (clipRoles(a).includes(role) ? a.operand(role) : null);
    const lo = bound("min");
    let hi = bound("max");
    if (lo?.kind === "number" && hi?.kind === "number" && hi.value < lo.value) hi = lo;
    if (!lo && !hi) return x;
    if (lo && hi && (lo.kind === "tensor" || hi.kind === "tensor")) {
      return call("torch.clamp", [call("torch.clamp", [x], [["max", operandExpr(hi)]])], [["min", operandExpr(lo)]]);
    }
    if (lo && hi) return call("torch.clamp", [x, operandExpr(lo), operandExpr(hi)]);
    return call("torch.clamp", [x], [[lo ? "min" : "max", operandExpr((lo ?? hi)!)]]);
  },
});

/** The operand roles of a clip call: `x` and the bounds that are not None. */
const clipRoles = (a: Args): string[] => ["x", ...["min", "max"].filter((r) => a.isTensor(r) || a.value(r) !== null)];

/** `where(condition, x, y)` broadcasts all three; with only a condition it returns indices (refused). */
export const whereOp = defineOp({
  name: "where",
  summary: "`torch.where(condition, x, y)`; the one-argument form (indices of True) is refused",
  spellings: {
    "keras.ops.where": [P.tensor("condition"), P.optTensor("x1", "x"), P.optTensor("x2", "y")],
    "tensorflow.where": [P.tensor("condition"), P.optTensor("x"), P.optTensor("y"), TF_NAME],
  },
  inferShape: (a) => {
    const missing = ["x", "y"].filter((r) => !a.isTensor(r) && a.value(r) === null);
    if (missing.length) {
      fail(
        missing.length === 2
          ? `${a.qualifiedName}(condition) alone returns the coordinates of True elements, whose count depends on the data; not supported`
          : `${a.qualifiedName} needs both x and y`,
      );
    }
    const ops = ["condition", "x", "y"].map((r) => a.operand(r));
    if (ops[0]!.kind !== "tensor") fail("`condition` must be a tensor");
    const shape = broadcastShapes(ops.map((o) => (o.kind === "tensor" ? o.shape : [])));
    if (!shape.ok) return shape;
    return shapes(shape.shapes, [promote(ops.slice(1))]);
  },
  layout: (a, ctx) => broadcastLayout(a, ctx, ["condition", "x", "y"]),
  lower: (a) => {
    const cond = a.operand("condition");
    const c = operandExpr(cond);
    // torch.where wants a bool condition; Keras casts any other dtype (nonzero is True).
    return call("torch.where", [cond.kind === "tensor" && cond.dtype !== "bool" ? castTo(c, "bool") : c, operandExpr(a.operand("x")), operandExpr(a.operand("y"))]);
  },
});

export const castOp = elementwise({
  name: "cast",
  summary: "`x.float()`, `x.int()`... (`x.to(torch.<dtype>)` otherwise); floats cast to integers truncate toward zero in both",
  spellings: {
    "keras.ops.cast": [P.tensor("x"), P.required("dtype")],
    "tensorflow.cast": [P.tensor("x"), P.required("dtype"), TF_NAME],
    "keras.backend.cast": [P.tensor("x"), P.required("dtype")],
  },
  operands: ["x"],
  dtype: (_ops, a) => parseDtype(a.value("dtype")),
  render: (e, a) => castTo(e[0]!, parseDtype(a.value("dtype"))),
});

export const ELEMENTWISE_OPS: readonly OpRule[] = [
  addOp,
  subtractOp,
  multiplyOp,
  divideOp,
  floorDivideOp,
  modOp,
  powerOp,
  maximumOp,
  minimumOp,
  squaredDifferenceOp,
  greaterOp,
  greaterEqualOp,
  lessOp,
  lessEqualOp,
  equalOp,
  notEqualOp,
  logicalAndOp,
  logicalOrOp,
  logicalXorOp,
  logicalNotOp,
  bitwiseAndOp,
  bitwiseOrOp,
  bitwiseXorOp,
  invertOp,
  negativeOp,
  absOp,
  expOp,
  logOp,
  log1pOp,
  expm1Op,
  sqrtOp,
  rsqrtOp,
  squareOp,
  signOp,
  floorOp,
  ceilOp,
  roundOp,
  sinOp,
  cosOp,
  tanOp,
  erfOp,
  reciprocalOp,
  clipOp,
  whereOp,
  castOp,
];
