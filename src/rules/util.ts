// Small pure helpers shared by rule modules: reading config values and building expressions.
import type { LayerDef, PyExpr, Shape } from "../ir/types.js";
import type { ShapeResult } from "./types.js";

export const input = (index = 0): PyExpr => ({ k: "input", index });
export const self: PyExpr = { k: "module" };
export const lit = (value: number | string | boolean | null): PyExpr => ({ k: "lit", value });
/** A Python float literal: `4.0`, not `4`. */
export const floatLit = (value: number): PyExpr => ({ k: "float", value });
export const name = (n: string): PyExpr => ({ k: "name", name: n });
export const call = (fn: string | PyExpr, args: PyExpr[], kwargs: [string, PyExpr][] = []): PyExpr => ({
  k: "call",
  fn: typeof fn === "string" ? name(fn) : fn,
  args,
  kwargs,
});
export const method = (obj: PyExpr, m: string, args: PyExpr[], kwargs: [string, PyExpr][] = []): PyExpr =>
  call({ k: "attr", obj, name: m }, args, kwargs);
export const tuple = (items: number[]): PyExpr => ({ k: "tuple", items: items.map((v) => lit(v)) });
export const callModule = (...args: PyExpr[]): PyExpr => call(self, args);

export function num(layer: LayerDef, key: string): number {
  const v = layer.config[key];
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  throw new ConfigError(`\`${key}\` must be a number, got ${JSON.stringify(v)}`);
}

export function optNum(layer: LayerDef, key: string): number | null {
  const v = layer.config[key];
  return v === null || v === undefined ? null : num(layer, key);
}

export function bool(layer: LayerDef, key: string): boolean {
  const v = layer.config[key];
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  throw new ConfigError(`\`${key}\` must be True or False, got ${JSON.stringify(v)}`);
}

export function str(layer: LayerDef, key: string): string {
  const v = layer.config[key];
  if (typeof v === "string") return v;
  throw new ConfigError(`\`${key}\` must be a string, got ${JSON.stringify(v)}`);
}


/** An int or a tuple of `n` ints, as Keras accepts for `kernel_size`, `strides`, `pool_size`... */
export function tupleN(layer: LayerDef, key: string, n: number): number[] {
  const v = layer.config[key];
  if (typeof v === "number") return new Array<number>(n).fill(v);
  if (Array.isArray(v) && v.length === n && v.every((x) => typeof x === "number")) return v as number[];
  if (Array.isArray(v) && v.length === 1 && n === 1 && typeof v[0] === "number") return [v[0]];
  throw new ConfigError(`\`${key}\` must be an int or a tuple of ${n} ints, got ${JSON.stringify(v)}`);
}

/** `data_format` → the Keras channel axis (channels_last → -1, channels_first → 1). */
export function channelAxis(layer: LayerDef): number {
  const format = layer.config["data_format"];
  if (format === null || format === undefined || format === "channels_last") return -1;
  if (format === "channels_first") return 1;
  throw new ConfigError(`\`data_format\` must be 'channels_last' or 'channels_first', got ${JSON.stringify(format)}`);
}

/** Thrown by config readers; `lower`/`inferShape` wrappers turn it into a diagnostic. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly code: "unsupported-argument" | "dynamic-padding" | "string-preprocessing" | "vocabulary-not-static" | "integer-hashing" = "unsupported-argument",
  ) {
    super(message);
  }
}

export function shapeOk(...shapes: Shape[]): ShapeResult {
  return { ok: true, shapes };
}

export function shapeError(message: string): ShapeResult {
  return { ok: false, message };
}

export function product(values: number[]): number {
  return values.reduce((a, b) => a * b, 1);
}

export function isStatic(shape: (number | null)[]): shape is number[] {
  return shape.every((d) => d !== null);
}


export function fmtShape(shape: (number | null)[]): string {
  return `(${shape.map((d) => (d === null ? "None" : String(d))).join(", ")}${shape.length === 1 ? "," : ""})`;
}

/** The shape of a batch of images resized or cropped to the layer's `height` × `width` (Resizing, CenterCrop, RandomCrop). */
export function imageSizedShape(layer: LayerDef, shape: Shape): ShapeResult {
  if (shape.length !== 4) return shapeError(`${layer.kerasClass} takes a batch of images (rank 4), got rank ${shape.length}`);
  const [h, w] = imageAxes(layer);
  const out = [...shape];
  out[h] = num(layer, "height");
  out[w] = num(layer, "width");
  return shapeOk(out);
}

/** The Keras axes of an image's height and width under the layer's `data_format`. */
export const imageAxes = (layer: LayerDef): [number, number] => (channelAxis(layer) === 1 ? [2, 3] : [1, 2]);
