// Random draws (`keras.random.normal`, `tf.random.uniform`...): training-time noise, as in a VAE's
// sampling layer. PyTorch draws from its global generator, so a Keras `seed` or SeedGenerator has no
// counterpart; the distribution is the same. A shape known only at run time (`(batch, 4)` with
// `batch = ops.shape(z)[0]`) is written as the expression that computes it.
import { identity } from "../ir/layout.js";
import type { PyExpr } from "../ir/types.js";
import { call } from "../rules/util.js";
import type { OpRule } from "./types.js";
import { type Args, P, TF_NAME, defineOp, numberExpr, shapeArgument, shapes } from "./util.js";

const DEFAULT_FLOAT = "float32";

function shapeOf(a: Args): { shape: (number | null)[]; expr: PyExpr } {
  return shapeArgument(a, "a size read from a tensor (the batch) is followed only inside a custom layer's `call`: draw the noise there, as the Sampling layer of keras.io's VAE example does");
}

/**
 * `device=z.device` when a size of the shape is read from a tensor (`(z.shape[0], 2)`): the noise is drawn
 * where the tensors it meets are, so the module also runs on a GPU.
 */
function deviceOf(shape: PyExpr): [string, PyExpr][] {
  const items = shape.k === "tuple" || shape.k === "list" ? shape.items : [];
  const source = items.find((item): item is Extract<PyExpr, { k: "dim" }> => item.k === "dim" && item.of !== undefined);
  return source ? [["device", { k: "attr", obj: source.of!, name: "device" }]] : [];
}

/** `draw * scale + shift`, leaving out a scale of 1 and a shift of 0. */
function affine(draw: PyExpr, scale: number, shift: number): PyExpr {
  let out = draw;
  if (scale !== 1) out = { k: "binop", op: "*", left: out, right: numberExpr(scale, true) };
  if (shift !== 0) out = { k: "binop", op: "+", left: out, right: numberExpr(shift, true) };
  return out;
}

const seed = P.value("seed", null);

export const randomNormalOp = defineOp({
  name: "random_normal",
  summary: "`torch.randn(shape) * stddev + mean` (training-time noise; Keras seeds have no counterpart)",
  spellings: {
    "keras.random.normal": [P.required("shape"), P.value("mean", 0), P.value("stddev", 1), P.value("dtype", null), seed],
    "tensorflow.random.normal": [P.required("shape"), P.value("mean", 0), P.value("stddev", 1), P.value("dtype", null), seed, TF_NAME],
    "keras.backend.random_normal": [P.required("shape"), P.value("mean", 0), P.value("stddev", 1), P.value("dtype", null), seed],
  },
  inferShape: (a) => shapes([shapeOf(a).shape], [typeof a.value("dtype") === "string" ? String(a.value("dtype")) : DEFAULT_FLOAT]),
  layout: (a) => ({ inputs: {}, outputs: [identity(shapeOf(a).shape.length)] }),
  lower: (a) => {
    const { expr } = shapeOf(a);
    return affine(call("torch.randn", [expr], deviceOf(expr)), a.num("stddev", 1), a.num("mean", 0));
  },
});

export const randomUniformOp = defineOp({
  name: "random_uniform",
  summary: "`torch.rand(shape) * (maxval - minval) + minval` (training-time noise)",
  spellings: {
    "keras.random.uniform": [P.required("shape"), P.value("minval", 0), P.value("maxval", 1), P.value("dtype", null), seed],
    "tensorflow.random.uniform": [P.required("shape"), P.value("minval", 0), P.value("maxval", 1), P.value("dtype", null), seed, TF_NAME],
    "keras.backend.random_uniform": [P.required("shape"), P.value("minval", 0), P.value("maxval", 1), P.value("dtype", null), seed],
  },
  inferShape: (a) => shapes([shapeOf(a).shape], [typeof a.value("dtype") === "string" ? String(a.value("dtype")) : DEFAULT_FLOAT]),
  layout: (a) => ({ inputs: {}, outputs: [identity(shapeOf(a).shape.length)] }),
  lower: (a) => {
    const low = a.num("minval", 0);
    const high = a.num("maxval", 1);
    const { expr } = shapeOf(a);
    return affine(call("torch.rand", [expr], deviceOf(expr)), high - low, low);
  },
});

export const RANDOM_OPS: readonly OpRule[] = [randomNormalOp, randomUniformOp];
