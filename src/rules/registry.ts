// The explicit rule registry. Adding a layer family = adding its module here. `test/golden.test.ts`
// checks that every rule's classes are used by a passing golden case; `test/rules.test.ts` checks the
// registry and regenerates the supported-layers table in the docs from it.
import { activationRule, eluRule, leakyReluRule, preluRule, reluRule, softmaxRule } from "./activations.js";
import { convTransposeRule } from "./conv_transpose.js";
import { convRule } from "./convolution.js";
import { convLstmRule } from "./conv_lstm.js";
import { depthwiseConvRule, separableConvRule } from "./depthwise.js";
import { dotAttentionRule, multiHeadAttentionRule } from "./attention.js";
import { embeddingRule } from "./embedding.js";
import { normalizationRule } from "./preprocessing.js";
import { categoryEncodingRule, hashingRule, integerLookupRule, stringLookupRule, textVectorizationRule } from "./lookup.js";
import { setWrappedRuleLookup, timeDistributedRule } from "./wrappers.js";
import { bidirectionalRule, recurrentRule, rnnRule } from "./recurrent.js";
import { activityRegularizationRule, dropoutRule, maskingRule, identityRule, inputRule, rescalingRule } from "./core.js";
import { denseRule } from "./dense.js";
import { alphaDropoutRule, augmentationRule, gaussianDropoutRule, gaussianNoiseRule, randomCropRule, spatialDropoutRule } from "./noise.js";
import { arithmeticMergeRule, concatenateRule, dotRule, elementwiseMergeRule } from "./merging.js";
import { batchNormRule, groupNormRule, layerNormRule, rmsNormRule, unitNormRule } from "./normalization.js";
import { adaptivePoolingRule, globalPoolingRule, poolingRule } from "./pooling.js";
import { croppingRule, flattenRule, permuteRule, repeatVectorRule, reshapeRule, zeroPadding1dRule, zeroPadding2dRule, zeroPadding3dRule } from "./reshaping.js";
import { centerCropRule, resizingRule, upSampling1dRule, upSampling2dRule, upSampling3dRule } from "./resizing.js";
import type { LayerRule } from "./types.js";

export const RULES: readonly LayerRule[] = [
  inputRule,
  denseRule,
  embeddingRule,
  recurrentRule,
  bidirectionalRule,
  rnnRule,
  convLstmRule,
  multiHeadAttentionRule,
  dotAttentionRule,
  timeDistributedRule,
  normalizationRule,
  categoryEncodingRule,
  integerLookupRule,
  stringLookupRule,
  textVectorizationRule,
  hashingRule,
  resizingRule,
  centerCropRule,
  activationRule,
  reluRule,
  leakyReluRule,
  softmaxRule,
  dropoutRule,
  flattenRule,
  reshapeRule,
  convRule,
  poolingRule,
  globalPoolingRule,
  adaptivePoolingRule,
  batchNormRule,
  zeroPadding2dRule,
  arithmeticMergeRule,
  concatenateRule,
  elementwiseMergeRule,
  dotRule,
  identityRule,
  rescalingRule,
  activityRegularizationRule,
  maskingRule,
  layerNormRule,
  rmsNormRule,
  groupNormRule,
  unitNormRule,
  repeatVectorRule,
  permuteRule,
  zeroPadding1dRule,
  croppingRule,
  upSampling1dRule,
  upSampling2dRule,
  upSampling3dRule,
  zeroPadding3dRule,
  convTransposeRule,
  depthwiseConvRule,
  separableConvRule,
  eluRule,
  preluRule,
  spatialDropoutRule,
  gaussianNoiseRule,
  gaussianDropoutRule,
  alphaDropoutRule,
  augmentationRule,
  randomCropRule,
];

/** Keras aliases that name the same class. */
export const CLASS_ALIASES: Record<string, string> = {
  MaxPool1D: "MaxPooling1D",
  MaxPool2D: "MaxPooling2D",
  AvgPool1D: "AveragePooling1D",
  AvgPool2D: "AveragePooling2D",
  GlobalAvgPool1D: "GlobalAveragePooling1D",
  GlobalAvgPool2D: "GlobalAveragePooling2D",
  GlobalMaxPool1D: "GlobalMaxPooling1D",
  GlobalMaxPool2D: "GlobalMaxPooling2D",
  Convolution1D: "Conv1D",
  Convolution2D: "Conv2D",
  Convolution3D: "Conv3D",
  Convolution1DTranspose: "Conv1DTranspose",
  Convolution2DTranspose: "Conv2DTranspose",
  Convolution3DTranspose: "Conv3DTranspose",
  Deconvolution2D: "Conv2DTranspose",
  Deconvolution3D: "Conv3DTranspose",
  Deconv2D: "Conv2DTranspose",
  Deconv3D: "Conv3DTranspose",
  SeparableConvolution1D: "SeparableConv1D",
  SeparableConvolution2D: "SeparableConv2D",
  MaxPool3D: "MaxPooling3D",
  AvgPool3D: "AveragePooling3D",
  GlobalAvgPool3D: "GlobalAveragePooling3D",
  GlobalMaxPool3D: "GlobalMaxPooling3D",
};

const byClass = new Map<string, LayerRule>();
for (const rule of RULES) for (const cls of rule.kerasClasses) byClass.set(cls, rule);

export function ruleFor(kerasClass: string): LayerRule | undefined {
  return byClass.get(kerasClass);
}
setWrappedRuleLookup(ruleFor);

export function listRules(): { name: string; kerasClasses: string[]; summary: string }[] {
  return RULES.map((r) => ({ name: r.name, kerasClasses: [...r.kerasClasses], summary: r.summary }));
}
