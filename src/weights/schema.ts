// The weight-mapping schema: what a weights script's table holds, and what the Python runtime
// (templates/weights_runtime.py) and any other reader of the table agree on. docs/weights-schema.md
// describes it in full, with the exact numpy semantics of every transform.
//
// A table is `MODELS = {class name: {"tensors": [rows], "constants": [rows]}}`, next to `SCHEMA` (this
// version) and `PRIMARY` (the default class):
// - a tensor row is (state_dict key, Keras 3 path, legacy layer, legacy index, Keras shape, transforms):
//   the variable at `Keras 3 path` of a `.keras`/`.weights.h5` file, or weight #`legacy index` of layer
//   `legacy layer` of a legacy `.h5` file, must have `Keras shape`; the transforms, applied in order,
//   turn it into the tensor stored under `state_dict key`. A key of None is a Keras variable the module
//   does not need: it is read past. One Keras variable may feed several rows (GRU's stacked bias).
// - a constant row is (state_dict key, shape, dtype, fill value): a tensor Keras does not have
//   (BatchNorm's `num_batches_tracked`, a zero bias).
//
// The version changes whenever a reader of version N could misread a table (a new transform, a new
// column, a changed meaning); the runtime refuses a table of another version.

/** The version of the mapping schema that this keras2torch writes and its runtime reads. */
export const MAPPING_SCHEMA_VERSION = 1;

/** A transform as the table spells it (a tuple whose first item names the operation). */
export type SchemaTransform =
  | readonly ["transpose", readonly number[]]
  | readonly ["permute_rows", readonly number[], readonly number[]]
  | readonly ["reshape", readonly number[]]
  | readonly ["index", number]
  | readonly ["reorder_blocks", readonly number[]];

/** (state_dict key or null, Keras 3 path, legacy layer, legacy index, Keras shape, transforms). */
export type SchemaTensorRow = readonly [string | null, string, string, number, readonly number[], readonly SchemaTransform[]];

/** (state_dict key, shape, dtype, fill value). */
export type SchemaConstantRow = readonly [string, readonly number[], "float32" | "int64", number];

/** One class's table. */
export interface SchemaModel {
  tensors: SchemaTensorRow[];
  constants: SchemaConstantRow[];
}
