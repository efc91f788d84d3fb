// Stored Keras configs (Keras 2 and 3) as the source frontend's constructor calls: which class an entry
// names, and its config as the keyword arguments `layers.X(**config)` would get. Keys that only Keras 2
// wrote, or that only matter to training, are dropped when they cannot change the numbers; the rest go
// to the same layer creation as source code, so every rule applies unchanged. The Keras that saved the
// file decides where Keras 2 and 3 differ (`keras_version`).
import { toSnakeCase } from "./graph.js";
import { resolveKeras } from "./names.js";
import { opFor } from "./ops.js";
import { py, type PyValue } from "./values.js";

export interface KerasVersion {
  major: 2 | 3;
  minor: number;
  /** As the file states it; null when it gives none (then guessed from the config's shape). */
  text: string | null;
}

/** The Keras that saved the file: its `keras_version`, else Keras 3 when the config has Keras 3's fields. */
export function kerasVersionOf(text: string | null, config: unknown): KerasVersion {
  const m = text ? /^(\d+)\.(\d+)/.exec(text) : null;
  if (m) return { major: Number(m[1]) >= 3 ? 3 : 2, minor: Number(m[2]), text };
  const json = JSON.stringify(config ?? null);
  const keras3 = json.includes('"__keras_tensor__"') || /"batch_shape"\s*:/.test(json) || /"module"\s*:\s*"keras\.src\.models/.test(json);
  return { major: keras3 ? 3 : 2, minor: keras3 ? 0 : 15, text: null };
}

export type EntryKind =
  | { kind: "sequential" }
  | { kind: "functional" }
  | { kind: "input" }
  | { kind: "layer"; cls: string }
  | { kind: "tf-op"; slicing: boolean }
  /** A Keras 3 operation in a Functional graph (`keras.ops.add` on symbolic tensors): `keras.ops.<fn>`. */
  | { kind: "op"; fn: string }
  | { kind: "refused"; message: string };

const isKerasModule = (module: string) => /^(keras|tf_keras|tensorflow)(\.|$)/.test(module);

/** What a stored `{class_name, config, module, registered_name}` entry is. */
export function entryKind(entry: Record<string, unknown>): EntryKind {
  const className = typeof entry.class_name === "string" ? entry.class_name : null;
  if (!className) return { kind: "refused", message: "an entry of the stored config has no `class_name`" };
  const module = typeof entry.module === "string" ? entry.module : null;
  const registered = typeof entry.registered_name === "string" ? entry.registered_name : null;
  // A class of the user's own code (registered as `package>Name`, or from a module outside Keras).
  if (className.includes(">") || (module !== null && !isKerasModule(module)) || (registered !== null && registered.includes(">"))) {
    const where = module && !isKerasModule(module) ? ` (module \`${module}\`)` : "";
    return { kind: "refused", message: `\`${registered ?? className}\`${where} is a custom class defined in user code, which a saved file does not contain: compile the .py source that defines it instead` };
  }
  // Keras 3 stores the keras.ops calls of a Functional graph as operations of `keras.src.ops.*`.
  if (module !== null && /^keras(\.src)?\.ops(\.|$)/.test(module)) return { kind: "op", fn: toSnakeCase(className) };
  if (className === "Sequential") return { kind: "sequential" };
  if (className === "Functional" || className === "Model") return { kind: "functional" };
  if (className === "InputLayer") return { kind: "input" };
  if (className === "TFOpLambda" || className === "SlicingOpLambda") return { kind: "tf-op", slicing: className === "SlicingOpLambda" };
  if (className === "Lambda") {
    return { kind: "refused", message: "a `Lambda` layer is stored as Python bytecode, which keras2torch never runs or decodes: compile the .py source that defines its function instead" };
  }
  // The legacy HDF5 format drops `module`: an operation is told from a layer by its config, which has
  // only the operation's arguments (every layer's config has `trainable`).
  const config = entry.config;
  if (module === null && config && typeof config === "object" && !Array.isArray(config) && !("trainable" in config) && (className === "ConvertToTensor" || opFor(`keras.ops.${toSnakeCase(className)}`))) {
    return { kind: "op", fn: toSnakeCase(className) };
  }
  const symbol = resolveKeras(`keras.layers.${className}`);
  if (symbol?.kind === "layer") return { kind: "layer", cls: symbol.cls };
  return { kind: "refused", message: `\`${className}\` is not a Keras layer keras2torch knows` };
}

/**
 * Keras 2 layers that Keras 3 removed but computes with another layer: the class and config to use.
 * ThresholdedReLU(theta) is `x if x > theta else 0`, which is Keras 3's ReLU(threshold=theta).
 */
export function keras2Replacement(cls: string, config: Record<string, unknown>): { cls: string; config: Record<string, unknown> } {
  if (cls === "ThresholdedReLU") {
    const { theta, ...rest } = config;
    return { cls: "ReLU", config: { ...rest, threshold: theta ?? 1.0 } };
  }
  return { cls, config };
}

/** The model's own name in a stored config, and whether Keras chose it (`sequential_2`, `model`, `functional_1`). */
export function storedName(config: unknown): { name: string | null; automatic: boolean } {
  const name = config && typeof config === "object" && !Array.isArray(config) && typeof (config as Record<string, unknown>).name === "string" ? ((config as Record<string, unknown>).name as string) : null;
  return { name, automatic: name === null || /^(sequential|functional|model)(_\d+)?$/.test(name) };
}

/** Python's value of a JSON value (Keras' `__tuple__` wrapper is a tuple). */
export function pyValue(value: unknown): PyValue {
  if (value === null || value === undefined) return { t: "none" };
  if (typeof value === "boolean") return py.bool(value);
  if (typeof value === "number") return Number.isInteger(value) ? py.int(value) : py.float(value);
  if (typeof value === "string") return py.str(value);
  if (Array.isArray(value)) return py.list(value.map(pyValue));
  const obj = value as Record<string, unknown>;
  if (obj.class_name === "__tuple__" && obj.config && typeof obj.config === "object") return py.tuple(((obj.config as Record<string, unknown>).value as unknown[] | undefined ?? []).map(pyValue));
  const entries = new Map<string, [PyValue, PyValue]>();
  for (const [k, v] of Object.entries(obj)) entries.set(`s:${k}`, [py.str(k), pyValue(v)]);
  return { t: "dict", entries };
}

/**
 * Keys Keras stored that do not change inference when they hold the value given here (or any value, for
 * `undefined`): dropped rather than reported. Any other value of these keys is kept, and the layer's rule
 * or the constructor reports it.
 */
const HARMLESS: Record<string, unknown> = {
  registered_name: undefined,
  build_config: undefined,
  compile_config: undefined,
  module: undefined,
  // Keras 2: how the kernel runs, or what the input tensor is, never what it computes.
  unroll: undefined,
  ragged: false,
  sparse: false,
  time_major: false,
  groups: 1,
  // tf.keras 2 Conv*: the policy of a layer's weights when using mixed precision.
  autocast: undefined,
  // Keras 3 RNN layers without a mask; ConvLSTM's rule takes no masks at all.
  zero_output_for_mask: false,
  // Keras 3.15 MultiHeadAttention options, at their defaults.
  use_gate: false,
  sliding_window: null,
  // Lookup layers store the size of their vocabulary, which follows from the vocabulary itself.
  vocabulary_size: undefined,
};

/** Initializers, regularizers and constraints only shape training: their values never matter here. */
export const TRAINING_ONLY = /_(initializer|regularizer|constraint)$/;

/** Keras 2 writes layer-valued arguments as `{class_name, config}`: these keys hold layers (or lists of them). */
export const LAYER_KEYS = new Set(["layer", "backward_layer", "cell", "cells", "forward_layer"]);

/** Keras 2 defaults that Keras 3 changed, for configs that leave the key out (Keras ≤ 2.2 wrote fewer keys). */
export function keras2Defaults(cls: string, version: KerasVersion): Record<string, unknown> {
  const old = version.major === 2 && version.minor < 3;
  switch (cls) {
    case "LSTM":
    case "LSTMCell":
      return old ? { recurrent_activation: "hard_sigmoid" } : {};
    case "GRU":
    case "GRUCell":
      return old ? { recurrent_activation: "hard_sigmoid", reset_after: false } : {};
    case "LeakyReLU":
      return version.major === 2 ? { alpha: 0.3 } : {};
    default:
      return {};
  }
}

/** A stored activation (`'relu'`, or Keras 3's `{class_name: 'function', config: 'relu'}`) as the name the rules read. */
function activationValue(value: unknown, version: KerasVersion): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    if (typeof obj.config === "string" && (obj.class_name === "function" || obj.module === "keras.activations" || obj.module === "keras.src.activations.activations")) value = obj.config;
  }
  // Keras 2's hard_sigmoid is clip(0.2x + 0.5, 0, 1); Keras 3's is relu6(x + 3) / 6.
  if (value === "hard_sigmoid" && version.major === 2) return "keras2_hard_sigmoid";
  return value;
}

/** A Keras 3 dtype policy (`{class_name: 'DTypePolicy', config: {name: 'float32'}}`) as its name. */
function dtypeValue(value: unknown): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const config = (value as Record<string, unknown>).config;
    if (config && typeof config === "object" && typeof (config as Record<string, unknown>).name === "string") return (config as Record<string, string>).name;
  }
  return value;
}

/**
 * The keyword arguments of `layers.<cls>(...)` for a stored config. `layer(entry)` builds a nested layer
 * (Bidirectional's `layer`, RNN's `cell`) and returns its value, or null when it was refused (reported).
 */
export function layerKwargs(cls: string, config: Record<string, unknown>, version: KerasVersion, layer: (entry: Record<string, unknown>) => PyValue | null): Map<string, PyValue> | null {
  const kwargs = new Map<string, PyValue>();
  const merged: Record<string, unknown> = { ...keras2Defaults(cls, version), ...config };
  if (cls === "LeakyReLU" && "negative_slope" in config) delete merged.alpha;
  for (const [key, raw] of Object.entries(merged)) {
    if (key in HARMLESS && (HARMLESS[key] === undefined || HARMLESS[key] === raw)) continue;
    if (TRAINING_ONLY.test(key)) continue;
    // StringLookup has no `oov_method` in its signature: only its default, which changes nothing, is dropped.
    if (key === "oov_method" && raw === "floormod" && cls === "StringLookup") continue;
    let value: unknown = raw;
    if (key === "activation" || key === "recurrent_activation") value = activationValue(raw, version);
    if (key === "dtype") value = dtypeValue(raw);
    if (LAYER_KEYS.has(key) && raw && typeof raw === "object") {
      const entries = Array.isArray(raw) ? raw : [raw];
      const built: PyValue[] = [];
      for (const e of entries) {
        if (!e || typeof e !== "object") return null;
        const v = layer(e as Record<string, unknown>);
        if (!v) return null;
        built.push(v);
      }
      kwargs.set(key, Array.isArray(raw) ? py.list(built) : built[0]!);
      continue;
    }
    kwargs.set(key, pyValue(value));
  }
  return kwargs;
}
