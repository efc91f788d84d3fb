// Where Keras stores each layer's variables.
//
// Keras 3 (`.keras`, `.weights.h5`): paths follow the object structure, not `layer.name`
// (keras/src/saving/saving_lib.py `_save_container_state`): the layers of `model.layers` are stored
// as `layers/<snake_case class name>` with `_1`, `_2`... for repeats of a class, in that order;
// Functional's `model.layers` includes its InputLayers, Sequential's does not. A nested model is
// stored the same way under its own path (`layers/functional/layers/dense`).
//
// Legacy `.h5`: keyed by `layer.name`; a layer's weights are its trainable weights followed by its
// non-trainable ones (keras/src/legacy/saving/legacy_h5_format.py `_legacy_weights`).
import type { AttributeValue, ModelDef, Program, WeightEntry } from "../ir/types.js";
import { toSnakeCase } from "../frontend/graph.js";

/** `l<layerId>` / `m<modelId>` → Keras 3 path of that layer within `model`. */
export function kerasLayerPaths(program: Program, model: ModelDef): Map<string, string> {
  const used = new Map<string, number>();
  const unique = (name: string): string => {
    const n = used.get(name);
    used.set(name, n === undefined ? 0 : n + 1);
    return n === undefined ? name : `${name}_${n + 1}`;
  };
  const paths = new Map<string, string>();
  for (const ref of model.layers) {
    if (ref.kind === "input") {
      if (model.kind === "functional") unique("input_layer");
      continue;
    }
    if (ref.kind === "layer") {
      paths.set(`l${ref.layerId}`, `layers/${unique(toSnakeCase(program.layers.get(ref.layerId)!.kerasClass))}`);
    } else {
      const nested = program.models.get(ref.modelId)!;
      // A subclass instance is stored under its own class name (`layers/residual_block`).
      const base = nested.kind === "subclass" ? toSnakeCase(nested.subclass!.className) : nested.kind;
      paths.set(`m${ref.modelId}`, `layers/${unique(base)}`);
    }
  }
  return paths;
}

/**
 * The position of each of a layer's weights (same order as `weights`) among its legacy weights:
 * trainable first, then non-trainable.
 */
export function legacyWeightOrders(weights: WeightEntry[]): number[] {
  const nonTrainable = (w: WeightEntry) => w.trainable === false;
  const ordered = [...weights].sort((a, b) => Number(nonTrainable(a)) - Number(nonTrainable(b)) || a.kerasIndex - b.kerasIndex);
  // One Keras variable may feed several tensors (GRU's bias): count each variable once.
  const variables = [...new Set(ordered.map((w) => w.kerasIndex))];
  return weights.map((w) => variables.indexOf(w.kerasIndex));
}

/**
 * Keras 3 paths inside a subclass instance (keras/src/saving/saving_lib.py `_save_state`): the object's
 * own variables are `vars/<i>` (trainable ones first); then its attributes are walked in sorted `dir()`
 * order with private names last (`_name_key`). A layer is stored under its attribute name; a list,
 * tuple or dict of layers under `<attr>/<snake_case class name>[_<n>]`, numbered per class in order
 * (dict values in insertion order). A `keras.Model` subclass also has the `layers` property, a list of
 * every tracked sublayer: sublayers whose attributes sort after `layers` (and private ones) are reached
 * there first, as `layers/<class>_<n>`, numbered over all the sublayers. A layer reached twice is stored
 * once, at the first path.
 *
 * Returns `l<layerId>` / `m<modelId>` → path of each direct sublayer of `model` (relative to it), and
 * `w<index>` → path of each of its own variables. Nested instances are walked when they are lowered.
 */
export function subclassPaths(program: Program, model: ModelDef): Map<string, string> {
  const paths = new Map<string, string>();
  const visited = new Set<string>();
  const join = (...parts: string[]) => parts.filter((p) => p !== "").join("/");
  const className = (ref: AttributeValue): string | null => {
    if (ref.kind === "layer") return toSnakeCase(program.layers.get(ref.layerId)!.kerasClass);
    if (ref.kind !== "model") return null;
    const m = program.models.get(ref.modelId)!;
    return m.kind === "subclass" ? toSnakeCase(m.subclass!.className) : m.kind === "sequential" ? "sequential" : "functional";
  };
  const visit = (ref: AttributeValue, path: string): void => {
    if (ref.kind !== "layer" && ref.kind !== "model") return;
    const key = ref.kind === "layer" ? `l${ref.layerId}` : `m${ref.modelId}`;
    if (visited.has(key)) return;
    visited.add(key);
    // A nested instance's own paths are computed when it is lowered, relative to it.
    paths.set(key, path);
  };
  const container = (items: AttributeValue[], path: string) => {
    const used = new Map<string, number>();
    for (const item of items) {
      const base = className(item);
      if (!base) continue;
      const n = used.get(base);
      used.set(base, n === undefined ? 0 : n + 1);
      visit(item, join(path, n === undefined ? base : `${base}_${n + 1}`));
    }
  };
  const walk = (m: ModelDef, prefix: string): void => {
    const sub = m.subclass!;
    const order = [...sub.weights.keys()].sort((a, b) => Number(!sub.weights[a]!.trainable) - Number(!sub.weights[b]!.trainable) || a - b);
    order.forEach((w, i) => paths.set(`w${w}`, join(prefix, "vars", String(i))));
    const attributes: [string, AttributeValue][] = sub.attributes.map((a) => [a.name, a.value]);
    if (sub.base === "Model" && !sub.attributes.some((a) => a.name === "layers")) {
      attributes.push(["layers", { kind: "list", tuple: false, items: m.layers.map((r): AttributeValue => (r.kind === "layer" ? { kind: "layer", layerId: r.layerId } : { kind: "model", modelId: (r as { modelId: number }).modelId })) }]);
    }
    const sortKey = (name: string) => (name.startsWith("_") ? `~${name}` : name);
    attributes.sort(([a], [b]) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    for (const [name, value] of attributes) {
      if (value.kind === "layer" || value.kind === "model") visit(value, join(prefix, name));
      else if (value.kind === "list") container(value.items, join(prefix, name));
      else if (value.kind === "dict") container(value.entries.map(([, v]) => v), join(prefix, name));
    }
  };
  walk(model, "");
  return paths;
}
