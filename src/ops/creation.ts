// Tensors made from numbers: range / arange. The endpoints may be run-time values (`tf.shape(x)[1]`),
// then the length is unknown. The dtype follows TensorFlow and Keras: float if any endpoint is a
// float, else int32. PyTorch's integer arange is int64; the values are the same, so the generated
// code names a dtype only when the source did.
import { identity } from "../ir/layout.js";
import type { Layout, PyExpr } from "../ir/types.js";
import { call, lit } from "../rules/util.js";
import type { OpRule } from "./types.js";
import { type Args, P, TF_NAME, arg, defineOp, fail, numberExpr, parseDtype, shapes, torchDtype } from "./util.js";

type Endpoint = { kind: "number"; value: number; float: boolean } | { kind: "tensor"; param: string; float: boolean } | null;

function endpoint(a: Args, role: string): Endpoint {
  if (a.isTensor(role)) return { kind: "tensor", param: a.param(role), float: a.tensor(role).dtype.startsWith("float") };
  const v = a.value(role);
  if (v === null) return null;
  if (typeof v !== "number") fail(`${a.qualifiedName}: \`${a.param(role)}\` must be a number`);
  return { kind: "number", value: v, float: a.isFloat(role) || !Number.isInteger(v) };
}

interface Range {
  start: Endpoint;
  stop: Endpoint;
  step: Endpoint;
  dtype: string;
  /** The dtype the source asked for (then the generated code names it too). */
  explicit: boolean;
}

function readRange(a: Args): Range {
  let start = endpoint(a, "start");
  let stop = endpoint(a, "stop");
  const step = endpoint(a, "step");
  if (start === null) fail(`${a.qualifiedName} needs a start (or a limit)`);
  // One endpoint is the limit, counted from 0.
  if (stop === null) {
    stop = start;
    start = { kind: "number", value: 0, float: false };
  }
  if (step?.kind === "number" && step.value === 0) fail(`${a.qualifiedName}: the step cannot be 0`);
  const inferred = [start, stop, step].some((e) => e?.float) ? "float32" : "int32";
  const given = a.value("dtype");
  // keras.backend.arange's dtype defaults to 'int32' and is only applied when it differs.
  const backendDefault = a.qualifiedName === "keras.backend.arange" && given === "int32";
  const explicit = given !== null && !backendDefault;
  return { start, stop, step, dtype: explicit ? parseDtype(given) : inferred, explicit };
}

/** The number of elements, when every endpoint is a number. */
function staticLength(r: Range): number | null {
  const num = (e: Endpoint, dflt: number | null) => (e === null ? dflt : e.kind === "number" ? e.value : null);
  const start = num(r.start, 0);
  const stop = num(r.stop, null);
  const step = num(r.step, 1);
  return start !== null && stop !== null && step !== null ? Math.max(0, Math.ceil((stop - start) / step)) : null;
}

export const arangeOp = defineOp({
  name: "arange",
  summary: "`torch.arange(start, end, step)`; run-time endpoints allowed",
  spellings: {
    "keras.ops.arange": [P.tensor("start"), P.optTensor("stop"), P.optTensor("step"), P.value("dtype", null)],
    "tensorflow.range": [P.tensor("start"), P.optTensor("limit", "stop"), P.optTensor("delta", "step"), P.value("dtype", null), TF_NAME],
    "keras.backend.arange": [P.tensor("start"), P.optTensor("stop"), P.optTensor("step"), P.value("dtype", "int32")],
  },
  inferShape: (a) => {
    const r = readRange(a);
    return shapes([[staticLength(r)]], [r.dtype]);
  },
  layout: () => ({ inputs: {}, outputs: [identity(1)] }),
  lower: (a) => {
    const r = readRange(a);
    const expr = (e: Endpoint): PyExpr => (e!.kind === "number" ? numberExpr(e!.value, e!.float) : arg(e!.param));
    const startIsZero = r.start?.kind === "number" && r.start.value === 0 && !r.start.float;
    const stepIsOne = r.step === null || (r.step.kind === "number" && r.step.value === 1 && !r.step.float);
    // An empty range (a limit below the start): torch.arange raises where TensorFlow and Keras return
    // an empty tensor, so write the empty range plainly.
    const length = staticLength(r);
    if (length === 0) return call("torch.arange", [numberExpr(0, r.dtype.startsWith("float"))], r.explicit ? [["dtype", torchDtype(r.dtype)]] : []);
    const args: PyExpr[] = startIsZero && stepIsOne ? [expr(r.stop)] : stepIsOne ? [expr(r.start), expr(r.stop)] : [expr(r.start), expr(r.stop), expr(r.step)];
    return call("torch.arange", args, r.explicit ? [["dtype", torchDtype(r.dtype)]] : []);
  },
});


// ---------------------------------------------------------------------------------------------
// Filled tensors: zeros / ones of a shape, or like another tensor; identity.

/** A static shape, or one with run-time sizes (`(batch, 4)`), written as its expression. */
function shapeArg(a: Args): { shape: (number | null)[]; expr: PyExpr } {
  const raw = a.raw("shape");
  const dims = a.ints("shape");
  if (raw?.kind === "value" && raw.expr) return { shape: dims, expr: raw.expr };
  if (dims.some((d) => d === null)) fail(`${a.qualifiedName}: the shape must be static`);
  return { shape: dims, expr: { k: "tuple", items: dims.map((d) => lit(d)) } };
}

const filled = (name: "zeros" | "ones"): OpRule =>
  defineOp({
    name,
    summary: `\`torch.${name}(shape)\` (float32 unless a dtype is given)`,
    spellings: {
      [`keras.ops.${name}`]: [P.required("shape"), P.value("dtype", null)],
      [`tensorflow.${name}`]: [P.required("shape"), P.value("dtype", null), TF_NAME],
      [`keras.backend.${name}`]: [P.required("shape"), P.value("dtype", null), P.value("name", null, "tf_name")],
    },
    inferShape: (a) => shapes([shapeArg(a).shape], [a.value("dtype") === null ? "float32" : parseDtype(a.value("dtype"))]),
    layout: (a) => ({ inputs: {}, outputs: [identity(shapeArg(a).shape.length)] }),
    lower: (a) => {
      const dtype = a.value("dtype");
      return call(`torch.${name}`, [shapeArg(a).expr], dtype === null ? [] : [["dtype", torchDtype(parseDtype(dtype))]]);
    },
  });

const filledLike = (name: "zeros_like" | "ones_like"): OpRule =>
  defineOp({
    name,
    summary: `\`torch.${name}(x)\`, in the layout \`x\` is in`,
    spellings: {
      [`keras.ops.${name}`]: [P.tensor("x"), P.value("dtype", null)],
      [`tensorflow.${name}`]: [P.tensor("input", "x"), P.value("dtype", null), TF_NAME],
      [`keras.backend.${name}`]: [P.tensor("x"), P.value("dtype", null), P.value("name", null, "tf_name")],
    },
    inferShape: (a) => shapes([a.tensor("x").shape], [a.value("dtype") === null ? a.tensor("x").dtype : parseDtype(a.value("dtype"))]),
    layout: (a, ctx) => ({ inputs: { [a.param("x")]: null }, outputs: [ctx.layouts[a.param("x")] as Layout] }),
    lower: (a) => {
      const dtype = a.value("dtype");
      return call(`torch.${name}`, [arg(a.param("x"))], dtype === null ? [] : [["dtype", torchDtype(parseDtype(dtype))]]);
    },
  });

export const identityOp = defineOp({
  name: "identity",
  summary: "the tensor itself (`tf.identity` copies nothing PyTorch needs)",
  spellings: { "tensorflow.identity": [P.tensor("input", "x"), TF_NAME], "keras.backend.identity": [P.tensor("x"), P.value("name", null, "tf_name")] },
  inferShape: (a) => shapes([a.tensor("x").shape], [a.tensor("x").dtype]),
  layout: (a, ctx) => ({ inputs: { [a.param("x")]: null }, outputs: [ctx.layouts[a.param("x")] as Layout] }),
  lower: (a) => arg(a.param("x")),
});

export const CREATION_OPS: readonly OpRule[] = [arangeOp, filled("zeros"), filled("ones"), filledLike("zeros_like"), filledLike("ones_like"), identityOp];

