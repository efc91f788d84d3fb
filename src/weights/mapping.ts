// A model's weight mapping as data: the same rows, in the same order, as the table in the generated
// weights script (`MODELS` in OUT/b_weights.py), in the JSON form docs/weights-schema.md describes.
// The Python runtime and the TypeScript converter (convert.ts) both interpret exactly this.
import type { ConstantMapping, TensorMapping, TorchModel, WeightTransform } from "../ir/types.js";

/** A transform as the weights script spells it: `["transpose", axes]`, `["permute_rows", shape, axes]`... */
export type TransformJson =
  | ["transpose", number[]]
  | ["permute_rows", number[], number[]]
  | ["reshape", number[]]
  | ["index", number]
  | ["reorder_blocks", number[]];

/** One Keras variable: where each format keeps it, its Keras shape, and what it becomes. */
export interface TensorRow {
  /** The state_dict key, or null for a Keras variable the module deliberately does not load. */
  key: string | null;
  keras3_path: string;
  legacy_layer: string;
  legacy_index: number;
  /** `null` for an axis a size parameter of the class gives: any size fits (src/size-parameters.ts). */
  keras_shape: (number | null)[];
  transforms: TransformJson[];
}

/** A state_dict entry Keras has no variable for (BatchNorm's `num_batches_tracked`). */
export interface ConstantRow {
  key: string;
  shape: number[];
  dtype: ConstantMapping["dtype"];
  value: number;
}

export interface ModelMapping {
  tensors: TensorRow[];
  constants: ConstantRow[];
}

/** Every generated class of one file, and the one the weights script converts by default. */
export interface FileMapping {
  primary: string;
  models: Record<string, ModelMapping>;
}

export function transformJson(t: WeightTransform): TransformJson {
  switch (t.op) {
    case "transpose":
      return ["transpose", t.axes];
    case "permute_rows":
      return ["permute_rows", t.shape, t.axes];
    case "reshape":
      return ["reshape", t.shape];
    case "index":
      return ["index", t.index];
    case "reorder_blocks":
      return ["reorder_blocks", t.order];
  }
}

/**
 * Rows grouped by legacy layer, layers in Keras' `model.layers` order (the legacy order fallback relies on
 * it). Worked out once per lowered model: the weights script's table and the mapping both list them.
 */
export function sortedRows(model: Pick<TorchModel, "tensors" | "layerOrder">): TensorMapping[] {
  let rows = sorted.get(model);
  if (rows === undefined) sorted.set(model, (rows = sortRows(model)));
  return rows;
}

const sorted = new WeakMap<Pick<TorchModel, "tensors" | "layerOrder">, TensorMapping[]>();

function sortRows(model: Pick<TorchModel, "tensors" | "layerOrder">): TensorMapping[] {
  const position = new Map(model.layerOrder.map((path, i) => [path, i] as [string, number]));
  const layerOrder = new Map<string, number>();
  for (const row of model.tensors) {
    if (layerOrder.has(row.legacyLayer)) continue;
    // The top-level layer's path: `layers/<name>` of `layers/<name>/vars/0`.
    const second = row.keras3Path.indexOf("/", row.keras3Path.indexOf("/") + 1);
    const top = second < 0 ? row.keras3Path : row.keras3Path.slice(0, second);
    layerOrder.set(row.legacyLayer, position.get(top) ?? -1);
  }
  return [...model.tensors].sort(
    (a, b) => layerOrder.get(a.legacyLayer)! - layerOrder.get(b.legacyLayer)! || a.legacyIndex - b.legacyIndex,
  );
}

export function tensorRow(row: TensorMapping): TensorRow {
  return {
    key: row.unused ? null : row.key,
    keras3_path: row.keras3Path,
    legacy_layer: row.legacyLayer,
    legacy_index: row.legacyIndex,
    keras_shape: [...row.kerasShape],
    transforms: row.transforms.map(transformJson),
  };
}

export function modelMapping(model: Pick<TorchModel, "tensors" | "layerOrder" | "constants">): ModelMapping {
  return {
    tensors: sortedRows(model).map(tensorRow),
    constants: model.constants.map((c) => ({ key: c.key, shape: [...c.shape], dtype: c.dtype, value: c.value })),
  };
}

export function fileMapping(models: TorchModel[], primary: string): FileMapping {
  return { primary, models: Object.fromEntries(models.map((m) => [m.className, modelMapping(m)])) };
}
