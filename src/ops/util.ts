// Helpers shared by the op rule modules: spelling tables (one parameter list per qualified name, each
// parameter tagged with the role the rule knows it by), typed readers of bound arguments, dtypes,
// layout algebra for axis-taking ops, and expression builders. Everything here is pure.
import { identity, normalizeAxis } from "../ir/layout.js";
import type { ConfigValue, Layout, PyExpr, Shape } from "../ir/types.js";
import { ConfigError, call, floatLit, lit, name } from "../rules/util.js";
import type {
  OpArgValue,
  OpLayoutContext,
  OpLayoutPlan,
  OpLowerContext,
  OpLowerResult,
  OpRule,
  OpShapeContext,
  OpShapeResult,
  OpSignature,
} from "./types.js";

export type OpParam = OpSignature["params"][number];

/** A parameter of one spelling and the role the rule reads it by (TensorFlow's `input_tensor` is `x`). */
export interface ParamDef {
  param: OpParam;
  role: string;
}

export const P = {
  tensor: (param: string, role = param): ParamDef => ({ param: { name: param, default: null, accepts: "tensor", required: true }, role }),
  /** A tensor argument that may be left out (`tf.where`'s `x` and `y`). */
  optTensor: (param: string, role = param): ParamDef => ({ param: { name: param, default: null, accepts: "tensor" }, role }),
  tensors: (param: string, role = param): ParamDef => ({ param: { name: param, default: null, accepts: "tensors", required: true }, role }),
  variadic: (param: string, role = param): ParamDef => ({
    param: { name: param, default: null, accepts: "tensors", variadic: true },
    role,
  }),
  value: (param: string, dflt: ConfigValue, role = param): ParamDef => ({ param: { name: param, default: dflt, accepts: "value" }, role }),
  required: (param: string, role = param): ParamDef => ({ param: { name: param, default: null, accepts: "value", required: true }, role }),
};

/** TensorFlow's `name=`: accepted everywhere, it names a graph node and changes nothing. */
export const TF_NAME = P.value("name", null, "tf_name");

/** Each qualified name this rule handles, with its Python parameter list. */
export type Spellings = Record<string, ParamDef[]>;

/** Typed access to one call's bound arguments, by role. */
export class Args {
  readonly qualifiedName: string;
  private readonly byRole = new Map<string, string>();

  constructor(
    private readonly ctx: OpShapeContext,
    defs: ParamDef[],
  ) {
    this.qualifiedName = ctx.qualifiedName;
    for (const d of defs) this.byRole.set(d.role, d.param.name);
  }

  /** The Python parameter name of a role (what `ctx.args`, layouts and placeholders are keyed by). */
  param(role: string): string {
    const p = this.byRole.get(role);
    if (p === undefined) throw new Error(`${this.qualifiedName} has no parameter for role ${role}`);
    return p;
  }

  has(role: string): boolean {
    return this.byRole.has(role);
  }

  raw(role: string): OpArgValue | undefined {
    return this.has(role) ? this.ctx.args[this.param(role)] : undefined;
  }

  isTensor(role: string): boolean {
    return this.raw(role)?.kind === "tensor";
  }

  tensor(role: string): { shape: Shape; dtype: string } {
    const v = this.raw(role);
    if (v?.kind !== "tensor") throw new ConfigError(`\`${this.param(role)}\` must be a tensor`);
    return v;
  }

  tensors(role: string): { shapes: Shape[]; dtypes: string[] } {
    const v = this.raw(role);
    if (v?.kind !== "tensors") throw new ConfigError(`\`${this.param(role)}\` must be a list of tensors`);
    return v;
  }

  /** A static argument; missing roles read as `fallback` (spellings without that parameter). */
  value(role: string, fallback: ConfigValue = null): ConfigValue {
    if (!this.has(role)) return fallback;
    const v = this.raw(role);
    if (v === undefined) return fallback;
    if (v.kind !== "value") throw new ConfigError(`\`${this.param(role)}\` must be a static value, not a tensor`);
    return v.value;
  }

  isFloat(role: string): boolean {
    const v = this.raw(role);
    return v?.kind === "value" && v.float === true;
  }

  num(role: string, fallback?: number): number {
    const v = this.value(role, fallback ?? null);
    if (typeof v === "number") return v;
    if (typeof v === "boolean") return v ? 1 : 0;
    throw new ConfigError(`\`${this.nameOr(role)}\` must be a number, got ${show(v)}`);
  }

  optNum(role: string): number | null {
    const v = this.value(role);
    return v === null ? null : this.num(role);
  }

  int(role: string, fallback?: number): number {
    const v = this.num(role, fallback);
    if (!Number.isInteger(v)) throw new ConfigError(`\`${this.nameOr(role)}\` must be an integer, got ${v}`);
    return v;
  }

  bool(role: string, fallback = false): boolean {
    const v = this.value(role, fallback);
    if (typeof v === "boolean") return v;
    if (typeof v === "number") return v !== 0;
    throw new ConfigError(`\`${this.nameOr(role)}\` must be True or False, got ${show(v)}`);
  }

  str(role: string, fallback?: string): string {
    const v = this.value(role, fallback ?? null);
    if (typeof v === "string") return v;
    throw new ConfigError(`\`${this.nameOr(role)}\` must be a string, got ${show(v)}`);
  }

  /** `null` (every axis), one int, or a list of ints. */
  axes(role: string, fallback: ConfigValue = null): number[] | null {
    const v = this.value(role, fallback);
    if (v === null) return null;
    if (typeof v === "number" && Number.isInteger(v)) return [v];
    if (Array.isArray(v) && v.every((a) => typeof a === "number" && Number.isInteger(a))) return v as number[];
    throw new ConfigError(`\`${this.nameOr(role)}\` must be an int, a list of ints or None, got ${show(v)}`);
  }

  /** A list of ints (a shape, a permutation, split sizes). `null` entries are kept. */
  ints(role: string): (number | null)[] {
    const v = this.value(role);
    if (typeof v === "number" && Number.isInteger(v)) return [v];
    if (Array.isArray(v) && v.every((a) => a === null || (typeof a === "number" && Number.isInteger(a)))) return v as (number | null)[];
    throw new ConfigError(`\`${this.nameOr(role)}\` must be a list of ints, got ${show(v)}`);
  }

  /** A tensor operand that may be a Python number (promoted to a constant), as broadcasting ops take. */
  operand(role: string): Operand {
    const v = this.raw(role);
    if (v?.kind === "tensor") return { kind: "tensor", role, param: this.param(role), shape: v.shape, dtype: v.dtype };
    if (v?.kind === "value" && (typeof v.value === "number" || typeof v.value === "boolean")) {
      return { kind: "number", value: v.value, float: v.float === true || (typeof v.value === "number" && !Number.isInteger(v.value)) };
    }
    if (v === undefined || (v.kind === "value" && v.value === null)) throw new ConfigError(`\`${this.nameOr(role)}\` is missing`);
    throw new ConfigError(`\`${this.nameOr(role)}\` must be a tensor or a number, got ${v?.kind === "value" ? show(v.value) : "a list of tensors"}`);
  }

  private nameOr(role: string): string {
    return this.byRole.get(role) ?? role;
  }
}

export type Operand =
  | { kind: "tensor"; role: string; param: string; shape: Shape; dtype: string }
  | { kind: "number"; value: number | boolean; float: boolean };

const show = (v: ConfigValue): string => (v === null ? "None" : JSON.stringify(v));

// ---------------------------------------------------------------------------------------------
// Defining a rule

export interface OpDef {
  name: string;
  summary: string;
  spellings: Spellings;
  inferShape(a: Args, ctx: OpShapeContext): OpShapeResult;
  layout(a: Args, ctx: OpLayoutContext): OpLayoutPlan;
  lower(a: Args, ctx: OpLowerContext): PyExpr;
}

/**
 * Builds an OpRule from a definition: the signature comes from the spelling table, and the config
 * readers' `ConfigError`s become `{ok: false}` results instead of escaping.
 */
export function defineOp(def: OpDef): OpRule {
  const defs = (qualifiedName: string): ParamDef[] => {
    const found = def.spellings[qualifiedName];
    if (!found) throw new Error(`op rule ${def.name} does not handle ${qualifiedName}`);
    return found;
  };
  return {
    name: def.name,
    qualifiedNames: Object.keys(def.spellings),
    summary: def.summary,
    signature: (qualifiedName) => ({ params: defs(qualifiedName).map((d) => d.param) }),
    inferShape: (ctx) => guard(() => def.inferShape(new Args(ctx, defs(ctx.qualifiedName)), ctx)),
    layout: (ctx) => def.layout(new Args(ctx, defs(ctx.qualifiedName)), ctx),
    lower: (ctx): OpLowerResult => guard(() => ({ ok: true, expr: def.lower(new Args(ctx, defs(ctx.qualifiedName)), ctx) })),
  };
}

function guard<T>(run: () => T | { ok: false; message: string }): T | { ok: false; message: string } {
  try {
    return run();
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, message: e.message };
    throw e;
  }
}

export function shapes(shapeList: Shape[], dtypes: string[]): OpShapeResult {
  return { ok: true, shapes: shapeList, dtypes };
}

export function fail(message: string): never {
  throw new ConfigError(message);
}

/**
 * A `shape` argument as data, and as the expression that computes it: inside a `call` a size known only
 * at run time (`tf.shape(x)[0]`, the batch) is that expression; elsewhere every size must be static, and
 * `whenUnknown` says what to do instead.
 */
export function shapeArgument(a: Args, whenUnknown: string): { shape: (number | null)[]; expr: PyExpr } {
  const raw = a.raw("shape");
  const dims = a.ints("shape");
  if (raw?.kind === "value" && raw.expr) return { shape: dims, expr: raw.expr };
  if (dims.some((d) => d === null)) fail(`${a.qualifiedName}: the shape must be static here; ${whenUnknown}`);
  return { shape: dims, expr: { k: "tuple", items: dims.map((d) => lit(d)) } };
}

// ---------------------------------------------------------------------------------------------
// Expressions

export const arg = (param: string, index?: number): PyExpr => (index === undefined ? { k: "arg", name: param } : { k: "arg", name: param, index });

/** A Python number as the source wrote it: `2` stays an int, `2.0` a float. */
export function numberExpr(value: number | boolean, float: boolean): PyExpr {
  if (typeof value === "boolean") return lit(value);
  return float || !Number.isInteger(value) ? floatLit(value) : lit(value);
}

export function operandExpr(op: Operand): PyExpr {
  return op.kind === "tensor" ? arg(op.param) : numberExpr(op.value, op.float);
}

export const attr = (obj: PyExpr, n: string): PyExpr => ({ k: "attr", obj, name: n });
export const method = (obj: PyExpr, m: string, args: PyExpr[] = [], kwargs: [string, PyExpr][] = []): PyExpr =>
  call(attr(obj, m), args, kwargs);
export const ints = (values: number[]): PyExpr => ({ k: "tuple", items: values.map((v) => lit(v)) });
export const list = (items: PyExpr[]): PyExpr => ({ k: "list", items });

/** `dim=-1` reads better than `dim=3` for the last dim. */
export const dimExpr = (dim: number, rank: number): PyExpr => lit(dim === rank - 1 && rank > 1 ? -1 : dim);

// ---------------------------------------------------------------------------------------------
// Dtypes (Keras spellings: float32, int32, bool...)

const FLOATS = ["float16", "bfloat16", "float32", "float64"];
const INTS = ["bool", "uint8", "int8", "int16", "int32", "int64"];

export const isFloatDtype = (d: string): boolean => FLOATS.includes(d);
export const isIntDtype = (d: string): boolean => INTS.includes(d) && d !== "bool";

/** The dtype an elementwise op produces from its operands (NumPy-like promotion; Python floats give float32). */
export function promote(operands: Operand[]): string {
  const tensors = operands.filter((o) => o.kind === "tensor").map((o) => o.dtype);
  const floats = tensors.filter(isFloatDtype);
  if (floats.length) return widest(floats, FLOATS);
  if (operands.some((o) => o.kind === "number" && o.float)) return "float32";
  const ints = tensors.filter(isIntDtype);
  if (ints.length) return widest(ints, INTS);
  if (operands.some((o) => o.kind === "number" && typeof o.value === "number")) return "int64";
  return tensors[0] ?? "float32";
}

function widest(dtypes: string[], order: string[]): string {
  return dtypes.reduce((a, b) => (order.indexOf(b) > order.indexOf(a) ? b : a));
}

/** Float result of a math function: integer inputs become float32, as Keras and PyTorch both do. */
export const floatResult = (dtype: string): string => (isFloatDtype(dtype) ? dtype : "float32");

const TORCH_DTYPES = new Set([...FLOATS, ...INTS, "uint16", "uint32", "uint64", "complex64", "complex128"]);

/**
 * A dtype argument as the frontend passes it: a string (`'float32'`, `tf.float32` resolved to
 * `'tensorflow.float32'`, NumPy's `'float'`...). Returns the Keras spelling.
 */
export function parseDtype(value: ConfigValue): string {
  if (typeof value !== "string") throw new ConfigError(`dtype must be a dtype name, got ${show(value)}`);
  let d = value.replace(/^(tensorflow|tf|torch|numpy|np|keras)\./, "").replace(/^dtypes\./, "");
  // Keras' standardize_dtype: Python's `float` is float32 and `int` is int64 (TensorFlow backend).
  if (d === "float") d = "float32";
  if (d === "int") d = "int64";
  if (d === "bool_") d = "bool";
  if (!TORCH_DTYPES.has(d)) throw new ConfigError(`dtype '${value}' is not supported`);
  return d;
}

export const torchDtype = (dtype: string): PyExpr => name(`torch.${dtype}`);

/** Tensor methods that cast, as PyTorch code writes them (they also need no `import torch`). */
const CAST_METHODS: Record<string, string> = {
  float32: "float",
  float64: "double",
  float16: "half",
  bfloat16: "bfloat16",
  int64: "long",
  int32: "int",
  int16: "short",
  int8: "char",
  uint8: "byte",
  bool: "bool",
};

/** `x.float()`, `x.long()`...; `x.to(torch.<dtype>)` for the rest. */
export const castTo = (x: PyExpr, dtype: string): PyExpr => (CAST_METHODS[dtype] ? method(x, CAST_METHODS[dtype]!) : method(x, "to", [torchDtype(dtype)]));

// ---------------------------------------------------------------------------------------------
// Shapes and axes

/** Normalizes and range-checks axes against a rank (errors name the source's value). */
export function checkAxes(axes: number[], rank: number): number[] {
  const out = axes.map((a) => {
    if (a < -rank || a >= rank) fail(`axis ${a} is out of range for a rank-${rank} tensor`);
    return normalizeAxis(a, rank);
  });
  if (new Set(out).size !== out.length) fail(`repeated axis in ${JSON.stringify(axes)}`);
  return out;
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** The `perm` of a layout, or null for a flattened one. */
export const permOf = (layout: Layout | undefined): number[] | null => (layout && layout.kind === "perm" ? layout.perm : null);

/** A perm layout of the given rank as it is, anything else asks for Keras order. */
export function permOrIdentity(layout: Layout | undefined, rank: number): Layout {
  const perm = permOf(layout);
  return perm && perm.length === rank ? { kind: "perm", perm } : identity(rank);
}

/** The layout left after removing Keras axes `removed` from a tensor in layout `perm`. */
export function dropAxes(perm: number[], removed: number[]): number[] {
  return perm.filter((p) => !removed.includes(p)).map((p) => p - removed.filter((r) => r < p).length);
}

/**
 * Inserts a new Keras axis `axis` (numbered in the result) into a tensor in layout `perm`. The new
 * axis goes just before the axis that follows it in Keras order, or last: identity stays identity,
 * and NCHW with a trailing axis gets it trailing. Returns the new perm and the torch dim it sits at.
 */
export function insertAxis(perm: number[], axis: number): { perm: number[]; dim: number } {
  const shifted = perm.map((p) => (p >= axis ? p + 1 : p));
  const next = shifted.indexOf(axis + 1);
  const dim = next === -1 ? shifted.length : next;
  return { perm: [...shifted.slice(0, dim), axis, ...shifted.slice(dim)], dim };
}

export const permLayout = (perm: number[]): Layout => ({ kind: "perm", perm });

/** Joins the layouts of tensors that must share one, as `sharedLayout` does for layers. */
export function commonPerm(layouts: Layout[], rank: number): number[] {
  const perms = layouts.map(permOf);
  if (perms.some((p) => p === null || p.length !== rank)) return range(rank);
  const first = perms.find((p) => p!.some((v, i) => v !== i));
  return first ?? range(rank);
}
