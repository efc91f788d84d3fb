// Activation functions called as operations: keras.activations.*, keras.ops.*, tf.nn.*, tf.math.*,
// tf.sigmoid/tf.tanh and Keras 2's backend. The PyTorch expression comes from the layer rules'
// `applyActivation`, so an activation translates the same wherever it is written. Defaults differ
// per namespace and are part of each spelling: keras.ops.gelu approximates (tanh), keras.activations.gelu
// does not; tf.nn.leaky_relu calls the slope `alpha` (0.2); tf.nn.softmax's axis=None is the last axis.
import { identity } from "../ir/layout.js";
import type { Layout, PyExpr } from "../ir/types.js";
import { type ActivationSpec, applyActivation } from "../rules/activations.js";
import { call } from "../rules/util.js";
import type { OpRule } from "./types.js";
import { type Args, type ParamDef, type Spellings, P, TF_NAME, arg, defineOp, fail, floatResult, numberExpr, permOrIdentity, shapes } from "./util.js";

interface ActivationDef {
  /** The Keras activation this rule applies (`applyActivation`'s name). */
  activation: string;
  summary?: string;
  spellings: Spellings;
  /** Roles that are activation arguments (`negative_slope`, `axis`...), beyond the tensor `x`. */
  args?: string[];
}

const x = P.tensor("x");
const features = P.tensor("features", "x");
const logits = P.tensor("logits", "x");

function activationOp(def: ActivationDef): OpRule {
  const spec = (a: Args): ActivationSpec => {
    const args: Record<string, unknown> = {};
    for (const role of def.args ?? []) {
      if (!a.has(role)) continue;
      const v = a.value(role);
      // tf.nn.softmax(axis=None) is the last axis; Keras' functions default to -1 already.
      if (v !== null) args[role] = v;
    }
    return { name: def.activation, args };
  };
  return defineOp({
    name: def.activation,
    summary: def.summary ?? `\`${renderName(def.activation)}\``,
    spellings: def.spellings,
    inferShape: (a) => {
      const t = a.tensor("x");
      if (def.activation !== "glu") return shapes([t.shape], [floatResult(t.dtype)]);
      // glu halves its axis (keras.ops.glu's output spec; the Activation layer keeps the shape).
      const axis = a.has("axis") ? a.value("axis") : -1;
      if (typeof axis !== "number") fail(`${a.qualifiedName} over several axes is not supported yet`);
      const shape = [...t.shape];
      const at = axis < 0 ? axis + shape.length : axis;
      const size = shape[at];
      if (size !== null && size !== undefined && size % 2 !== 0) fail(`${a.qualifiedName}: axis size ${size} must be divisible by 2`);
      if (size !== null && size !== undefined) shape[at] = size / 2;
      return shapes([shape], [floatResult(t.dtype)]);
    },
    layout: (a, ctx) => {
      const t = a.tensor("x");
      const layout = ctx.layouts[a.param("x")] as Layout;
      const rank = t.shape.length;
      // Softmax over a flattened NCHW tensor is only order-free over all its features.
      if (def.activation === "glu" && layout.kind === "flat") return { inputs: { [a.param("x")]: identity(rank) }, outputs: [identity(rank)] };
      if ((def.activation === "softmax" || def.activation === "log_softmax" || def.activation === "sparsemax") && layout.kind === "flat") {
        const axis = spec(a).args.axis ?? -1;
        if (!(rank === 2 && (axis === -1 || axis === 1))) return { inputs: { [a.param("x")]: identity(rank) }, outputs: [identity(rank)] };
        return { inputs: { [a.param("x")]: null }, outputs: [layout] };
      }
      if (layout.kind === "flat") return { inputs: { [a.param("x")]: null }, outputs: [layout] };
      const kept = permOrIdentity(layout, rank);
      return { inputs: { [a.param("x")]: null }, outputs: [kept] };
    },
    lower: (a, ctx) => {
      const t = a.tensor("x");
      const layout = ctx.layouts[a.param("x")] as Layout;
      if (a.has("beta") && a.num("beta") !== 1) {
        // tf.nn.silu(features, beta): x * sigmoid(beta * x).
        const input = arg(a.param("x"));
        return { k: "binop", op: "*", left: input, right: call("torch.sigmoid", [{ k: "binop", op: "*", left: numberExpr(a.num("beta"), true), right: input }]) };
      }
      const s = spec(a);
      if (typeof s.args.axis === "object" && s.args.axis !== null) fail(`${a.qualifiedName} over several axes is not supported yet`);
      return applyActivation(arg(a.param("x")), s, layout, t.shape.length) as PyExpr;
    },
  });
}

const renderName = (activation: string): string =>
  ({ sigmoid: "torch.sigmoid", tanh: "torch.tanh", exponential: "torch.exp", linear: "x" })[activation] ?? `F.${activation}`;

/** keras.activations and keras.ops spell `x`; tf.nn `features` (or `logits`); every tf.* also takes `name`. */
function spellings(opts: {
  activations?: string[];
  ops?: string[];
  nn?: ParamDef[];
  nnNames?: string[];
  math?: string[];
  tf?: string[];
  backend?: string[];
  extra?: ParamDef[];
  opsExtra?: ParamDef[];
  nnExtra?: ParamDef[];
  backendExtra?: ParamDef[];
}): Spellings {
  const table: Spellings = {};
  const extra = opts.extra ?? [];
  for (const n of opts.activations ?? []) table[`keras.activations.${n}`] = [x, ...extra];
  for (const n of opts.ops ?? []) table[`keras.ops.${n}`] = [x, ...(opts.opsExtra ?? extra)];
  for (const n of opts.tf ?? []) table[`tensorflow.${n}`] = [x, TF_NAME];
  const first = opts.nn?.[0] ?? features;
  for (const n of opts.math ?? []) table[`tensorflow.math.${n}`] = [first, ...(opts.nnExtra ?? []), TF_NAME];
  for (const n of opts.nnNames ?? []) table[`tensorflow.nn.${n}`] = [first, ...(opts.nnExtra ?? []), TF_NAME];
  for (const n of opts.backend ?? []) table[`keras.backend.${n}`] = [x, ...(opts.backendExtra ?? extra)];
  return table;
}

export const linearOp = activationOp({ activation: "linear", summary: "the input itself", spellings: spellings({ activations: ["linear"] }) });

export const reluOp = activationOp({
  activation: "relu",
  summary: "`F.relu` (`F.leaky_relu`, `F.relu6`, `F.hardtanh` or a helper with Keras' relu arguments)",
  spellings: spellings({
    activations: ["relu"],
    ops: ["relu"],
    nnNames: ["relu"],
    extra: [P.value("negative_slope", 0.0), P.value("max_value", null), P.value("threshold", 0.0)],
    opsExtra: [],
    // Keras 2 called the slope `alpha`.
    backendExtra: [P.value("alpha", 0.0, "negative_slope"), P.value("max_value", null), P.value("threshold", 0.0)],
    backend: ["relu"],
  }),
  args: ["negative_slope", "max_value", "threshold"],
});

export const relu6Op = activationOp({ activation: "relu6", spellings: spellings({ activations: ["relu6"], ops: ["relu6"], nnNames: ["relu6"] }) });

export const eluOp = activationOp({
  activation: "elu",
  spellings: spellings({ activations: ["elu"], ops: ["elu"], nnNames: ["elu"], backend: ["elu"], extra: [P.value("alpha", 1.0)] }),
  args: ["alpha"],
});

export const seluOp = activationOp({ activation: "selu", spellings: spellings({ activations: ["selu"], ops: ["selu"], nnNames: ["selu"] }) });

export const geluOp = activationOp({
  activation: "gelu",
  summary: "`F.gelu` (keras.ops.gelu defaults to the tanh approximation, the others to the exact form)",
  spellings: spellings({
    activations: ["gelu"],
    ops: ["gelu"],
    nnNames: ["gelu"],
    extra: [P.value("approximate", false)],
    opsExtra: [P.value("approximate", true)],
    nnExtra: [P.value("approximate", false)],
  }),
  args: ["approximate"],
});

export const sigmoidOp = activationOp({
  activation: "sigmoid",
  spellings: spellings({ activations: ["sigmoid"], ops: ["sigmoid"], tf: ["sigmoid"], math: ["sigmoid"], nnNames: ["sigmoid"], nn: [x], backend: ["sigmoid"] }),
});

export const hardSigmoidOp = activationOp({
  activation: "hard_sigmoid",
  summary: "`F.hardsigmoid` (Keras 3's relu6(x + 3) / 6)",
  spellings: spellings({ activations: ["hard_sigmoid"], ops: ["hard_sigmoid"] }),
});

/** Keras 2's hard_sigmoid; `keras.backend.hard_sigmoid` exists only in Keras 2 (src/passes/keras-version.ts maps the others). */
export const keras2HardSigmoidOp = activationOp({
  activation: "keras2_hard_sigmoid",
  summary: "Keras 2's `clip(0.2 * x + 0.5, 0, 1)` (`keras2_hard_sigmoid`)",
  spellings: spellings({ backend: ["hard_sigmoid"] }),
});

export const siluOp = activationOp({
  activation: "silu",
  summary: "`F.silu`; tf.nn's `beta` gives `x * torch.sigmoid(beta * x)`",
  spellings: spellings({ activations: ["silu", "swish"], ops: ["silu", "swish"], nnNames: ["silu", "swish"], nnExtra: [P.value("beta", 1.0)] }),
});

export const hardSiluOp = activationOp({
  activation: "hard_silu",
  summary: "`F.hardswish`",
  spellings: spellings({ activations: ["hard_silu", "hard_swish"], ops: ["hard_silu", "hard_swish"] }),
});

export const tanhOp = activationOp({
  activation: "tanh",
  spellings: spellings({ activations: ["tanh"], ops: ["tanh"], tf: ["tanh"], math: ["tanh"], nnNames: ["tanh"], nn: [x], backend: ["tanh"] }),
});

export const softmaxOp = activationOp({
  activation: "softmax",
  summary: "`F.softmax(x, dim=...)` with the axis remapped to the layout",
  spellings: spellings({
    activations: ["softmax"],
    ops: ["softmax"],
    math: ["softmax"],
    nnNames: ["softmax"],
    nn: [logits],
    backend: ["softmax"],
    extra: [P.value("axis", -1)],
    nnExtra: [P.value("axis", null)],
  }),
  args: ["axis"],
});

export const logSoftmaxOp = activationOp({
  activation: "log_softmax",
  summary: "`F.log_softmax(x, dim=...)` with the axis remapped to the layout",
  spellings: spellings({
    activations: ["log_softmax"],
    ops: ["log_softmax"],
    math: ["log_softmax"],
    nnNames: ["log_softmax"],
    nn: [logits],
    extra: [P.value("axis", -1)],
    nnExtra: [P.value("axis", null)],
  }),
  args: ["axis"],
});

export const softplusOp = activationOp({
  activation: "softplus",
  spellings: spellings({ activations: ["softplus"], ops: ["softplus"], math: ["softplus"], nnNames: ["softplus"], backend: ["softplus"] }),
});

export const softsignOp = activationOp({
  activation: "softsign",
  spellings: spellings({ activations: ["softsign"], ops: ["softsign"], math: ["softsign"], nnNames: ["softsign"], backend: ["softsign"] }),
});

export const leakyReluOp = activationOp({
  activation: "leaky_relu",
  summary: "`F.leaky_relu` with the function's default slope 0.2",
  spellings: spellings({
    activations: ["leaky_relu"],
    ops: ["leaky_relu"],
    nnNames: ["leaky_relu"],
    extra: [P.value("negative_slope", 0.2)],
    // TensorFlow spells the slope `alpha`.
    nnExtra: [P.value("alpha", 0.2, "negative_slope")],
  }),
  args: ["negative_slope"],
});

export const mishOp = activationOp({ activation: "mish", spellings: spellings({ activations: ["mish"] }) });

export const exponentialOp = activationOp({ activation: "exponential", spellings: spellings({ activations: ["exponential"] }) });

/** Keras 3's newer activations: the same function in keras.activations and keras.ops. */
const kerasActivation = (activation: string, extra: ParamDef[] = [], summary?: string): OpRule =>
  activationOp({
    activation,
    summary,
    spellings: spellings({ activations: [activation], ops: [activation], extra }),
    args: extra.map((p) => p.role),
  });

export const celuOp = kerasActivation("celu", [P.value("alpha", 1.0)]);
export const gluOp = kerasActivation("glu", [P.value("axis", -1)], "`F.glu` (its axis in Keras order: a flattened channels-first tensor is reordered first)");
export const hardShrinkOp = kerasActivation("hard_shrink", [P.value("threshold", 0.5)], "`F.hardshrink`");
export const hardTanhOp = kerasActivation("hard_tanh", [], "`F.hardtanh`");
export const logSigmoidOp = activationOp({
  activation: "log_sigmoid",
  summary: "`F.logsigmoid`",
  spellings: spellings({ activations: ["log_sigmoid"], ops: ["log_sigmoid"], math: ["log_sigmoid"], nn: [x] }),
});
export const softShrinkOp = kerasActivation("soft_shrink", [P.value("threshold", 0.5)], "`F.softshrink`");
export const sparsePlusOp = kerasActivation("sparse_plus", [], "two `torch.where`s: 0, `(x + 1)² / 4`, `x`");
export const sparseSigmoidOp = kerasActivation("sparse_sigmoid", [], "`((x + 1) / 2).clamp(0, 1)`");
export const squareplusOp = kerasActivation("squareplus", [P.value("b", 4)], "`(x + sqrt(x² + b)) / 2`");
export const tanhShrinkOp = kerasActivation("tanh_shrink", [], "`F.tanhshrink`");
export const thresholdOp = kerasActivation("threshold", [P.required("threshold"), P.required("default_value")], "`F.threshold`");
export const sparsemaxOp = kerasActivation("sparsemax", [P.value("axis", -1)], "the generated `sparsemax` helper (sort, cumulative sum, threshold)");

export const ACTIVATION_OPS: readonly OpRule[] = [
  linearOp,
  reluOp,
  relu6Op,
  eluOp,
  seluOp,
  geluOp,
  sigmoidOp,
  hardSigmoidOp,
  keras2HardSigmoidOp,
  siluOp,
  hardSiluOp,
  tanhOp,
  softmaxOp,
  logSoftmaxOp,
  softplusOp,
  softsignOp,
  leakyReluOp,
  mishOp,
  exponentialOp,
  celuOp,
  gluOp,
  hardShrinkOp,
  hardTanhOp,
  logSigmoidOp,
  softShrinkOp,
  sparsePlusOp,
  sparseSigmoidOp,
  squareplusOp,
  tanhShrinkOp,
  thresholdOp,
  sparsemaxOp,
];
