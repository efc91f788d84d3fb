// Embedding → nn.Embedding. Keras casts the indices to int32 (a float input is truncated toward zero,
// as `.long()` does); its `embeddings` variable is PyTorch's `weight` as it is. `mask_zero=True` adds
// the mask `indices != 0` to the graph (see masking.ts), which the layers that consume it read.
import { identity } from "../ir/layout.js";
import type { LayerRule } from "./types.js";
import { ConfigError, callModule, input, lit, method, num } from "./util.js";

export const embeddingRule: LayerRule = {
  name: "embedding",
  kerasClasses: ["Embedding"],
  summary: "`nn.Embedding` (float indices are cast with `.long()`, as Keras casts them)",
  signature: () => ({
    params: [
      { name: "input_dim", default: null },
      { name: "output_dim", default: null },
      { name: "embeddings_initializer", default: "uniform" },
      { name: "embeddings_regularizer", default: null },
      { name: "embeddings_constraint", default: null },
      { name: "mask_zero", default: false },
      { name: "weights", default: null },
      { name: "lora_rank", default: null },
      { name: "lora_alpha", default: null },
      // Keras 2 only: the sequence length, which the input shape already gives.
      { name: "input_length", default: null },
    ],
  }),
  inferShape: ({ layer, inputs }) => {
    const [inputDim, outputDim] = [num(layer, "input_dim"), num(layer, "output_dim")];
    if (!(inputDim > 0 && outputDim > 0)) throw new ConfigError("`input_dim` and `output_dim` must be positive");
    return { ok: true, shapes: [[...inputs[0]!, outputDim]], dtypes: ["float32"] };
  },
  layout: ({ inputShapes }) => ({ inputs: [identity(inputShapes[0]!.length)], outputs: [identity(inputShapes[0]!.length + 1)] }),
  lower: ({ layer, inputDtypes }) => {
    if (layer.config.lora_rank !== null && layer.config.lora_rank !== undefined) throw new ConfigError("`lora_rank` (LoRA) is not supported yet");
    const dtype = inputDtypes?.[0];
    const indices = dtype === "int64" || dtype === "int32" ? input() : method(input(), "long", []);
    const weights = [{ kerasIndex: 0, kerasName: "embeddings", kerasShape: [num(layer, "input_dim"), num(layer, "output_dim")], param: "weight", transforms: [] }];
    return { ok: true, lowering: { module: { ctor: "nn.Embedding", args: [lit(num(layer, "input_dim")), lit(num(layer, "output_dim"))], kwargs: [] }, forward: callModule(indices), weights, constants: [] } };
  },
};
