// Image patches: keras.ops.image.extract_patches and tf.image.extract_patches. Both give
// (N, rows, cols, kh*kw*C) with each patch's elements ordered (row, col, channel) (Keras builds it as a
// conv with an identity kernel of shape (kh, kw, C, kh*kw*C)). PyTorch's F.unfold works on NCHW and
// orders them (channel, row, col), so the lowering regroups them:
//   F.unfold(x, ...) -> (N, C*kh*kw, L) -> unflatten (N, C, kh*kw, L) -> transpose (N, kh*kw, C, L)
//   -> reshape (N, kh*kw*C, rows, cols)
// The result is channels-first, which is the layout it declares; 'same' pads as Keras' conv does.
import { channelsFirst, identity } from "../ir/layout.js";
import type { PyExpr } from "../ir/types.js";
import { fPadOrder, isSymmetric, sameOutput, samePads, validOutput } from "../rules/padding.js";
import { call, lit } from "../rules/util.js";
import type { OpRule } from "./types.js";
import { type Args, P, TF_NAME, arg, defineOp, fail, ints, method, shapes } from "./util.js";

interface Geometry {
  kernel: number[];
  strides: number[];
  dilation: number[];
  same: boolean;
  channelsFirst: boolean;
}

function pair(a: Args, role: string, dflt: number[] | null): number[] {
  const v = a.value(role);
  if (v === null && dflt) return dflt;
  if (typeof v === "number" && Number.isInteger(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((d) => typeof d === "number" && Number.isInteger(d))) return v as number[];
  return fail(`${a.qualifiedName}: \`${a.param(role)}\` must be an int or a pair of ints for 2-D patches, got ${JSON.stringify(v)}`);
}

/** TensorFlow spells the window as 4-vectors over (batch, rows, cols, depth) with 1 at both ends. */
function quad(a: Args, role: string): number[] {
  const v = a.value(role);
  if (!Array.isArray(v) || v.length !== 4 || v[0] !== 1 || v[3] !== 1 || !v.every((d) => typeof d === "number" && Number.isInteger(d))) {
    return fail(`${a.qualifiedName}: \`${a.param(role)}\` must be [1, rows, cols, 1], got ${JSON.stringify(v)}`);
  }
  return [v[1] as number, v[2] as number];
}

function geometry(a: Args): Geometry {
  const padding = a.str("padding").toLowerCase();
  if (padding !== "same" && padding !== "valid") fail(`${a.qualifiedName}: padding must be 'same' or 'valid', got '${padding}'`);
  if (a.qualifiedName === "tensorflow.image.extract_patches") {
    return { kernel: quad(a, "size"), strides: quad(a, "strides"), dilation: quad(a, "dilation"), same: padding === "same", channelsFirst: false };
  }
  const size = a.value("size");
  if (Array.isArray(size) && size.length === 3) fail(`${a.qualifiedName}: 3-D patches are not supported yet`);
  const kernel = pair(a, "size", null);
  const format = a.value("data_format");
  if (format !== null && format !== "channels_last" && format !== "channels_first") fail(`${a.qualifiedName}: unknown data_format ${JSON.stringify(format)}`);
  return {
    kernel,
    // Keras: strides default to the patch size (non-overlapping patches).
    strides: pair(a, "strides", kernel),
    dilation: pair(a, "dilation", [1, 1]),
    same: padding === "same",
    channelsFirst: format === "channels_first",
  };
}

function readImage(a: Args) {
  const x = a.tensor("images");
  const g = geometry(a);
  if (x.shape.length !== 4) fail(`${a.qualifiedName}: only batched 2-D images (rank 4) are supported, got rank ${x.shape.length}`);
  const [h, w, c] = g.channelsFirst ? [x.shape[2]!, x.shape[3]!, x.shape[1]!] : [x.shape[1]!, x.shape[2]!, x.shape[3]!];
  if (c === null) fail(`${a.qualifiedName} needs a known channel count`);
  const out = [h, w].map((size, i) => (g.same ? sameOutput(size, g.strides[i]!) : validOutput(size, g.kernel[i]!, g.strides[i]!, g.dilation[i]!)));
  return { x, g, h, w, c, out };
}

export const extractPatchesOp = defineOp({
  name: "extract_patches",
  summary: "`F.unfold` regrouped to Keras' (row, col, channel) patch order, channels-first",
  spellings: {
    "keras.ops.image.extract_patches": [
      P.tensor("images"),
      P.required("size"),
      P.value("strides", null),
      P.value("dilation_rate", 1, "dilation"),
      P.value("padding", "valid"),
      P.value("data_format", null),
    ],
    "tensorflow.image.extract_patches": [
      P.tensor("images"),
      P.required("sizes", "size"),
      P.required("strides"),
      P.required("rates", "dilation"),
      P.required("padding"),
      TF_NAME,
    ],
  },
  inferShape: (a) => {
    const { x, g, c, out } = readImage(a);
    const depth = g.kernel[0]! * g.kernel[1]! * (c as number);
    const [rows, cols] = out as [number | null, number | null];
    if ((rows !== null && rows <= 0) || (cols !== null && cols <= 0)) fail(`${a.qualifiedName}: the patches do not fit in the image`);
    return shapes([g.channelsFirst ? [x.shape[0]!, depth, rows, cols] : [x.shape[0]!, rows, cols, depth]], [x.dtype]);
  },
  // F.unfold needs NCHW: channels-last Keras images are taken channels-first, and the result stays so.
  layout: (a) => {
    const { g } = readImage(a);
    const layout = g.channelsFirst ? identity(4) : channelsFirst(4, -1);
    return { inputs: { [a.param("images")]: layout }, outputs: [layout] };
  },
  lower: (a) => {
    const { g, h, w, c, out } = readImage(a);
    const [rows, cols] = out;
    if (rows === null || cols === null) fail(`${a.qualifiedName} needs static image sizes`);
    let x: PyExpr = arg(a.param("images"));
    let padding: number[] = [0, 0];
    if (g.same) {
      const pads = [h, w].map((size, i) => samePads(size, g.kernel[i]!, g.strides[i]!, g.dilation[i]!));
      if (pads.some((p) => p === null)) fail(`${a.qualifiedName}: 'same' padding with strides needs static image sizes`);
      const resolved = pads.map((p) => p!);
      if (isSymmetric(resolved)) padding = resolved.map((p) => p.before);
      // TensorFlow puts the odd cell at the bottom/right: pad explicitly, as convolutions do.
      else x = call("F.pad", [x, ints(fPadOrder(resolved))]);
    }
    const pairExpr = (v: number[]): PyExpr => (v[0] === v[1] ? lit(v[0]!) : ints(v));
    const kwargs: [string, PyExpr][] = [["kernel_size", pairExpr(g.kernel)]];
    if (g.dilation.some((d) => d !== 1)) kwargs.push(["dilation", pairExpr(g.dilation)]);
    if (padding.some((p) => p !== 0)) kwargs.push(["padding", pairExpr(padding)]);
    kwargs.push(["stride", pairExpr(g.strides)]);
    const window = g.kernel[0]! * g.kernel[1]!;
    const unfolded = call("F.unfold", [x], kwargs);
    const regrouped = method(method(unfolded, "unflatten", [lit(1), ints([c as number, window])]), "transpose", [lit(1), lit(2)]);
    return method(regrouped, "reshape", [lit(-1), lit(window * (c as number)), lit(rows), lit(cols)]);
  },
});

// tf.nn.depth_to_space (NHWC): out[n, h*b + i, w*b + j, c] = in[n, h, w, (i*b + j)*C' + c] (TensorFlow's
// DCR order). PyTorch's F.pixel_shuffle takes the channels the other way round ((c*b + i)*b + j), so the
// lowering regroups the channels-first tensor itself:
//   (N, b*b*C', H, W) -> unflatten (N, b, b, C', H, W) -> permute (N, C', H, b, W, b) -> (N, C', H*b, W*b)
function blockSize(a: Args): { b: number; c: number } {
  const x = a.tensor("input");
  if (x.shape.length !== 4) fail(`${a.qualifiedName}: only batched images (rank 4) are supported, got rank ${x.shape.length}`);
  const format = a.value("data_format");
  if (format !== null && format !== "NHWC") fail(`${a.qualifiedName}: only data_format="NHWC" is supported, got ${JSON.stringify(format)}`);
  const b = a.int("block_size");
  if (b < 2) fail(`${a.qualifiedName}: block_size must be at least 2, got ${b}`);
  const depth = x.shape[3];
  if (depth === null || depth === undefined) fail(`${a.qualifiedName} needs a known channel count`);
  if (depth % (b * b) !== 0) fail(`${a.qualifiedName}: the depth ${depth} is not divisible by block_size² = ${b * b}`);
  return { b, c: depth / (b * b) };
}

export const depthToSpaceOp = defineOp({
  name: "depth_to_space",
  summary: "TensorFlow's DCR depth-to-space, regrouped by hand on the channels-first tensor (not `F.pixel_shuffle`, which orders channels CRD)",
  spellings: {
    "tensorflow.nn.depth_to_space": [P.tensor("input"), P.required("block_size"), P.value("data_format", "NHWC"), TF_NAME],
  },
  inferShape: (a) => {
    const x = a.tensor("input");
    const { b, c } = blockSize(a);
    const times = (d: number | null | undefined) => (d === null || d === undefined ? null : d * b);
    return shapes([[x.shape[0]!, times(x.shape[1]), times(x.shape[2]), c]], [x.dtype]);
  },
  layout: (a) => ({ inputs: { [a.param("input")]: channelsFirst(4, -1) }, outputs: [channelsFirst(4, -1)] }),
  lower: (a) => {
    const { b, c } = blockSize(a);
    const grouped = method(method(arg(a.param("input")), "unflatten", [lit(1), ints([b, b, c])]), "permute", [lit(0), lit(3), lit(4), lit(1), lit(5), lit(2)]);
    return method(method(grouped, "flatten", [lit(4), lit(5)]), "flatten", [lit(2), lit(3)]);
  },
});

// tf.image.resize and keras.ops.image.resize of a batch of images to a static size. Its bilinear (without antialias) and nearest
// sample at half-pixel centres, which are F.interpolate's bilinear with align_corners=False and its
// nearest-exact (as the Resizing layer, src/rules/resizing.ts). TensorFlow's other kernels and its
// antialiased filters need the generated KerasResize module, which a call inside `forward` cannot own:
// they are refused with a pointer to the Resizing layer, which has them.
const RESIZE_METHODS = new Set(["bilinear", "nearest"]);

function resizeTarget(a: Args): { method: string; to: [number, number] } {
  const x = a.tensor("images");
  if (x.shape.length !== 4) fail(`${a.qualifiedName}: only batched images (rank 4) are supported, got rank ${x.shape.length}`);
  if (!x.dtype.startsWith("float")) fail(`${a.qualifiedName} of a ${x.dtype} image is not supported (TensorFlow casts it to float32 first)`);
  const size = a.value("size");
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => typeof d === "number" && Number.isInteger(d) && d > 0)) {
    fail(`${a.qualifiedName}: \`size\` must be two static positive ints, got ${JSON.stringify(size)}`);
  }
  const method = a.value("method");
  if (typeof method !== "string" || !RESIZE_METHODS.has(method) || a.value("antialias") === true) {
    fail(`${a.qualifiedName}: method=${JSON.stringify(method)}${a.value("antialias") === true ? " with antialias" : ""} is not supported in an op; use a keras.layers.Resizing layer (which supports every TensorFlow kernel) or bilinear/nearest without antialias`);
  }
  if (a.value("preserve_aspect_ratio") === true) fail(`${a.qualifiedName}: preserve_aspect_ratio=True is not supported; compute the target size and pass it`);
  for (const option of ["crop_to_aspect_ratio", "pad_to_aspect_ratio"]) {
    if (a.value(option) === true) fail(`${a.qualifiedName}: ${option}=True is not supported in an op; use a keras.layers.Resizing layer or resize without it`);
  }
  const format = a.value("data_format");
  if (format !== null && format !== "channels_last") fail(`${a.qualifiedName}: data_format=${JSON.stringify(format)} is not supported; resize channels-last images`);
  return { method, to: size as [number, number] };
}

export const imageResizeOp = defineOp({
  name: "image_resize",
  summary: "`F.interpolate(size=..., mode='bilinear', align_corners=False)` or `mode='nearest-exact'` (TensorFlow's half-pixel sampling); other methods and antialias are refused (the Resizing layer has them)",
  spellings: {
    "tensorflow.image.resize": [P.tensor("images"), P.required("size"), P.value("method", "bilinear"), P.value("preserve_aspect_ratio", false), P.value("antialias", false), TF_NAME],
    // Keras 3 resizes as tf.image.resize does on every backend (half-pixel centres).
    "keras.ops.image.resize": [
      P.tensor("images"),
      P.required("size"),
      P.value("interpolation", "bilinear", "method"),
      P.value("antialias", false),
      P.value("crop_to_aspect_ratio", false),
      P.value("pad_to_aspect_ratio", false),
      P.value("fill_mode", "constant"),
      P.value("fill_value", 0.0),
      P.value("data_format", null),
    ],
  },
  inferShape: (a) => {
    const x = a.tensor("images");
    const { to } = resizeTarget(a);
    return shapes([[x.shape[0]!, to[0], to[1], x.shape[3]!]], [x.dtype]);
  },
  layout: (a) => ({ inputs: { [a.param("images")]: channelsFirst(4, -1) }, outputs: [channelsFirst(4, -1)] }),
  lower: (a) => {
    const { method, to } = resizeTarget(a);
    const kwargs: [string, PyExpr][] = [["size", ints(to)], ["mode", lit(method === "nearest" ? "nearest-exact" : "bilinear")]];
    if (method === "bilinear") kwargs.push(["align_corners", lit(false)]);
    return call("F.interpolate", [arg(a.param("images"))], kwargs);
  },
});

export const IMAGE_OPS: readonly OpRule[] = [extractPatchesOp, depthToSpaceOp, imageResizeOp];
