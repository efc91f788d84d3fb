// UpSampling1D/2D/3D, Resizing and CenterCrop. Keras repeats values (nearest) exactly as an integer nearest
// upsample does; everything else goes through tf.image.resize (Keras' TensorFlow backend), see tfResize.
import { channelsFirst, torchDim } from "../ir/layout.js";
import type { DType, LayerDef, PyExpr, Shape } from "../ir/types.js";
import type { LayerRule, Lowering } from "./types.js";
import { ConfigError, call, callModule, channelAxis, floatLit, imageAxes, imageSizedShape, input, lit, method, num, shapeError, shapeOk, str, tuple, tupleN } from "./util.js";

export const upSampling1dRule: LayerRule = {
  name: "up_sampling1d",
  kerasClasses: ["UpSampling1D"],
  summary: "`x.repeat_interleave(size, dim=...)` over the time axis, in whatever layout the input is",
  signature: () => ({ params: [{ name: "size", default: 2 }] }),
  inferShape: ({ layer, inputs }) => {
    const shape = inputs[0]!;
    if (shape.length !== 3) return shapeError(`UpSampling1D expects a rank-3 input, got rank ${shape.length}`);
    return shapeOk([shape[0]!, shape[1] === null ? null : shape[1]! * num(layer, "size"), shape[2]!]);
  },
  layout: ({ inputLayouts }) => ({ inputs: [inputLayouts[0]!.kind === "perm" ? null : channelsFirst(3, -1)], outputs: [inputLayouts[0]!.kind === "perm" ? inputLayouts[0]! : channelsFirst(3, -1)] }),
  lower: ({ layer, inputLayouts }) => {
    const dim = torchDim(inputLayouts[0]!, 1, 3);
    return {
      ok: true,
      lowering: { forward: method(input(), "repeat_interleave", [lit(num(layer, "size"))], [["dim", lit(dim === 2 ? -1 : dim)]]), weights: [], constants: [] },
    };
  },
};

export const upSampling2dRule: LayerRule = {
  name: "up_sampling2d",
  kerasClasses: ["UpSampling2D"],
  summary: "`nn.Upsample(scale_factor, mode='nearest' | 'bilinear')` (bilinear with `align_corners=False`, as Keras resizes); the other interpolations as the generated `KerasResize` (TensorFlow's kernels)",
  signature: () => ({ params: [{ name: "size", default: [2, 2] }, { name: "data_format", default: null }, { name: "interpolation", default: "nearest" }] }),
  inferShape: ({ layer, inputs }) => {
    const shape = inputs[0]!;
    if (shape.length !== 4) return shapeError(`UpSampling2D expects a rank-4 input, got rank ${shape.length}`);
    const [sh, sw] = tupleN(layer, "size", 2);
    const [h, w] = imageAxes(layer);
    const out = [...shape];
    out[h] = shape[h] === null ? null : shape[h]! * sh!;
    out[w] = shape[w] === null ? null : shape[w]! * sw!;
    return shapeOk(out);
  },
  layout: ({ layer }) => {
    const cf = channelsFirst(4, channelAxis(layer));
    return { inputs: [cf], outputs: [cf] };
  },
  lower: ({ layer, inputShapes }) => {
    const [sh, sw] = tupleN(layer, "size", 2);
    const mode = str(layer, "interpolation").toLowerCase();
    if (mode !== "nearest" && mode !== "bilinear") {
      // Keras resizes to (h * sh, w * sw) with ops.image.resize, which is tf.image.resize without antialias.
      const [h, w] = imageSize(layer, inputShapes[0]!);
      const to: [number, number] = [h === null ? 0 : h * sh!, w === null ? 0 : w * sw!];
      return { ok: true, lowering: tfResize(input(), [h, w], to, mode, false, "UpSampling2D") };
    }
    const scale = sh === sw ? floatLit(sh!) : { k: "tuple" as const, items: [floatLit(sh!), floatLit(sw!)] };
    const kwargs: [string, ReturnType<typeof lit>][] = [["scale_factor", scale], ["mode", lit(mode)]];
    if (mode === "bilinear") kwargs.push(["align_corners", lit(false)]);
    return { ok: true, lowering: { module: { ctor: "nn.Upsample", args: [], kwargs }, forward: callModule(input()), weights: [], constants: [] } };
  },
};

export const upSampling3dRule: LayerRule = {
  name: "up_sampling3d",
  kerasClasses: ["UpSampling3D"],
  summary: "`nn.Upsample(scale_factor, mode='nearest')` on the channels-first volume (Keras repeats values)",
  signature: () => ({ params: [{ name: "size", default: [2, 2, 2] }, { name: "data_format", default: null }] }),
  inferShape: ({ layer, inputs }) => {
    const shape = inputs[0]!;
    if (shape.length !== 5) return shapeError(`UpSampling3D expects a rank-5 input, got rank ${shape.length}`);
    const size = tupleN(layer, "size", 3);
    const first = channelAxis(layer) === 1 ? 2 : 1;
    const out = [...shape];
    size.forEach((s, i) => (out[first + i] = shape[first + i] === null ? null : shape[first + i]! * s));
    return shapeOk(out);
  },
  layout: ({ layer }) => ({ inputs: [channelsFirst(5, channelAxis(layer))], outputs: [channelsFirst(5, channelAxis(layer))] }),
  lower: ({ layer }) => {
    const size = tupleN(layer, "size", 3);
    const scale = size.every((s) => s === size[0]) ? floatLit(size[0]!) : { k: "tuple" as const, items: size.map((s) => floatLit(s)) };
    return { ok: true, lowering: { module: { ctor: "nn.Upsample", args: [], kwargs: [["scale_factor", scale], ["mode", lit("nearest")]] }, forward: callModule(input()), weights: [], constants: [] } };
  },
};

/** Every method tf.image.resize knows; Keras 3's TensorFlow backend passes on all but gaussian and mitchellcubic. */
const METHODS = ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"];

/**
 * tf.image.resize of a channels-first image from `from` to `to`. Its bilinear without antialiasing and its
 * nearest (which ignores `antialias`, as area does) sample at half-pixel centres, which is F.interpolate's
 * bilinear with `align_corners=False` and its `nearest-exact`. The other kernels (bicubic with Keys
 * a = -0.5 and renormalised edge taps, area's box average, ScaleAndTranslate's lanczos/gaussian/mitchell
 * and every antialiased filter) have no PyTorch equal: the generated KerasResize applies TensorFlow's
 * per-axis weight matrices, built once from the static sizes.
 */
export function tfResize(x: PyExpr, from: [number | null, number | null], to: [number, number], method: string, antialias: boolean, what: string): Lowering {
  if (!METHODS.includes(method)) throw new ConfigError(`${what}: unknown interpolation '${method}' (TensorFlow resizes with ${METHODS.join(", ")})`);
  if (method === "nearest" || (method === "bilinear" && !antialias)) {
    const kwargs: [string, PyExpr][] = [["size", { k: "tuple", items: [lit(to[0]), lit(to[1])] }], ["mode", lit(method === "nearest" ? "nearest-exact" : "bilinear")]];
    if (method === "bilinear") kwargs.push(["align_corners", lit(false)]);
    return { forward: call("F.interpolate", [x], kwargs), weights: [], constants: [] };
  }
  const [h, w] = from;
  if (h === null || w === null) throw new ConfigError(`${what} with interpolation='${method}'${antialias ? " and antialias" : ""} needs the image size to be known (its weights are built from it)`);
  const kwargs: [string, PyExpr][] = method !== "area" && antialias ? [["antialias", lit(true)]] : [];
  const module = { ctor: "KerasResize", args: [tuple([h, w]), tuple(to), lit(method)], kwargs };
  return { module, forward: callModule(x), weights: [], constants: [] };
}

/** Integer images are refused: Keras' resize of them has its own casts (see `what`). */
function floatImage(dtypes: DType[] | undefined, layer: string, what: string): void {
  const dtype = dtypes?.[0];
  if (dtype && !dtype.startsWith("float")) throw new ConfigError(`${layer} of a ${dtype} image is not supported yet (Keras ${what})`);
}

/** The static height and width of a channels-first image's Keras shape, when known. */
function imageSize(layer: LayerDef, shape: Shape): [number | null, number | null] {
  const [hAxis, wAxis] = imageAxes(layer);
  return [shape[hAxis] ?? null, shape[wAxis] ?? null];
}

/**
 * Keras' largest centred window of the target's aspect ratio (`crop_to_aspect_ratio`, and smart_resize
 * for a CenterCrop larger than the image), at least one pixel; `float32` follows the TensorFlow
 * backend, which divides in float32 (smart_resize divides static sizes in Python floats).
 */
function aspectCrop(x: PyExpr, size: [number, number], target: [number, number], float32: boolean): { x: PyExpr; size: [number, number] } {
  const [ih, iw] = size;
  const [height, width] = target;
  const div = (a: number, b: number) => Math.trunc(float32 ? Math.fround(Math.fround(a) / b) : a / b);
  const cropH = Math.max(Math.min(ih, div(iw * height, width)), 1);
  const cropW = Math.max(Math.min(iw, div(ih * width, height)), 1);
  if (cropH === ih && cropW === iw) return { x, size };
  return { x: centreSlice(x, Math.trunc((ih - cropH) / 2), cropH, Math.trunc((iw - cropW) / 2), cropW), size: [cropH, cropW] };
}

/**
 * Resizing: an optional centred crop or pad to the target's aspect ratio, then tf.image.resize (what
 * Keras' TensorFlow backend calls) with the layer's interpolation and antialias.
 */
export const resizingRule: LayerRule = {
  name: "resizing",
  kerasClasses: ["Resizing"],
  summary:
    "`F.interpolate(size=..., mode='bilinear' | 'nearest-exact')` (TensorFlow's half-pixel sampling); bicubic, area, lanczos3/5, gaussian, mitchellcubic and `antialias=True` as the generated `KerasResize` (TensorFlow's per-axis weights as two matrices); `crop_to_aspect_ratio` crops and `pad_to_aspect_ratio` pads (`F.pad` with `fill_value`) the centre first",
  signature: () => ({
    params: [
      { name: "height", default: null },
      { name: "width", default: null },
      { name: "interpolation", default: "bilinear" },
      { name: "crop_to_aspect_ratio", default: false },
      { name: "pad_to_aspect_ratio", default: false },
      { name: "fill_mode", default: "constant" },
      { name: "fill_value", default: 0 },
      { name: "antialias", default: false },
      { name: "data_format", default: null },
    ],
  }),
  inferShape: ({ layer, inputs }) => imageSizedShape(layer, inputs[0]!),
  layout: ({ layer }) => {
    const cf = channelsFirst(4, channelAxis(layer));
    return { inputs: [cf], outputs: [cf] };
  },
  lower: ({ layer, inputShapes, inputDtypes }) => {
    floatImage(inputDtypes, "Resizing", "resizes in float32 and rounds back to the integer dtype");
    const method = str(layer, "interpolation");
    const target: [number, number] = [num(layer, "height"), num(layer, "width")];
    const crop = layer.config.crop_to_aspect_ratio === true;
    const pad = layer.config.pad_to_aspect_ratio === true;
    if (crop && pad) throw new ConfigError("only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be True (Keras refuses both)");
    let x = input();
    let size = imageSize(layer, inputShapes[0]!);
    const known = (option: string): [number, number] => {
      if (size[0] === null || size[1] === null) throw new ConfigError(`\`${option}\` needs the image size to be known`);
      return [size[0], size[1]];
    };
    if (crop) ({ x, size } = aspectCrop(x, known("crop_to_aspect_ratio"), target, true));
    if (pad) {
      if (layer.config.fill_mode !== "constant") throw new ConfigError(`\`fill_mode='${String(layer.config.fill_mode)}'\`: Keras pads only with 'constant'`);
      const fill = layer.config.fill_value;
      if (typeof fill !== "number") throw new ConfigError("`fill_value` must be a number");
      ({ x, size } = aspectPad(x, known("pad_to_aspect_ratio"), target, fill));
    }
    return { ok: true, lowering: tfResize(x, size, target, method, layer.config.antialias === true, "Resizing") };
  },
};

/**
 * `pad_to_aspect_ratio`: Keras' TensorFlow backend computes the padded size of the target's aspect ratio
 * but then puts floor(extra / 2) rows (or columns) on EACH side, so an odd extra loses one: a 9x12 image
 * padded for a square becomes 11x12, not 12x12. Only one axis is ever padded.
 */
function aspectPad(x: PyExpr, size: [number, number], target: [number, number], fill: number): { x: PyExpr; size: [number, number] } {
  const [ih, iw] = size;
  const [height, width] = target;
  const padH = Math.max(ih, Math.trunc(Math.fround(Math.fround(iw * height) / width)));
  const padW = Math.max(iw, Math.trunc(Math.fround(Math.fround(ih * width) / height)));
  const top = Math.trunc((padH - ih) / 2);
  const left = Math.trunc((padW - iw) / 2);
  if (top > 0) return { x: fPad(x, [0, 0, top, top], fill), size: [ih + 2 * top, iw] };
  if (left > 0) return { x: fPad(x, [left, left, 0, 0], fill), size: [ih, iw + 2 * left] };
  return { x, size };
}

const fPad = (x: PyExpr, pads: number[], fill: number): PyExpr => call("F.pad", [x, tuple(pads)], fill === 0 ? [] : [["value", floatLit(fill)]]);

/** `x[:, :, top:top + h, left:left + w]` on a channels-first image. */
function centreSlice(x: PyExpr, top: number, h: number, left: number, w: number): PyExpr {
  const all = { k: "slice" as const, start: null, stop: null, step: null };
  const span = (start: number, size: number) => ({ k: "slice" as const, start: lit(start), stop: lit(start + size), step: null });
  return { k: "subscript", obj: x, index: { k: "tuple", items: [all, all, span(top, h), span(left, w)] } };
}

/**
 * CenterCrop: the centred window, in whatever layout the image is. An image smaller than the crop on
 * either axis goes through Keras' smart_resize instead: the largest centred window of the crop's aspect
 * ratio, resized bilinearly to the crop's size.
 */
export const centerCropRule: LayerRule = {
  name: "center_crop",
  kerasClasses: ["CenterCrop"],
  summary: "a centred slice `x[:, :, top:top + h, left:left + w]`; an image smaller than the crop is cropped to its aspect ratio and resized bilinearly (`F.interpolate`), as Keras' smart_resize does",
  signature: () => ({ params: [{ name: "height", default: null }, { name: "width", default: null }, { name: "data_format", default: null }] }),
  inferShape: ({ layer, inputs }) => imageSizedShape(layer, inputs[0]!),
  layout: ({ layer }) => {
    const cf = channelsFirst(4, channelAxis(layer));
    return { inputs: [cf], outputs: [cf] };
  },
  lower: ({ layer, inputShapes, inputDtypes }) => {
    const [ih, iw] = imageSize(layer, inputShapes[0]!);
    const [height, width] = [num(layer, "height"), num(layer, "width")];
    if (ih === null || iw === null) throw new ConfigError("CenterCrop needs the image size to be known");
    if (ih < height || iw < width) {
      floatImage(inputDtypes, "CenterCrop of an image smaller than the crop", "resizes it in float32");
      const cropped = aspectCrop(input(), [ih, iw], [height, width], false);
      return { ok: true, lowering: tfResize(cropped.x, cropped.size, [height, width], "bilinear", false, "CenterCrop") };
    }
    const forward = centreSlice(input(), Math.floor((ih - height) / 2), height, Math.floor((iw - width) / 2), width);
    return { ok: true, lowering: { forward, weights: [], constants: [] } };
  },
};
