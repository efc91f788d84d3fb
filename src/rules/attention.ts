// MultiHeadAttention → the generated KerasMultiHeadAttention module (templates/helpers): Keras'
// EinsumDense kernels become nn.Linear weights. Keras 3.15.1, keras/src/layers/attention/.
//
// Weights: `query_dense`, `key_dense`, `value_dense` hold a (features, heads, dim) kernel and a (heads, dim)
// bias, `output_dense` a (heads, value_dim, output) kernel and an (output,) bias (Keras 2 called them
// query, key, value and attention_output). Each kernel is reshaped to 2-D and transposed.
import { identity } from "../ir/layout.js";
import type { PyExpr, WeightEntry } from "../ir/types.js";
import type { LayerRule } from "./types.js";
import { ConfigError, call, input, lit, method, num, shapeOk, tuple } from "./util.js";

/** Keras' (features, heads, dim) kernel as nn.Linear's (heads·dim, features) weight, and its bias. */
function projection(attr: string, keras3: string, first: number, features: number, heads: number, dim: number, bias: boolean): WeightEntry[] {
  const rows: WeightEntry[] = [
    {
      kerasIndex: first,
      kerasName: "kernel",
      kerasShape: [features, heads, dim],
      param: `${attr}.weight`,
      transforms: [{ op: "reshape", shape: [features, heads * dim] }, { op: "transpose", axes: [1, 0] }],
      keras3Subpath: `${keras3}/vars/0`,
    },
  ];
  if (bias) rows.push({ kerasIndex: first + 1, kerasName: "bias", kerasShape: [heads, dim], param: `${attr}.bias`, transforms: [{ op: "reshape", shape: [heads * dim] }], keras3Subpath: `${keras3}/vars/1` });
  return rows;
}

export const multiHeadAttentionRule: LayerRule = {
  name: "multi_head_attention",
  kerasClasses: ["MultiHeadAttention"],
  summary: "the generated `KerasMultiHeadAttention` (nn.Linear projections, Keras' scaling and -1e9 masking); `key`, `attention_mask`, `use_causal_mask`, `return_attention_scores`, and the Keras masks of query, value and key; inputs with several attention axes are flattened to one (without masks or scores)",
  signature: () => ({
    params: [
      { name: "num_heads", default: null },
      { name: "key_dim", default: null },
      { name: "value_dim", default: null },
      { name: "dropout", default: 0 },
      { name: "use_bias", default: true },
      { name: "output_shape", default: null },
      { name: "attention_axes", default: null },
      { name: "flash_attention", default: null },
      { name: "kernel_initializer", default: "glorot_uniform" },
      { name: "bias_initializer", default: "zeros" },
      { name: "kernel_regularizer", default: null },
      { name: "bias_regularizer", default: null },
      { name: "activity_regularizer", default: null },
      { name: "kernel_constraint", default: null },
      { name: "bias_constraint", default: null },
      { name: "seed", default: null },
    ],
  }),
  callParams: [
    { name: "value", kind: "tensor" },
    { name: "key", kind: "tensor" },
    { name: "query_mask", kind: "tensor" },
    { name: "value_mask", kind: "tensor" },
    { name: "key_mask", kind: "tensor" },
    { name: "attention_mask", kind: "tensor" },
    { name: "return_attention_scores", kind: "value", default: false },
    { name: "use_causal_mask", kind: "value", default: false },
  ],
  inferShape: ({ layer, inputs, call }) => {
    const geometry = attentionGeometry(layer.config, inputs, call ?? {});
    const [query] = inputs;
    const output = [...query!.slice(0, -1), geometry.output];
    if (!call?.return_attention_scores) return shapeOk(output);
    const value = inputs[1]!;
    return shapeOk(output, [query![0]!, geometry.heads, query![1]!, value[1]!]);
  },
  layout: ({ inputShapes, outputShapes }) => ({ inputs: inputShapes.map((s) => identity(s.length)), outputs: outputShapes.map((s) => identity(s.length)) }),
  lower: ({ layer, inputShapes, call: given, masks }) => {
    const c = given ?? {};
    const g = attentionGeometry(layer.config, inputShapes, c);
    const bias = layer.config.use_bias !== false;
    // Keyword arguments: seven sizes in a row would not review well.
    const args: PyExpr[] = [];
    const kwargs: [string, PyExpr][] = [
      ["num_heads", lit(g.heads)],
      ["key_dim", lit(g.keyDim)],
      ["value_dim", lit(g.valueDim)],
      ["query_features", lit(g.queryFeatures)],
      ["key_features", lit(g.keyFeatures)],
      ["value_features", lit(g.valueFeatures)],
      ["output_features", lit(g.output)],
    ];
    if (!bias) kwargs.push(["bias", lit(false)]);
    const dropout = num(layer, "dropout");
    if (dropout > 0) kwargs.push(["dropout", lit(dropout)]);
    const weights = [
      ...projection("query", "query_dense", 0, g.queryFeatures, g.heads, g.keyDim, bias),
      ...projection("key", "key_dense", bias ? 2 : 1, g.keyFeatures, g.heads, g.keyDim, bias),
      ...projection("value", "value_dense", bias ? 4 : 2, g.valueFeatures, g.heads, g.valueDim, bias),
    ];
    const out = bias ? 6 : 3;
    weights.push({ kerasIndex: out, kerasName: "kernel", kerasShape: [g.heads, g.valueDim, g.output], param: "attention_output.weight", transforms: [{ op: "reshape", shape: [g.heads * g.valueDim, g.output] }, { op: "transpose", axes: [1, 0] }], keras3Subpath: "output_dense/vars/0" });
    if (bias) weights.push({ kerasIndex: out + 1, kerasName: "bias", kerasShape: [g.output], param: "attention_output.bias", transforms: [], keras3Subpath: "output_dense/vars/1" });
    // Inputs: query, value, then key and attention_mask when the call gave them, then the Keras masks of
    // query, value and key that Keras passes as query_mask, value_mask and key_mask.
    let next = 2;
    const callArgs: PyExpr[] = [input(0), input(1)];
    const callKwargs: [string, PyExpr][] = [];
    if (c.key) callKwargs.push(["key", input(next++)]);
    if (c.attention_mask) callKwargs.push(["attention_mask", input(next++)]);
    const keras = (masks ?? []).map((m, i) => (m ? ["query_mask", "value_mask", "key_mask"][i]! : null));
    for (const name of keras) if (name) callKwargs.push([name, input(next++)]);
    if (c.use_causal_mask) callKwargs.push(["use_causal_mask", lit(true)]);
    if (c.return_attention_scores) callKwargs.push(["return_attention_scores", lit(true)]);
    // Keras takes its explicit path (masked weights zeroed after the softmax) with dropout or scores.
    const anyMask = c.attention_mask || c.use_causal_mask || keras.some((m) => m !== null);
    if (anyMask && (dropout > 0 || c.return_attention_scores)) callKwargs.push(["zero_masked", lit(true)]);
    // Over several attention axes (`(batch, patches, pixels, features)`) Keras attends over all their
    // positions at once, a softmax over every key position: the same as over those axes flattened.
    const rank = inputShapes[0]!.length;
    if (rank > 3 && keras.some((m) => m !== null)) throw new ConfigError(`the Keras masks of rank-${rank} inputs are not supported yet`);
    const flat = (e: PyExpr) => (rank > 3 ? method(e, "flatten", [lit(1), lit(-2)]) : e);
    const attended = call({ k: "module" }, callArgs.map(flat), callKwargs.map(([name, e]): [string, PyExpr] => [name, name === "key" ? flat(e) : e]));
    const forward = rank > 3 ? method(attended, "unflatten", [lit(1), tuple(inputShapes[0]!.slice(1, -1) as number[])]) : attended;
    return { ok: true, lowering: { module: { ctor: "KerasMultiHeadAttention", args, kwargs }, forward, weights, constants: [] } };
  },
};

interface Geometry {
  heads: number;
  keyDim: number;
  valueDim: number;
  queryFeatures: number;
  keyFeatures: number;
  valueFeatures: number;
  output: number;
}

function attentionGeometry(config: Record<string, unknown>, inputs: (number | null)[][], call: Record<string, unknown>): Geometry {
  if (!call.value) throw new ConfigError("MultiHeadAttention needs `value` (call it as `mha(query, value)`)");
  for (const mask of ["query_mask", "value_mask", "key_mask"]) if (call[mask]) throw new ConfigError(`\`${mask}=\` is not supported yet; pass \`attention_mask\``);
  // Keras' default attends over every axis between the batch and the features; once built, Keras stores
  // those axes (a saved config has `[1]` for a sequence): the same as none given.
  const axes = typeof config.attention_axes === "number" ? [config.attention_axes] : config.attention_axes;
  const queryRank = inputs[0]!.length;
  const defaultAxes = Array.from({ length: Math.max(0, queryRank - 2) }, (_, i) => i + 1);
  const isDefault = Array.isArray(axes) && axes.length === defaultAxes.length && axes.every((a, i) => a === defaultAxes[i] || a === defaultAxes[i]! - queryRank);
  if (axes !== null && axes !== undefined && !isDefault) throw new ConfigError("`attention_axes` other than every axis between the batch and the features is not supported yet");
  const heads = config.num_heads;
  const keyDim = config.key_dim;
  if (typeof heads !== "number" || heads <= 0 || typeof keyDim !== "number" || keyDim <= 0) throw new ConfigError("`num_heads` and `key_dim` must be positive integers");
  const valueDim = typeof config.value_dim === "number" ? config.value_dim : keyDim;
  const query = inputs[0]!;
  const value = inputs[1]!;
  const key = call.key ? inputs[2]! : value;
  for (const [what, shape] of [["query", query], ["value", value], ["key", key]] as const) {
    if (shape.length < 3) throw new ConfigError(`MultiHeadAttention's ${what} must be (batch, steps, features) or have more attention axes, got rank ${shape.length}`);
    if (shape.length !== queryRank) throw new ConfigError(`MultiHeadAttention's ${what} must have the query's rank ${queryRank}, got rank ${shape.length}`);
    if (shape[shape.length - 1] === null) throw new ConfigError(`MultiHeadAttention needs the feature size of its ${what}`);
  }
  if (queryRank > 3) {
    if (query.slice(1, -1).some((d) => d === null)) throw new ConfigError("MultiHeadAttention over several attention axes needs their sizes to be known");
    const given = ["attention_mask", "use_causal_mask", "return_attention_scores"].find((k) => call[k]);
    if (given) throw new ConfigError(`\`${given}\` with rank-${queryRank} inputs is not supported yet`);
  }
  const features = (shape: (number | null)[]) => shape[shape.length - 1]!;
  const outputShape = config.output_shape;
  const output = typeof outputShape === "number" ? outputShape : Array.isArray(outputShape) && outputShape.length === 1 && typeof outputShape[0] === "number" ? outputShape[0] : outputShape == null ? features(query) : null;
  if (output === null) throw new ConfigError("`output_shape` with more than one axis is not supported yet");
  return { heads, keyDim, valueDim, queryFeatures: features(query), keyFeatures: features(key), valueFeatures: features(value), output };
}


/** Attention (`score_mode` dot or concat, `use_scale`) and AdditiveAttention, called on `[query, value(, key)]`. */
export const dotAttentionRule: LayerRule = {
  name: "attention",
  kerasClasses: ["Attention", "AdditiveAttention"],
  summary: "the generated `KerasAttention` (dot, concat and additive scores, Keras' -1e9 masking); `use_causal_mask`, `return_attention_scores`, and the Keras masks of query (zeroed outputs) and value",
  signature: (cls) => ({
    params: [
      { name: "use_scale", default: cls === "AdditiveAttention" },
      ...(cls === "Attention" ? [{ name: "score_mode", default: "dot" }] : []),
      { name: "dropout", default: 0 },
      { name: "seed", default: null },
    ],
  }),
  callParams: [
    { name: "return_attention_scores", kind: "value", default: false },
    { name: "use_causal_mask", kind: "value", default: false },
  ],
  inferShape: ({ layer, inputs: all, call, masks }) => {
    const inputs = all.slice(0, all.length - (masks ?? []).filter(Boolean).length);
    if (inputs.length < 2 || inputs.length > 3) return { ok: false, message: `${layer.kerasClass} is called on [query, value] or [query, value, key], got ${inputs.length} tensor(s)` };
    const [query, value] = inputs as [(number | null)[], (number | null)[]];
    if (query.length !== 3 || value.length !== 3) throw new ConfigError(`${layer.kerasClass} takes (batch, steps, features) tensors`);
    const output = [query[0]!, query[1]!, value[2]!];
    return call?.return_attention_scores ? shapeOk(output, [query[0]!, query[1]!, value[1]!]) : shapeOk(output);
  },
  layout: ({ inputShapes, outputShapes }) => ({ inputs: inputShapes.map((s) => identity(s.length)), outputs: outputShapes.map((s) => identity(s.length)) }),
  lower: ({ layer, inputShapes, call: given, masks }) => {
    const c = given ?? {};
    const mode = layer.kerasClass === "AdditiveAttention" ? "additive" : String(layer.config.score_mode ?? "dot");
    if (!["dot", "concat", "additive"].includes(mode)) throw new ConfigError(`\`score_mode\` must be 'dot' or 'concat', got ${JSON.stringify(mode)}`);
    const useScale = layer.config.use_scale === true;
    const features = inputShapes[0]![2];
    const kwargs: [string, PyExpr][] = [];
    if (mode !== "dot") kwargs.push(["score_mode", lit(mode)]);
    if (useScale) kwargs.push(["use_scale", lit(true)]);
    if (useScale && mode === "additive") {
      if (features === null || features === undefined) throw new ConfigError("AdditiveAttention needs the feature size of its query");
      kwargs.push(["features", lit(features)]);
    }
    const dropout = num(layer, "dropout");
    if (dropout > 0) kwargs.push(["dropout", lit(dropout)]);
    const weights: WeightEntry[] = [];
    if (useScale) weights.push({ kerasIndex: 0, kerasName: "scale", kerasShape: mode === "additive" ? [features!] : [], param: "scale", transforms: [] });
    if (mode === "concat") weights.push({ kerasIndex: useScale ? 1 : 0, kerasName: "concat_score_weight", kerasShape: [], param: "concat_score_weight", transforms: [] });
    const args: PyExpr[] = [input(0), input(1)];
    const callKwargs: [string, PyExpr][] = [];
    // The inputs: query, value, maybe key; then the Keras masks of query and value, when they have them.
    const flags = masks ?? [];
    const tensors = inputShapes.length - flags.filter(Boolean).length;
    if (tensors === 3) callKwargs.push(["key", input(2)]);
    let next = tensors;
    if (flags[0]) callKwargs.push(["query_mask", input(next++)]);
    if (flags[1]) callKwargs.push(["value_mask", input(next++)]);
    if (c.use_causal_mask) callKwargs.push(["use_causal_mask", lit(true)]);
    if (c.return_attention_scores) callKwargs.push(["return_attention_scores", lit(true)]);
    return { ok: true, lowering: { module: { ctor: "KerasAttention", args: [], kwargs }, forward: call({ k: "module" }, args, callKwargs), weights, constants: [] } };
  },
};
