// Keras masks (keras/src/layers/layer.py, Keras 3.15.1). Embedding(mask_zero=True) and Masking attach a mask
// to their output. Keras then hands masks to a layer's call: a call with one tensor argument gets that
// argument's mask(s) as `mask`; a call with several gets each tensor's mask as `<argument>_mask` when the
// call takes such a parameter (MultiHeadAttention's query_mask, value_mask, key_mask). A layer that supports
// masking sets `compute_mask(inputs, previous_mask)` on its outputs; one that does not drops the mask.
//
// The layers whose numbers depend on a mask get the masks they read as extra inputs, after their own, in
// input order (`LowerContext.masks` says whose). The mask of a layer's output is computed in the graph.
import type { ConfigValue, LayerDef } from "../ir/types.js";

type Layer = Pick<LayerDef, "kerasClass" | "config">;

/** Layers whose numbers depend on the mask of their first input (their call has one tensor argument). */
const READS_FIRST = new Set(["LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional", "GlobalAveragePooling1D"]);

/** Layers whose numbers depend on the masks of several inputs: the attention layers. */
const READS_EACH = new Set(["MultiHeadAttention", "Attention", "AdditiveAttention"]);

/** Keras layers that pass their input's mask on unchanged (`supports_masking = True`, default compute_mask). */
const PASS_THROUGH = new Set([
  "Dense",
  "Activation",
  "ReLU",
  "LeakyReLU",
  "PReLU",
  "ELU",
  "Dropout",
  "SpatialDropout1D",
  "GaussianNoise",
  "GaussianDropout",
  "AlphaDropout",
  "ActivityRegularization",
  "Identity",
  "Rescaling",
  "Normalization",
  "LayerNormalization",
  "BatchNormalization",
  "GroupNormalization",
  "UnitNormalization",
]);

/** Merges whose output mask is the OR of their inputs' masks (None when one input has none); the numbers ignore them. */
const OR_MERGES = new Set(["Add", "Subtract", "Average"]);

/** Merges whose numbers depend on their inputs' masks too (a masked step is 1, or taken from the other side). */
const MASKED_MERGES = new Set(["Multiply", "Maximum", "Minimum"]);

/**
 * Keras layers that use a mask in a way keras2torch does not translate yet: the mask changes their numbers
 * (Softmax, a Lambda that takes `mask`, ConvLSTM whose state holds on masked steps), so it must not be dropped.
 */
const NOT_YET = new Set(["Softmax", "GroupedQueryAttention", "Lambda", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]);

/**
 * How a layer's first output gets its mask: none, its first input's, the OR of all, Concatenate's, or one
 * the layer makes: Embedding(mask_zero=True) keeps the non-zero indices, Masking the steps where any
 * feature differs from `mask_value`.
 */
export type OutputMask = "none" | "first" | "or" | "concatenate" | { nonZero: true } | { differsFrom: number };

export interface MaskPlan {
  /** For each tensor input: whether the layer reads its mask (the masks follow the inputs, in order). */
  reads: boolean[];
  output: OutputMask;
  /**
   * How many of the inputs lose their masks after the call: MultiHeadAttention removes the masks of its
   * query, value and key tensors (`backend.set_keras_mask(query, None)`), so later layers that read the
   * same tensors see none.
   */
  clears?: number;
}

/**
 * What a layer does with the masks of its inputs (`masks[i]`: whether input i has one), or why keras2torch
 * cannot translate it. `tensorArguments`: how many tensor arguments the call had (`mha(q, v)`: 2;
 * `Attention()([q, v])`: 1).
 */
export function maskPlan(layer: Layer, masks: boolean[], tensorArguments: number, call: Record<string, ConfigValue> | undefined): MaskPlan | { unsupported: string } {
  const none = masks.map(() => false);
  const cls = layer.kerasClass;
  // The layers that make a mask (a mask they are given is replaced).
  if (cls === "Embedding" && layer.config.mask_zero === true) return { reads: none, output: { nonZero: true } };
  if (cls === "Masking") return { reads: none, output: { differsFrom: typeof layer.config.mask_value === "number" ? layer.config.mask_value : 0 } };
  if (!masks.some(Boolean)) return { reads: none, output: "none" };
  if (READS_FIRST.has(cls)) {
    // Keras 3 fills in `mask` only for a call with one tensor argument: with `initial_state` the layer runs
    // unmasked (its sequence output still carries the first input's mask).
    const reads = tensorArguments > 1 ? none : masks.map((m, i) => m && i === 0);
    return { reads, output: sequenceOutputKeepsMask(layer) ? "first" : "none" };
  }
  if (READS_EACH.has(cls)) {
    // MultiHeadAttention(query, value, key=, attention_mask=): the masks of query, value and key.
    // Attention([query, value, key]): the query's and the value's; the key's is not used.
    const read = cls === "MultiHeadAttention" ? (call?.key ? 3 : 2) : 2;
    const reads = masks.map((m, i) => m && i < read);
    return cls === "MultiHeadAttention" ? { reads, output: "first", clears: read } : { reads, output: "first" };
  }
  if (PASS_THROUGH.has(cls)) return { reads: none, output: "first" };
  if (MASKED_MERGES.has(cls)) return { reads: masks, output: masks.every(Boolean) ? "or" : "none" };
  if (OR_MERGES.has(cls)) return { reads: none, output: masks.every(Boolean) ? "or" : "none" };
  if (cls === "Concatenate") return { reads: none, output: "concatenate" };
  if (cls === "TimeDistributed") {
    // The wrapped layer gets the mask only when its call takes one; the output keeps the input's mask.
    const inner = layer.config.layer as { class_name?: unknown } | null;
    const innerClass = typeof inner?.class_name === "string" ? inner.class_name : "";
    if (READS_FIRST.has(innerClass) || READS_EACH.has(innerClass) || NOT_YET.has(innerClass)) return { unsupported: `TimeDistributed around ${innerClass}` };
    return { reads: none, output: "first" };
  }
  if (NOT_YET.has(cls)) return { unsupported: cls };
  return { reads: none, output: "none" };
}

/** A recurrent layer's sequence output keeps the mask; its last output and states do not. */
function sequenceOutputKeepsMask(layer: Layer): boolean {
  if (layer.kerasClass === "GlobalAveragePooling1D") return false;
  if (layer.kerasClass === "Bidirectional") {
    const inner = layer.config.layer as { config?: Record<string, unknown> } | null;
    return inner?.config?.return_sequences === true;
  }
  return layer.config.return_sequences === true;
}
