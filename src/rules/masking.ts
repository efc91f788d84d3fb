// Keras masks (keras/src/layers/layer.py, Keras 3.15.1). Embedding(mask_zero=True) attaches a mask to its
// output; a layer that supports masking passes the mask of its first input on (compute_mask returns it);
// a layer that does not drops it, as Keras does (with a warning there). The layers that *use* the mask in
// their computation get it as their last input (`LowerContext.masked`).
import type { LayerDef } from "../ir/types.js";

/** Layers whose numbers depend on the mask, and that keras2torch translates with it. */
const CONSUMERS = new Set(["LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional", "GlobalAveragePooling1D"]);

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

/**
 * Keras layers that support masking in a way keras2torch does not translate yet: the mask changes their
 * numbers (Softmax, attention, Bidirectional) or is merged (the merge layers), so it must not be dropped.
 */
const NOT_YET = new Set([
  "TimeDistributed",
  "Softmax",
  "MultiHeadAttention",
  "GroupedQueryAttention",
  "Attention",
  "AdditiveAttention",
  "Concatenate",
  "Add",
  "Subtract",
  "Multiply",
  "Average",
  "Maximum",
  "Minimum",
  "Dot",
  "Lambda",
  "Embedding",
  // An RNN: the mask holds its state on masked steps.
  "ConvLSTM1D",
  "ConvLSTM2D",
  "ConvLSTM3D",
]);

/** What a layer does with a mask on its first input. */
export function maskUsage(layer: Pick<LayerDef, "kerasClass">): "consumes" | "passes" | "drops" | "unsupported" {
  if (CONSUMERS.has(layer.kerasClass)) return "consumes";
  if (PASS_THROUGH.has(layer.kerasClass)) return "passes";
  if (NOT_YET.has(layer.kerasClass)) return "unsupported";
  return "drops";
}

/** Whether the layer's first output carries its input's mask on. */
export function keepsMask(layer: Pick<LayerDef, "kerasClass" | "config">): boolean {
  if (PASS_THROUGH.has(layer.kerasClass)) return true;
  // A recurrent layer's sequence output keeps the mask; its last output and states do not.
  if (["LSTM", "GRU", "SimpleRNN", "RNN"].includes(layer.kerasClass)) return layer.config.return_sequences === true;
  if (layer.kerasClass === "Bidirectional") {
    const inner = layer.config.layer as { config?: Record<string, unknown> } | null;
    return inner?.config?.return_sequences === true;
  }
  return false;
}
