// The image preprocessing of Keras' applications (`keras.applications.<family>.preprocess_input`):
// their own source is evaluated down to `imagenet_utils._preprocess_tensor_input(x, data_format, mode)`,
// whose per-channel constants Keras makes with `ops.convert_to_tensor`; that one function is this op.
import type { Layout, PyExpr } from "../ir/types.js";
import { call, floatLit, lit } from "../rules/util.js";
import { P, arg, defineOp, fail, permOf, shapes, type Args } from "./util.js";
import type { OpRule } from "./types.js";

function modeOf(a: Args): "tf" | "torch" | "caffe" {
  const mode = a.value("mode");
  if (mode !== "tf" && mode !== "torch" && mode !== "caffe") fail(`preprocess_input mode ${JSON.stringify(mode)} is not one of "caffe", "tf" or "torch"`);
  return mode;
}

/** The Keras axis of the colour channel. */
function channelAxis(a: Args, rank: number): number {
  const format = a.value("data_format");
  if (format !== "channels_last" && format !== "channels_first") fail("preprocess_input needs data_format channels_last or channels_first");
  if (rank !== 3 && rank !== 4) fail(`preprocess_input takes a batch of images or one image (rank 3 or 4), got rank ${rank}`);
  return format === "channels_last" ? rank - 1 : rank === 3 ? 0 : 1;
}

export const imagenetPreprocessOp = defineOp({
  name: "imagenet_preprocess",
  summary: 'Keras\' ImageNet preprocessing: "tf" `x / 127.5 - 1`; "caffe" RGB→BGR minus the BGR mean; "torch" `x / 255` normalised by the RGB mean and std (`keras_imagenet_preprocess`)',
  spellings: { "keras.applications.imagenet_utils._preprocess_tensor_input": [P.tensor("x"), P.required("data_format"), P.required("mode")] },
  inferShape: (a) => {
    const x = a.tensor("x");
    const axis = channelAxis(a, x.shape.length);
    if (modeOf(a) !== "tf" && x.shape[axis] !== 3) fail(`preprocess_input's "${modeOf(a)}" mode needs 3 colour channels, got ${x.shape[axis]}`);
    return shapes([x.shape], [x.dtype]);
  },
  // Elementwise but for the channel axis, which follows the tensor wherever its layout holds it.
  layout: (a, ctx) => {
    const layout = ctx.layouts[a.param("x")] as Layout;
    const perm = permOf(layout);
    return perm ? { inputs: { [a.param("x")]: null }, outputs: [layout] } : { inputs: { [a.param("x")]: { kind: "perm", perm: Array.from({ length: a.tensor("x").shape.length }, (_, i) => i) } }, outputs: [{ kind: "perm", perm: Array.from({ length: a.tensor("x").shape.length }, (_, i) => i) }] };
  },
  lower: (a, ctx) => {
    const x = arg(a.param("x"));
    const mode = modeOf(a);
    if (mode === "tf") return { k: "binop", op: "-", left: { k: "binop", op: "/", left: x, right: floatLit(127.5) }, right: floatLit(1) } as PyExpr;
    const rank = a.tensor("x").shape.length;
    const perm = permOf(ctx.layouts[a.param("x")] as Layout) ?? Array.from({ length: rank }, (_, i) => i);
    const dim = perm.indexOf(channelAxis(a, rank));
    return call("keras_imagenet_preprocess", [x, lit(mode), lit(dim === rank - 1 ? -1 : dim)]);
  },
});

export const APPLICATION_OPS: readonly OpRule[] = [imagenetPreprocessOp];
