// Layers that only act in training: spatial dropout, Gaussian noise and dropout, alpha dropout, and the
// Random* augmentation layers. At inference (`model.eval()`) each is the identity, as in Keras.
// In training the dropout and noise layers do what Keras does; the augmentations are left out (a
// warning says so), since PyTorch code usually augments in the data pipeline.
import { channelsFirst } from "../ir/layout.js";
import type { PyExpr } from "../ir/types.js";
import type { LayerRule } from "./types.js";
import { ConfigError, call, callModule, floatLit, input, lit, num, shapeError, shapeOk, imageAxes, imageSizedShape } from "./util.js";

const TRAINING: PyExpr = { k: "attr", obj: { k: "name", name: "self" }, name: "training" };
/** `expr if self.training else x` */
const inTraining = (expr: PyExpr): PyExpr => ({ k: "ternary", condition: TRAINING, then: expr, otherwise: input() });

function rate(value: number): number {
  if (!(value >= 0 && value < 1)) throw new ConfigError("`rate` must be in [0, 1)");
  return value;
}

export const spatialDropoutRule: LayerRule = {
  name: "spatial_dropout",
  kerasClasses: ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"],
  summary: "`nn.Dropout1d/2d/3d` on the channels-first tensor (whole channels dropped, as Keras does)",
  signature: () => ({ params: [{ name: "rate", default: null }, { name: "data_format", default: null }] }),
  inferShape: ({ layer, inputs }) => {
    const n = Number(/([123])D/.exec(layer.kerasClass)![1]);
    if (inputs[0]!.length !== n + 2) return shapeError(`${layer.kerasClass} expects a rank-${n + 2} input, got rank ${inputs[0]!.length}`);
    return shapeOk(inputs[0]!);
  },
  layout: ({ layer, inputShapes }) => {
    const cf = channelsFirst(inputShapes[0]!.length, layer.config.data_format === "channels_first" ? 1 : -1);
    return { inputs: [cf], outputs: [cf] };
  },
  lower: ({ layer }) => {
    const n = Number(/([123])D/.exec(layer.kerasClass)![1]);
    return { ok: true, lowering: { module: { ctor: `nn.Dropout${n}d`, args: [lit(rate(num(layer, "rate")))], kwargs: [] }, forward: callModule(input()), weights: [], constants: [] } };
  },
};

const elementwise = {
  inferShape: ({ inputs }: { inputs: (number | null)[][] }) => shapeOk(inputs[0]!),
  layout: ({ inputLayouts }: { inputLayouts: import("../ir/types.js").Layout[] }) => ({ inputs: [null], outputs: [inputLayouts[0]!] }),
};

export const gaussianNoiseRule: LayerRule = {
  name: "gaussian_noise",
  kerasClasses: ["GaussianNoise"],
  summary: "`x + torch.randn_like(x) * stddev` in training, the identity in eval",
  signature: () => ({ params: [{ name: "stddev", default: null }, { name: "seed", default: null }] }),
  ...elementwise,
  lower: ({ layer }) => {
    const noise: PyExpr = { k: "binop", op: "+", left: input(), right: { k: "binop", op: "*", left: call("torch.randn_like", [input()]), right: floatLit(num(layer, "stddev")) } };
    return { ok: true, lowering: { forward: inTraining(noise), weights: [], constants: [] } };
  },
};

export const gaussianDropoutRule: LayerRule = {
  name: "gaussian_dropout",
  kerasClasses: ["GaussianDropout"],
  summary: "`x * (1 + torch.randn_like(x) * sqrt(rate / (1 - rate)))` in training, the identity in eval",
  signature: () => ({ params: [{ name: "rate", default: null }, { name: "seed", default: null }] }),
  ...elementwise,
  lower: ({ layer }) => {
    const r = rate(num(layer, "rate"));
    const std = Math.sqrt(r / (1 - r));
    const factor: PyExpr = { k: "binop", op: "+", left: floatLit(1), right: { k: "binop", op: "*", left: call("torch.randn_like", [input()]), right: floatLit(std) } };
    return { ok: true, lowering: { forward: r === 0 ? input() : inTraining({ k: "binop", op: "*", left: input(), right: factor }), weights: [], constants: [] } };
  },
};

export const alphaDropoutRule: LayerRule = {
  name: "alpha_dropout",
  kerasClasses: ["AlphaDropout"],
  summary: "`nn.AlphaDropout` (the SELU-preserving dropout; the identity in eval)",
  signature: () => ({ params: [{ name: "rate", default: null }, { name: "noise_shape", default: null }, { name: "seed", default: null }] }),
  ...elementwise,
  lower: ({ layer }) => {
    if (layer.config.noise_shape !== null && layer.config.noise_shape !== undefined) throw new ConfigError("AlphaDropout with `noise_shape` is not supported yet");
    return { ok: true, lowering: { module: { ctor: "nn.AlphaDropout", args: [lit(rate(num(layer, "rate")))], kwargs: [] }, forward: callModule(input()), weights: [], constants: [] } };
  },
};

/** Keras' constructor arguments of each augmentation layer (all of them change only training). */
const AUGMENTATIONS: Record<string, string[]> = {
  RandomFlip: ["mode", "seed", "data_format"],
  RandomRotation: ["factor", "fill_mode", "interpolation", "seed", "fill_value", "value_range", "data_format"],
  RandomZoom: ["height_factor", "width_factor", "fill_mode", "interpolation", "seed", "fill_value", "data_format"],
  RandomTranslation: ["height_factor", "width_factor", "fill_mode", "interpolation", "seed", "fill_value", "data_format"],
  RandomContrast: ["factor", "seed", "value_range"],
  RandomBrightness: ["factor", "value_range", "seed"],
  RandomColorDegeneration: ["factor", "value_range", "data_format", "seed"],
  RandomColorJitter: ["value_range", "brightness_factor", "contrast_factor", "saturation_factor", "hue_factor", "seed", "data_format"],
  RandomElasticTransform: ["factor", "scale", "interpolation", "fill_mode", "fill_value", "value_range", "seed", "data_format"],
  RandomErasing: ["factor", "scale", "fill_value", "value_range", "seed", "data_format"],
  RandomGaussianBlur: ["factor", "kernel_size", "sigma", "value_range", "data_format", "seed"],
  RandomGrayscale: ["factor", "data_format", "seed"],
  RandomHue: ["factor", "value_range", "data_format", "seed"],
  RandomInvert: ["factor", "value_range", "seed", "data_format"],
  RandomPerspective: ["factor", "scale", "interpolation", "fill_value", "seed", "data_format"],
  RandomPosterization: ["factor", "value_range", "data_format", "seed"],
  RandomSaturation: ["factor", "value_range", "data_format", "seed"],
  RandomSharpness: ["factor", "value_range", "data_format", "seed"],
  RandomShear: ["x_factor", "y_factor", "interpolation", "fill_mode", "fill_value", "data_format", "seed"],
  Solarization: ["addition_factor", "threshold_factor", "value_range", "seed"],
  AugMix: ["value_range", "num_chains", "chain_depth", "factor", "alpha", "all_ops", "interpolation", "seed", "data_format"],
  CutMix: ["factor", "seed", "data_format"],
  MixUp: ["alpha", "data_format", "seed"],
  RandAugment: ["value_range", "num_ops", "factor", "interpolation", "seed", "data_format"],
};

const LEFT_OUT_IN_TRAINING =
  "random augmentation is the identity at inference, as in Keras; in training the generated module does not augment (do it in the data pipeline, e.g. with torchvision.transforms.v2)";

/** The augmentation layers: the identity at inference. */
export const AUGMENTATION_CLASSES: ReadonlySet<string> = new Set(Object.keys(AUGMENTATIONS));

/** Layers that augment data in training: those above, and RandomCrop (which has a rule of its own). */
export function augmentsData(kerasClass: string): boolean {
  return AUGMENTATION_CLASSES.has(kerasClass) || kerasClass === "RandomCrop";
}

export const augmentationRule: LayerRule = {
  name: "augmentation",
  kerasClasses: Object.keys(AUGMENTATIONS),
  summary: "the identity: what Keras does at inference; in training the augmentation is left out (a warning says so)",
  signature: (cls) => ({ params: AUGMENTATIONS[cls]!.map((name) => ({ name, default: null })) }),
  ...elementwise,
  lower: () => ({
    ok: true,
    lowering: {
      forward: input(),
      weights: [],
      constants: [],
      warning: LEFT_OUT_IN_TRAINING,
    },
  }),
};

/**
 * RandomCrop: Keras 3 declares the cropped shape, yet at inference returns the image uncropped (Keras 2
 * cropped the centre). The module does what Keras 3 does; a smaller crop gets a warning saying so.
 */
export const randomCropRule: LayerRule = {
  name: "random_crop",
  kerasClasses: ["RandomCrop"],
  summary: "the identity, as Keras 3 at inference (which still declares the cropped shape); in training the crop is left out",
  signature: () => ({ params: ["height", "width", "seed", "data_format"].map((name) => ({ name, default: null })) }),
  inferShape: ({ layer, inputs }) => imageSizedShape(layer, inputs[0]!),
  layout: ({ inputLayouts }) => ({ inputs: [null], outputs: [inputLayouts[0]!] }),
  lower: ({ layer, inputShapes }) => {
    const [h, w] = imageAxes(layer);
    const shape = inputShapes[0]!;
    const crops = shape[h] !== num(layer, "height") || shape[w] !== num(layer, "width");
    const warning = crops
      ? `Keras 3 declares RandomCrop's output as ${num(layer, "height")}x${num(layer, "width")} but returns the input uncropped at inference, and so does the generated module; layers after it see the full image. ${LEFT_OUT_IN_TRAINING}`
      : LEFT_OUT_IN_TRAINING;
    return { ok: true, lowering: { forward: input(), weights: [], constants: [], warning } };
  },
};
