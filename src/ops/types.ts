// The contract between the compiler and an operation rule (`OpRule`): the twin of `LayerRule` for
// functions applied to tensors — `keras.ops.*`, `tf.*`, `tf.math.*`, `tf.nn.*`, `tf.linalg.*`,
// `keras.activations.*`, `keras.backend.*`, Python's operators, slicing and `x.shape`. An op rule is
// data plus pure functions: it never touches the graph, the emitter or the file system.
import type { ConfigValue, Layout, PyExpr, Shape } from "../ir/types.js";
import type { ParamSpec } from "../rules/types.js";

/** How one argument of an op call arrived: a tensor, a list of tensors, or a static value. */
export type OpArgKind = "tensor" | "tensors" | "value";

/** What a rule sees of its bound arguments. Tensor arguments carry shapes; static ones their value. */
export type OpArgValue =
  | { kind: "tensor"; shape: Shape; dtype: string }
  | { kind: "tensors"; shapes: Shape[]; dtypes: string[] }
  /** `float`: the number was a Python float (`2.0`), so that rules can write it back as one. */
  | {
      kind: "value";
      value: ConfigValue;
      float?: boolean;
      /** Set when part of the value is only known at run time (`(batch, 4)` with `batch = tf.shape(x)[0]`): its expression; those parts read as null in `value`. */
      expr?: PyExpr;
    };

export interface OpSignature {
  /** Positional order is the array order; `aliases` are other spellings (TensorFlow's `a`, `dim`...). */
  params: (ParamSpec & {
    /** What the argument may be: a tensor (a number is promoted to a constant), a list of tensors, a static value. */
    accepts: OpArgKind;
    /** A parameter without a default must be given. */
    required?: boolean;
    /** `*args`: collects the remaining positional arguments (a `tensors` argument, e.g. einsum's operands). */
    variadic?: boolean;
  })[];
}

export interface OpShapeContext {
  /** The op's qualified name as the source spelled it after resolution (`tensorflow.reduce_mean`). */
  qualifiedName: string;
  args: Record<string, OpArgValue>;
}

export type OpShapeResult =
  | { ok: true; shapes: Shape[]; dtypes: string[] }
  | { ok: false; message: string };

export interface OpLayoutContext extends OpShapeContext {
  /** The layout of each tensor argument, by parameter name (a list for `tensors` parameters). */
  layouts: Record<string, Layout | Layout[]>;
  outputShapes: Shape[];
}

/** The layout each tensor argument must be converted to (null: as it is) and the outputs' layouts. */
export interface OpLayoutPlan {
  inputs: Record<string, Layout | (Layout | null)[] | null>;
  outputs: Layout[];
}

export interface OpLowerContext extends OpShapeContext {
  /** Layouts after conversion, by parameter name. */
  layouts: Record<string, Layout | Layout[]>;
  outputShapes: Shape[];
  outputLayouts: Layout[];
}

/**
 * The PyTorch expression. `{k: "arg", name}` stands for a tensor argument's expression and
 * `{k: "arg", name, index}` for one item of a `tensors` argument; the compiler substitutes them.
 */
export type OpLowerResult = { ok: true; expr: PyExpr } | { ok: false; message: string };

export interface OpRule {
  /** Stable id, used in docs and coverage: `matmul`, `reduce_mean`... */
  name: string;
  /** Canonical qualified names this rule handles (after import resolution): `keras.ops.matmul`, `tensorflow.matmul`. */
  qualifiedNames: string[];
  /** One line for the supported-operations table. */
  summary: string;
  signature(qualifiedName: string): OpSignature;
  inferShape(ctx: OpShapeContext): OpShapeResult;
  layout(ctx: OpLayoutContext): OpLayoutPlan;
  lower(ctx: OpLowerContext): OpLowerResult;
}
