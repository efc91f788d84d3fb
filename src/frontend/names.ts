// Qualified-name resolution: every spelling of a Keras symbol maps to one canonical name
// (`tf.keras.layers.Dense`, `keras.layers.core.Dense`, `L.Dense` → `keras.layers.Dense`).
import { CLASS_ALIASES } from "../rules/registry.js";
import { KERAS_LAYER_CLASSES } from "./keras-layer-names.js";

/** `keras_core` is Keras 3 under its pre-release name. */
const KERAS_ROOTS = ["tensorflow.python.keras", "tensorflow.keras", "tf_keras", "keras_core", "keras.src", "keras.api", "keras"];

/**
 * Memoised resolution: a file names the same few dozen symbols over and over, and every file of a run
 * names mostly the same ones. Pure functions of the path; the cache is dropped when it grows large (a
 * hostile file can spell any number of paths).
 */
function memoised<T>(resolve: (path: string) => T): (path: string) => T {
  const cache = new Map<string, T>();
  return (path) => {
    let found = cache.get(path);
    if (found === undefined && !cache.has(path)) {
      if (cache.size >= 20_000) cache.clear();
      cache.set(path, (found = resolve(path)));
    }
    return found as T;
  };
}

/** The module-relative path of a Keras symbol (`layers.Dense`), or null if `path` is not Keras. */
export const kerasRelative = memoised(relativeToKeras);

function relativeToKeras(path: string): string | null {
  // Keras 2.2-2.3 kept its applications in a package of their own, which `keras.applications` re-exported.
  if (path === "keras_applications" || path.startsWith("keras_applications.")) return `applications${path.slice("keras_applications".length)}`;
  for (const root of KERAS_ROOTS) {
    if (path === root) return "";
    if (path.startsWith(`${root}.`)) return sameAsOps(path.slice(root.length + 1));
  }
  return null;
}

/**
 * `keras.ops.nn`, `keras.ops.numpy` and `keras.ops.linalg` hold the same functions as `keras.ops`
 * (`keras.ops.nn.relu is keras.ops.relu`): one name for each. `keras.ops.image` is a namespace of its own.
 */
function sameAsOps(rel: string): string {
  const sub = /^ops\.(?:nn|numpy|linalg)\.([^.]+)$/.exec(rel);
  return sub ? `ops.${sub[1]}` : rel;
}

export type KerasSymbol =
  | { kind: "layer"; cls: string }
  | { kind: "layer-function"; cls: string }
  /** Keras 1's `merge(inputs, mode="sum")`: the merge layer of that mode, applied. */
  | { kind: "keras1-merge" }
  | { kind: "input" }
  | { kind: "model" }
  | { kind: "sequential" }
  | { kind: "int-shape" }
  /** `defaults` where the namespace differs from `keras.activations`; `aliases` of argument names. */
  | { kind: "activation"; name: string; defaults?: Record<string, boolean | number>; aliases?: Record<string, string> }
  | { kind: "no-op"; name: string }
  /** `image_data_format()`, or Keras 1's `image_dim_ordering()` (`tf`, `th`). */
  | { kind: "image-data-format"; spelling: "data_format" | "dim_ordering" }
  /** `set_image_data_format(...)`, or Keras 1's `set_image_dim_ordering(...)`: every later layer's default. */
  | { kind: "set-image-data-format" }
  | { kind: "other"; path: string };

/** Lower-case functional forms of merge layers: `layers.add([a, b])`. */
const LAYER_FUNCTIONS: Record<string, string> = {
  add: "Add",
  subtract: "Subtract",
  multiply: "Multiply",
  concatenate: "Concatenate",
  average: "Average",
  maximum: "Maximum",
  minimum: "Minimum",
  dot: "Dot",
};

/** `tf.nn.relu` and friends, accepted as activations. */
const TF_NN_ACTIVATIONS: Record<string, string> = {
  relu: "relu",
  relu6: "relu6",
  elu: "elu",
  selu: "selu",
  gelu: "gelu",
  sigmoid: "sigmoid",
  tanh: "tanh",
  softmax: "softmax",
  softplus: "softplus",
  softsign: "softsign",
  swish: "swish",
  silu: "silu",
  leaky_relu: "leaky_relu",
};

/** Capitalised names that `keras.layers` does not have (so a wildcard import of it cannot provide them). */
const NOT_LAYERS = new Set(["Model", "Sequential", "Functional"]);

const NO_OPS = new Set(["backend.clear_session", "utils.set_random_seed", "utils.plot_model"]);

/** The Keras symbol `path` names, or null. Shared between callers: never changed (frozen). */
export const resolveKeras = memoised((path: string) => {
  const symbol = kerasSymbol(path);
  return symbol && deepFreeze(symbol);
});

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) if (inner && typeof inner === "object") deepFreeze(inner);
  return Object.freeze(value);
}

function kerasSymbol(path: string): KerasSymbol | null {
  if (path.startsWith("tensorflow.nn.")) {
    const name = TF_NN_ACTIVATIONS[path.slice("tensorflow.nn.".length)];
    // TensorFlow spells leaky_relu's slope `alpha`.
    return name ? { kind: "activation", name, aliases: name === "leaky_relu" ? { alpha: "negative_slope" } : undefined } : null;
  }
  if (path === "tensorflow.sigmoid" || path === "tensorflow.tanh") return { kind: "activation", name: path.slice(11) };
  if (path === "tensorflow.shape") return { kind: "int-shape" };
  const rel = kerasRelative(path);
  if (rel === null) return null;
  const parts = rel.split(".");
  const last = parts[parts.length - 1]!;
  if (rel === "Input" || rel === "layers.Input" || (parts[0] === "layers" && last === "Input")) return { kind: "input" };
  if (rel === "Model" || rel === "models.Model" || rel === "engine.training.Model" || rel === "models.functional.Functional" || rel === "models.Functional") return { kind: "model" };
  if (rel === "Sequential" || rel === "models.Sequential" || rel === "engine.sequential.Sequential") return { kind: "sequential" };
  if (rel === "backend.int_shape" || rel === "ops.shape" || rel === "backend.shape") return { kind: "int-shape" };
  if (parts[0] === "activations" && parts.length === 2 && !["get", "serialize", "deserialize"].includes(last)) return { kind: "activation", name: last };
  // `keras.ops.gelu` defaults to the tanh approximation, unlike `keras.activations.gelu`.
  if (parts[0] === "ops" && parts.length === 2 && TF_NN_ACTIVATIONS[last]) {
    return { kind: "activation", name: last, defaults: last === "gelu" ? { approximate: true } : undefined };
  }
  if (NO_OPS.has(rel)) return { kind: "no-op", name: rel };
  if (rel === "backend.image_data_format" || rel === "config.image_data_format") return { kind: "image-data-format", spelling: "data_format" };
  if (rel === "backend.image_dim_ordering") return { kind: "image-data-format", spelling: "dim_ordering" };
  if (rel === "backend.set_image_data_format" || rel === "config.set_image_data_format") return { kind: "set-image-data-format" };
  if (rel === "backend.set_image_dim_ordering") return { kind: "set-image-data-format" };
  if (rel === "layers.merge" || rel === "engine.topology.merge") return { kind: "keras1-merge" };
  if (parts[0] === "layers" && parts.length >= 2) {
    if (/^[A-Z]/.test(last) && !NOT_LAYERS.has(last)) return { kind: "layer", cls: CLASS_ALIASES[last] ?? last };
    // Keras 2 also kept them in `keras.layers.merge`.
    if ((parts.length === 2 || (parts.length === 3 && parts[1] === "merge")) && LAYER_FUNCTIONS[last]) return { kind: "layer-function", cls: LAYER_FUNCTIONS[last]! };
  }
  return { kind: "other", path: rel };
}

/** Whether `module` is Keras' layers module or one of its submodules (`keras.layers.core`). */
export function isLayersModule(module: string): boolean {
  const rel = kerasRelative(module);
  return rel !== null && (rel === "layers" || rel.startsWith("layers."));
}

/** Whether `from MODULE import *` binds `name` to a Keras symbol the evaluator knows. */
export function wildcardProvides(module: string, name: string): boolean {
  const symbol = resolveKeras(`${module}.${name}`);
  if (!symbol || symbol.kind === "other") return false;
  // The layers module exports its layer classes, not every capitalised name (`Adam` is an optimizer's).
  return symbol.kind !== "layer" || KERAS_LAYER_CLASSES.has(name);
}

/** Whether a qualified name is under Keras or TensorFlow (for clearer messages). */
export function isKerasPath(path: string): boolean {
  return kerasRelative(path) !== null || path.startsWith("tensorflow");
}
