// UpSampling1D, UpSampling2D and UpSampling3D. Keras repeats values (nearest) exactly as an integer nearest upsample
// does; its bilinear resize uses half-pixel centres, which is PyTorch's `align_corners=False`.
import { channelsFirst, torchDim } from "../ir/layout.js";
import type { LayerRule } from "./types.js";
import { ConfigError, callModule, channelAxis, floatLit, input, lit, method, num, shapeError, shapeOk, str, tupleN, imageAxes, imageSizedShape } from "./util.js";

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
  summary: "`nn.Upsample(scale_factor, mode='nearest' | 'bilinear')` (bilinear with `align_corners=False`, as Keras resizes)",
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
  lower: ({ layer }) => {
    const [sh, sw] = tupleN(layer, "size", 2);
    const mode = str(layer, "interpolation");
    if (mode !== "nearest" && mode !== "bilinear") throw new ConfigError(`UpSampling2D with interpolation='${mode}' is not supported yet (PyTorch's kernels differ from TensorFlow's)`);
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

/**
 * Resizing: TensorFlow's resize samples at half-pixel centres without antialiasing, which is
 * F.interpolate's bilinear with `align_corners=False` and its `nearest-exact`. Its bicubic (a = -0.5),
 * area and lanczos kernels have no PyTorch equal and are refused.
 */
export const resizingRule: LayerRule = {
  name: "resizing",
  kerasClasses: ["Resizing"],
  summary: "`F.interpolate(size=..., mode='bilinear' | 'nearest-exact')` (TensorFlow's half-pixel sampling); `crop_to_aspect_ratio` crops the centre first",
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
  lower: ({ layer, inputShapes }) => {
    const mode = str(layer, "interpolation");
    const torchMode = { bilinear: "bilinear", nearest: "nearest-exact" }[mode];
    if (!torchMode) throw new ConfigError(`Resizing with interpolation='${mode}' is not supported yet (PyTorch's kernel differs from TensorFlow's)`);
    if (layer.config.antialias === true) throw new ConfigError("`antialias=True` is not supported yet");
    if (layer.config.pad_to_aspect_ratio === true) throw new ConfigError("`pad_to_aspect_ratio=True` is not supported yet");
    const [height, width] = [num(layer, "height"), num(layer, "width")];
    let x = input();
    if (layer.config.crop_to_aspect_ratio === true) {
      // Keras crops the largest centred window of the target's aspect ratio, then resizes it.
      const [hAxis, wAxis] = imageAxes(layer);
      const [ih, iw] = [inputShapes[0]![hAxis], inputShapes[0]![wAxis]];
      if (ih === null || iw === null || ih === undefined || iw === undefined) throw new ConfigError("`crop_to_aspect_ratio` needs the image size to be known");
      const cropH = Math.min(ih, Math.trunc((iw * height) / width));
      const cropW = Math.min(iw, Math.trunc((ih * width) / height));
      const top = Math.trunc((ih - cropH) / 2);
      const left = Math.trunc((iw - cropW) / 2);
      if (cropH !== ih || cropW !== iw) x = centreSlice(x, top, cropH, left, cropW);
    }
    const kwargs: [string, ReturnType<typeof lit>][] = [["size", { k: "tuple", items: [lit(height), lit(width)] }], ["mode", lit(torchMode)]];
    if (torchMode === "bilinear") kwargs.push(["align_corners", lit(false)]);
    return { ok: true, lowering: { forward: { k: "call", fn: { k: "name", name: "F.interpolate" }, args: [x], kwargs }, weights: [], constants: [] } };
  },
};

/** `x[:, :, top:top + h, left:left + w]` on a channels-first image. */
function centreSlice(x: ReturnType<typeof input>, top: number, h: number, left: number, w: number): ReturnType<typeof input> {
  const all = { k: "slice" as const, start: null, stop: null, step: null };
  const span = (start: number, size: number) => ({ k: "slice" as const, start: lit(start), stop: lit(start + size), step: null });
  return { k: "subscript", obj: x, index: { k: "tuple", items: [all, all, span(top, h), span(left, w)] } };
}

/** CenterCrop: the centred window, in whatever layout the image is; a smaller image is resized by Keras (refused). */
export const centerCropRule: LayerRule = {
  name: "center_crop",
  kerasClasses: ["CenterCrop"],
  summary: "a centred slice `x[:, :, top:top + h, left:left + w]`",
  signature: () => ({ params: [{ name: "height", default: null }, { name: "width", default: null }, { name: "data_format", default: null }] }),
  inferShape: ({ layer, inputs }) => imageSizedShape(layer, inputs[0]!),
  layout: ({ layer }) => {
    const cf = channelsFirst(4, channelAxis(layer));
    return { inputs: [cf], outputs: [cf] };
  },
  lower: ({ layer, inputShapes }) => {
    const [hAxis, wAxis] = imageAxes(layer);
    const [ih, iw] = [inputShapes[0]![hAxis], inputShapes[0]![wAxis]];
    const [height, width] = [num(layer, "height"), num(layer, "width")];
    if (ih === null || iw === null || ih === undefined || iw === undefined) throw new ConfigError("CenterCrop needs the image size to be known");
    if (ih < height || iw < width) throw new ConfigError(`the image (${ih}x${iw}) is smaller than the crop (${height}x${width}); Keras then resizes it, which is not supported yet`);
    const forward = centreSlice(input(), Math.floor((ih - height) / 2), height, Math.floor((iw - width) / 2), width);
    return { ok: true, lowering: { forward, weights: [], constants: [] } };
  },
};
