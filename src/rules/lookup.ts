// Lookup and categorical preprocessing layers (Keras 3.15.1, keras/src/layers/preprocessing/):
// CategoryEncoding → the generated `encode_categorical`; IntegerLookup on integer tokens → the generated
// `KerasIntegerLookup` with the source's vocabulary; StringLookup, TextVectorization and Hashing work on
// strings, which PyTorch has no tensor for. On a model's string Input they are the string boundary
// (passes/string-boundary.ts takes them out of the module, which then starts at their integer output);
// anywhere else they are a `string-preprocessing` error. Hashing on numbers hashes their decimal strings
// with FarmHash64 (SipHash with a salt), which keras2torch does not reproduce: `integer-hashing`.
import { identity } from "../ir/layout.js";
import type { ConfigValue, LayerDef, PyExpr, Shape } from "../ir/types.js";
import type { LayerRule, ParamSpec, ShapeResult } from "./types.js";
import { ConfigError, call, callModule, input, lit, method, num } from "./util.js";

/** Classes that work on strings: on a string Input they are the boundary of the generated module. */
export const STRING_BOUNDARY_CLASSES = ["StringLookup", "TextVectorization", "Hashing", "IntegerLookup"] as const;

type Token = number | string;

/** A lookup layer's vocabulary as Keras indexes it (keras/src/layers/preprocessing/index_lookup.py). */
export interface LookupVocabulary {
  /** The vocabulary tokens without the mask and OOV tokens; index `tokenStart + i` is `tokens[i]`. */
  tokens: Token[];
  /** 1 when the mask token takes index 0 (a mask token in `int` mode), else 0. */
  oovStart: number;
  tokenStart: number;
  /** `get_vocabulary()`: index i's token, mask and OOV tokens included. */
  full: (Token | null)[];
  /** The source's list starts with the mask and OOV tokens (then `idf_weights` covers them too). */
  withSpecial: boolean;
}

const MODES = ["int", "one_hot", "multi_hot", "count", "tf_idf"];

function outputMode(layer: LayerDef): string {
  const mode = layer.config.output_mode ?? "int";
  // Keras 2's spelling of multi_hot, and TF-IDF's alternative spelling.
  const canonical = mode === "binary" ? "multi_hot" : mode === "tf-idf" ? "tf_idf" : mode;
  if (typeof canonical !== "string" || !MODES.includes(canonical)) throw new ConfigError(`\`output_mode\` must be one of ${MODES.join(", ")}, got ${JSON.stringify(mode)}`);
  return canonical;
}

/**
 * The literal vocabulary of a StringLookup / IntegerLookup (or TextVectorization, whose inner StringLookup
 * has mask token "" and OOV token "[UNK]"); null when the layer is adapted or reads a file.
 */
export function lookupVocabulary(layer: LayerDef): LookupVocabulary | null {
  const text = layer.kerasClass === "TextVectorization";
  const strings = layer.kerasClass !== "IntegerLookup";
  const vocabulary = layer.config.vocabulary;
  if (!Array.isArray(vocabulary)) return null;
  const numOov = text ? 1 : num(layer, "num_oov_indices");
  const mask = text ? "" : ((layer.config.mask_token ?? null) as ConfigValue);
  const oov = text ? "[UNK]" : ((layer.config.oov_token ?? (strings ? "[UNK]" : -1)) as ConfigValue);
  const isToken = (v: ConfigValue): v is Token => (strings ? typeof v === "string" : typeof v === "number" && Number.isInteger(v));
  if (!vocabulary.every(isToken)) throw new ConfigError(`\`vocabulary\` must be a list of ${strings ? "strings" : "ints"}`);
  if (mask !== null && !isToken(mask)) throw new ConfigError(`\`mask_token\` must be ${strings ? "a string" : "an int"} or None`);
  if (oov !== null && !isToken(oov)) throw new ConfigError(`\`oov_token\` must be ${strings ? "a string" : "an int"}`);
  if (!Number.isInteger(numOov) || numOov < 0) throw new ConfigError("`num_oov_indices` must be an int >= 0");
  const oovStart = mask !== null && outputMode(layer) === "int" ? 1 : 0;
  const tokenStart = oovStart + numOov;
  // Keras accepts the vocabulary with or without its special tokens at the start.
  const special: (Token | null)[] = [...new Array<Token | null>(oovStart).fill(mask as Token | null), ...new Array<Token | null>(numOov).fill(oov as Token | null)];
  const withSpecial = special.length > 0 && special.every((t, i) => vocabulary[i] === t);
  const tokens = (withSpecial ? vocabulary.slice(tokenStart) : vocabulary) as Token[];
  if (tokens.length === 0) throw new ConfigError("`vocabulary` is empty");
  if (new Set(tokens).size !== tokens.length) throw new ConfigError("`vocabulary` repeats a token");
  if (mask !== null && tokens.includes(mask as Token)) throw new ConfigError("`vocabulary` holds the mask token past the start");
  // As set_vocabulary checks: the OOV token only matters (and is refused among the tokens) with `invert`.
  if (layer.config.invert === true && oov !== null && tokens.includes(oov as Token)) throw new ConfigError("`vocabulary` holds the OOV token past the start");
  const maxTokens = layer.config.max_tokens;
  if (typeof maxTokens === "number" && tokenStart + tokens.length > maxTokens) throw new ConfigError(`the vocabulary has ${tokenStart + tokens.length} entries, more than \`max_tokens=${maxTokens}\``);
  const full: (Token | null)[] = [...new Array<Token | null>(oovStart).fill(mask as Token | null), ...new Array<Token | null>(numOov).fill(oov as Token | null), ...tokens];
  return { tokens, oovStart, tokenStart, full, withSpecial };
}

/** The width of a lookup's one_hot / multi_hot / count output: the vocabulary size, or `max_tokens` padded. */
function depthOf(layer: LayerDef, vocab: LookupVocabulary | null): number | null {
  if (layer.config.pad_to_max_tokens === true && typeof layer.config.max_tokens === "number") return layer.config.max_tokens;
  return vocab ? vocab.tokenStart + vocab.tokens.length : null;
}

/** IndexLookup.compute_output_shape, and the output dtype (int64 indices, floatx encodings). */
function encodedShape(shape: Shape, mode: string, depth: number | null): ShapeResult {
  if (mode === "int") return { ok: true, shapes: [shape], dtypes: ["int64"] };
  if (mode === "one_hot") return { ok: true, shapes: [shape.length > 1 && shape[shape.length - 1] === 1 ? [...shape.slice(0, -1), depth] : [...shape, depth]], dtypes: ["float32"] };
  return { ok: true, shapes: [[...shape.slice(0, -1), depth]], dtypes: ["float32"] };
}

const lookupParams = (strings: boolean): ParamSpec[] => [
  { name: "max_tokens", default: null },
  { name: "num_oov_indices", default: 1 },
  { name: "mask_token", default: null },
  { name: "oov_token", default: strings ? "[UNK]" : -1 },
  { name: "vocabulary", default: null },
  ...(strings ? [] : [{ name: "vocabulary_dtype", default: "int64" }]),
  { name: "idf_weights", default: null },
  { name: "invert", default: false },
  { name: "output_mode", default: "int" },
  ...(strings ? [{ name: "pad_to_max_tokens", default: false }, { name: "sparse", default: false }, { name: "encoding", default: "utf-8" }] : [{ name: "sparse", default: false }, { name: "pad_to_max_tokens", default: false }]),
  ...(strings ? [] : [{ name: "oov_method", default: "floormod" }]),
  { name: "salt", default: null },
];

/** Thrown when a string layer is lowered inside the module: the boundary pass takes the valid ones out. */
function notAtBoundary(layer: LayerDef): never {
  throw new ConfigError(
    `${layer.kerasClass} works on strings, which PyTorch has no tensor for; keras2torch starts the module after it only when it reads a model's string \`Input\` directly. Move it to the start of the model, or run it in your data pipeline and give the model its output`,
    "string-preprocessing",
  );
}

export const categoryEncodingRule: LayerRule = {
  name: "category_encoding",
  kerasClasses: ["CategoryEncoding"],
  summary: "the generated `encode_categorical` (`one_hot`, `multi_hot`, `count`; tokens outside `[0, num_tokens)` count nowhere, as TensorFlow's bincount drops them)",
  signature: () => ({ params: [{ name: "num_tokens", default: null }, { name: "output_mode", default: "multi_hot" }, { name: "sparse", default: false }] }),
  inferShape: ({ layer, inputs }) => {
    const depth = num(layer, "num_tokens");
    if (!(Number.isInteger(depth) && depth >= 1)) throw new ConfigError("`num_tokens` must be an int >= 1");
    const mode = outputMode(layer);
    if (!["one_hot", "multi_hot", "count"].includes(mode)) throw new ConfigError("`output_mode` must be 'one_hot', 'multi_hot' or 'count'");
    if (layer.config.sparse === true) throw new ConfigError("`sparse=True` has no dense PyTorch equivalent");
    const shape = inputs[0]!;
    // Keras' rank-1 multi_hot/count treats the batch as one sample; its TensorFlow path supports rank <= 2.
    if (mode !== "one_hot" && shape.length !== 2) throw new ConfigError(`\`${mode}\` needs a (batch, tokens) input, got rank ${shape.length}`);
    if (mode === "one_hot" && shape.length > 2) throw new ConfigError("`one_hot` supports inputs of rank 1 or 2");
    return encodedShape(shape, mode, depth);
  },
  layout: ({ inputShapes, outputShapes }) => ({ inputs: [identity(inputShapes[0]!.length)], outputs: [identity(outputShapes[0]!.length)] }),
  lower: ({ layer, inputShapes, inputDtypes }) => {
    if (inputDtypes?.[0] === "string") notAtBoundary(layer);
    if (layer.config.sparse === true) throw new ConfigError("`sparse=True` has no dense PyTorch equivalent");
    const mode = outputMode(layer);
    const shape = inputShapes[0]!;
    const tokens = mode === "one_hot" && shape.length > 1 && shape[shape.length - 1] === 1 ? method(input(), "squeeze", [lit(-1)]) : input();
    return { ok: true, lowering: { forward: call("encode_categorical", [tokens, lit(num(layer, "num_tokens")), lit(mode)]), weights: [], constants: [] } };
  },
};

/**
 * TF-IDF weights as Keras' set_vocabulary pads them: the mean weight in front for the mask and OOV
 * indices (unless the vocabulary listed them), zeros behind up to `max_tokens` with `pad_to_max_tokens`.
 */
function idfWeights(layer: LayerDef, vocab: LookupVocabulary, depth: number): number[] {
  const given = layer.config.idf_weights;
  if (!Array.isArray(given) || !given.every((v) => typeof v === "number")) {
    throw new ConfigError("`output_mode='tf_idf'` needs `idf_weights=[...]` in the source, one number per vocabulary entry", "vocabulary-not-static");
  }
  const weights = given as number[];
  const listed = vocab.withSpecial ? vocab.full.length : vocab.tokens.length;
  if (weights.length !== listed) throw new ConfigError(`\`idf_weights\` has ${weights.length} values for a vocabulary of ${listed}`);
  const mean = weights.reduce((a, b) => a + b, 0) / weights.length;
  const front = vocab.withSpecial ? [] : new Array<number>(vocab.tokenStart).fill(mean);
  const padded = [...front, ...weights];
  return [...padded, ...new Array<number>(Math.max(0, depth - padded.length)).fill(0)];
}

export const integerLookupRule: LayerRule = {
  name: "integer_lookup",
  kerasClasses: ["IntegerLookup"],
  summary:
    "the generated `KerasIntegerLookup` on integer tokens, with the source's `vocabulary=` (mask and OOV indices, floormod OOV buckets, `invert`, `int`/`one_hot`/`multi_hot`/`count`/`tf_idf` with the source's `idf_weights=`); on a string `Input`, the string boundary",
  signature: () => ({ params: lookupParams(false) }),
  inferShape: ({ layer, inputs }) => {
    const mode = outputMode(layer);
    if (layer.config.invert === true && mode !== "int") throw new ConfigError("`invert=True` needs `output_mode='int'`");
    return encodedShape(inputs[0]!, mode, depthOf(layer, lookupVocabulary(layer)));
  },
  layout: ({ inputShapes, outputShapes }) => ({ inputs: [identity(inputShapes[0]!.length)], outputs: [identity(outputShapes[0]!.length)] }),
  lower: ({ layer, inputShapes, inputDtypes }) => {
    if (inputDtypes?.[0] === "string") notAtBoundary(layer);
    const vocab = lookupVocabulary(layer);
    if (!vocab) {
      throw new ConfigError(
        "inside the model, the vocabulary must be a literal `vocabulary=[...]` in the source: an adapted vocabulary (or a vocabulary file) is only known to the saved file, and the module's layout depends on it",
        "vocabulary-not-static",
      );
    }
    const mode = outputMode(layer);
    if (layer.config.sparse === true) throw new ConfigError("`sparse=True` has no dense PyTorch equivalent");
    const numOov = num(layer, "num_oov_indices");
    if (numOov > 1 && layer.config.oov_method === "farmhash") throw new ConfigError("`oov_method='farmhash'` hashes the tokens' decimal strings with FarmHash64, which keras2torch does not reproduce", "integer-hashing");
    const shape = inputShapes[0]!;
    if (mode !== "int" && mode !== "one_hot" && shape.length !== 2) throw new ConfigError(`\`${mode}\` needs a (batch, tokens) input, got rank ${shape.length}`);
    const kwargs: [string, PyExpr][] = [["num_oov_indices", lit(numOov)]];
    const mask = layer.config.mask_token ?? null;
    if (mask !== null) kwargs.push(["mask_token", lit(mask as number)]);
    const invert = layer.config.invert === true;
    if (invert) kwargs.push(["oov_token", lit((layer.config.oov_token ?? -1) as number)], ["invert", lit(true)]);
    const depth = depthOf(layer, vocab)!;
    if (mode !== "int") kwargs.push(["output_mode", lit(mode)], ["depth", lit(depth)]);
    if (mode === "tf_idf") kwargs.push(["idf_weights", { k: "list", items: idfWeights(layer, vocab, depth).map((v) => ({ k: "float", value: v }) as PyExpr) }]);
    const args: PyExpr[] = [{ k: "list", items: vocab.tokens.map((t) => lit(t)) }, lit(vocab.tokenStart), lit(vocab.oovStart)];
    const squeeze = mode === "one_hot" && shape.length > 1 && shape[shape.length - 1] === 1;
    return {
      ok: true,
      lowering: {
        module: { ctor: "KerasIntegerLookup", args, kwargs },
        forward: callModule(squeeze ? method(input(), "squeeze", [lit(-1)]) : input()),
        // Keras 3 files save the padded TF-IDF weights too; the module has them from the source.
        weights: mode === "tf_idf" ? [{ kerasIndex: 0, kerasName: "idf_weights", kerasShape: [depth], param: "idf_weights", transforms: [], trainable: false, keras3Subpath: "vars/idf_weights", unused: true }] : [],
        constants: [],
      },
    };
  },
};

export const stringLookupRule: LayerRule = {
  name: "string_lookup",
  kerasClasses: ["StringLookup"],
  summary: "the string boundary: on a string `Input`, the module takes its integer output instead (a warning says so; the vocabulary goes to `<stem>_vocab.json`)",
  signature: () => ({ params: lookupParams(true) }),
  inferShape: ({ layer, inputs }) => {
    const mode = outputMode(layer);
    if (layer.config.invert === true) throw new ConfigError("`invert=True` makes strings, which PyTorch has no tensor for");
    return encodedShape(inputs[0]!, mode, depthOf(layer, lookupVocabulary(layer)));
  },
  layout: ({ inputShapes, outputShapes }) => ({ inputs: [identity(inputShapes[0]!.length)], outputs: [identity(outputShapes[0]!.length)] }),
  lower: ({ layer }) => notAtBoundary(layer),
};

export const textVectorizationRule: LayerRule = {
  name: "text_vectorization",
  kerasClasses: ["TextVectorization"],
  summary: "the string boundary: on a string `Input`, the module takes its integer (or encoded) output instead; the vocabulary and the standardize/split settings go to `<stem>_vocab.json`",
  signature: () => ({
    params: [
      { name: "max_tokens", default: null },
      { name: "standardize", default: "lower_and_strip_punctuation" },
      { name: "split", default: "whitespace" },
      { name: "ngrams", default: null },
      { name: "output_mode", default: "int" },
      { name: "output_sequence_length", default: null },
      { name: "pad_to_max_tokens", default: false },
      { name: "vocabulary", default: null },
      { name: "idf_weights", default: null },
      { name: "sparse", default: false },
      { name: "ragged", default: false },
      { name: "encoding", default: "utf-8" },
    ],
  }),
  inferShape: ({ layer, inputs }) => {
    const mode = outputMode(layer);
    const shape = inputs[0]!;
    if (mode === "int") {
      const length = layer.config.output_sequence_length ?? null;
      if (length !== null && typeof length !== "number") throw new ConfigError("`output_sequence_length` must be an int or None");
      return { ok: true, shapes: [[shape[0]!, length]], dtypes: ["int64"] };
    }
    // Keras' compute_output_shape says (batch, 1, depth) for a (batch, 1) input, but call() squeezes
    // that axis before splitting: the tensor the pipeline makes, and the module takes, is (batch, depth).
    if (shape.length > 2) throw new ConfigError("TextVectorization takes a (batch,) or (batch, 1) string input");
    return { ok: true, shapes: [[shape[0]!, depthOf(layer, lookupVocabulary(layer))]], dtypes: ["float32"] };
  },
  layout: ({ outputShapes }) => ({ inputs: [null], outputs: [identity(outputShapes[0]!.length)] }),
  lower: ({ layer }) => notAtBoundary(layer),
};

export const hashingRule: LayerRule = {
  name: "hashing",
  kerasClasses: ["Hashing"],
  summary: "the string boundary on a string `Input` (the module takes the bin indices); on numbers an `integer-hashing` error: Keras hashes their decimal strings with FarmHash64 / SipHash",
  signature: () => ({ params: [{ name: "num_bins", default: null }, { name: "mask_value", default: null }, { name: "salt", default: null }, { name: "output_mode", default: "int" }, { name: "sparse", default: false }] }),
  inferShape: ({ layer, inputs }) => {
    const bins = num(layer, "num_bins");
    if (!(Number.isInteger(bins) && bins >= 1)) throw new ConfigError("`num_bins` must be an int >= 1");
    const mode = outputMode(layer);
    if (mode === "tf_idf") throw new ConfigError("Hashing has no `tf_idf` output mode");
    const shape = inputs[0]!;
    if (mode === "int") return { ok: true, shapes: [shape], dtypes: ["int64"] };
    if (mode === "one_hot" && shape[shape.length - 1] === 1) return { ok: true, shapes: [[...shape.slice(0, -1), bins]], dtypes: ["float32"] };
    return { ok: true, shapes: [mode === "one_hot" ? [...shape, bins] : [...shape.slice(0, -1), bins]], dtypes: ["float32"] };
  },
  layout: ({ inputShapes, outputShapes }) => ({ inputs: [identity(inputShapes[0]!.length)], outputs: [identity(outputShapes[0]!.length)] }),
  lower: ({ layer, inputDtypes }) => {
    if (inputDtypes?.[0] === "string") notAtBoundary(layer);
    const hash = layer.config.salt === null || layer.config.salt === undefined ? "FarmHash64 (tf.strings.to_hash_bucket_fast)" : "SipHash64 with the salt (tf.strings.to_hash_bucket_strong)";
    throw new ConfigError(
      `Hashing on numbers hashes their decimal strings with ${hash}, which keras2torch does not reproduce in PyTorch; hash in your data pipeline and give the model the bin indices (or put the Hashing layer on a string \`Input\`, where it becomes the module's boundary)`,
      "integer-hashing",
    );
  },
};

/**
 * Where a boundary layer's vocabulary is: given in the source (`vocabulary=[...]`), saved with the model
 * (an adapted layer: the .keras file's `assets/<path>/vocabulary.txt`), or nowhere (Hashing has none).
 */
export function vocabularySource(layer: LayerDef): "source" | "saved" | "none" {
  if (layer.kerasClass === "Hashing") return "none";
  return Array.isArray(layer.config.vocabulary) ? "source" : "saved";
}

/**
 * Variables Keras 3 saves for a boundary layer, which the module does not have: TF-IDF weights (the
 * TextVectorization saves its inner StringLookup's too). The weights script reads past them.
 */
export function boundaryVariables(layer: LayerDef): { subpath: string; shape: number[] }[] {
  if (layer.kerasClass === "Hashing" || outputMode(layer) !== "tf_idf") return [];
  const depth = depthOf(layer, lookupVocabulary(layer));
  const shape = depth === null ? [] : [depth];
  const own = { subpath: "vars/idf_weights", shape };
  return layer.kerasClass === "TextVectorization" ? [{ subpath: "_lookup_layer/vars/idf_weights", shape }, own] : [own];
}

/** The settings a user's pipeline needs to reproduce a boundary layer, as they go into `<stem>_vocab.json`. */
export function boundaryRecipe(layer: LayerDef): Record<string, ConfigValue> {
  const get = (key: string, fallback: ConfigValue): ConfigValue => layer.config[key] ?? fallback;
  switch (layer.kerasClass) {
    case "Hashing":
      return { num_bins: get("num_bins", null), mask_value: get("mask_value", null), salt: get("salt", null), output_mode: outputMode(layer) };
    case "TextVectorization":
      return {
        standardize: get("standardize", "lower_and_strip_punctuation"),
        split: get("split", "whitespace"),
        ngrams: get("ngrams", null),
        output_mode: outputMode(layer),
        output_sequence_length: get("output_sequence_length", null),
        max_tokens: get("max_tokens", null),
        mask_token: "",
        oov_token: "[UNK]",
        num_oov_indices: 1,
      };
    default: {
      const strings = layer.kerasClass === "StringLookup";
      return {
        output_mode: outputMode(layer),
        mask_token: get("mask_token", null),
        oov_token: get("oov_token", strings ? "[UNK]" : -1),
        num_oov_indices: get("num_oov_indices", 1),
        max_tokens: get("max_tokens", null),
      };
    }
  }
}

