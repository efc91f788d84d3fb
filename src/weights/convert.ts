// The TypeScript weights converter: a model's mapping (mapping.ts) interpreted with the semantics of
// the generated Python weights script (templates/weights_runtime.py `_convert`): the same formats,
// the same matching (by path, by legacy name, falling back to order plus shape), the same checks and
// problems, the same tensors. It writes `.safetensors` with no Python.
//
// Every check is made on the file's metadata before a byte of data is read, so a file that does not
// fit the model writes nothing. Then the output is streamed: the header, and each tensor in turn,
// read in pieces, transformed and written (see transforms.ts for why a tensor needs one buffer).
import { existsSync, realpathSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pyFloat } from "../emit/render.js";
import { ConversionError, EXIT_MAPPING, EXIT_USAGE, WeightsFile, type H5Tensor } from "./hdf5.js";
import type { ModelMapping, TensorRow, TransformJson } from "./mapping.js";
import { AtomicWriter, layout, type SafeDtype } from "./safetensors.js";
import { applyToView, contiguousView, gather, isIdentity, pyShape, TransformError, transposeColumns, viewShape } from "./transforms.js";

export { ConversionError, EXIT_MAPPING, EXIT_USAGE };

/** One state_dict entry of the report. */
export interface ReportRow {
  key: string;
  source: string;
  shape: number[];
  transforms: string;
  strategy: string;
}

export interface Report {
  model: string;
  file: string;
  format: string;
  rows: ReportRow[];
  /** Legacy layer of the table → [file layer, "name" | "order+shape"]; empty for Keras 3 files. */
  strategies: Map<string, [string, string]>;
  warnings: string[];
}

interface Planned {
  key: string;
  tensor: H5Tensor;
  transforms: TransformJson[];
  shape: number[];
}

interface PlannedConstant {
  key: string;
  shape: number[];
  dtype: "float32" | "int64";
  value: number;
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
/** Whether a file's shape is the table's; a `null` axis of the table (a size parameter) takes any size. */
const sameShape = (a: readonly number[] | null, b: readonly (number | null)[]) => a !== null && a.length === b.length && a.every((d, i) => b[i] === null || d === b[i]);
const fmtShape = (shape: readonly (number | null)[] | null) => (shape === null ? "None" : pyShape(shape));

function describeTransforms(transforms: TransformJson[]): string {
  if (!transforms.length) return "-";
  return transforms.map((t) => `${t[0]}(${t.slice(1).map((a) => (Array.isArray(a) ? pyShape(a) : String(a))).join(", ")})`).join(" then ");
}

// -- legacy layer matching (`_match_legacy_layers`) ------------------------------------------------

function legacyLayerOrder(tensors: TensorRow[]): Map<string, Map<number, (number | null)[]>> {
  const layers = new Map<string, Map<number, (number | null)[]>>();
  for (const row of tensors) {
    if (!layers.has(row.legacy_layer)) layers.set(row.legacy_layer, new Map());
    layers.get(row.legacy_layer)!.set(row.legacy_index, row.keras_shape);
  }
  return layers;
}

/** Expected shapes by index as a list, or null when the indices have gaps. */
function shapeList(expected: Map<number, (number | null)[]>): (number | null)[][] | null {
  const n = expected.size ? Math.max(...expected.keys()) + 1 : 0;
  const keys = [...expected.keys()].sort((a, b) => a - b);
  if (keys.length !== n || keys.some((k, i) => k !== i)) return null;
  return keys.map((k) => expected.get(k)!);
}

const pyList = (shapes: ((number | null)[] | null)[] | null) => (shapes === null ? "None" : `[${shapes.map(fmtShape).join(", ")}]`);
const sameList = (a: (number | null)[][] | null, b: (number[] | null)[]) => a !== null && a.length === b.length && a.every((s, i) => sameShape(b[i]!, s));

function pairInOrder(expNames: string[], expLayers: Map<string, Map<number, (number | null)[]>>, fileNames: string[], fileLayers: Map<string, [string, H5Tensor][]>): [Map<string, string>, string[]] {
  const problems: string[] = [];
  if (expNames.length !== fileNames.length) {
    problems.push(`cannot match by order: ${expNames.length} expected layer(s) [${expNames.join(", ")}] but the file has ${fileNames.length} layer(s) with weights [${fileNames.join(", ")}]`);
    return [new Map(), problems];
  }
  const pairs = new Map<string, string>();
  expNames.forEach((e, i) => {
    const f = fileNames[i]!;
    const want = shapeList(expLayers.get(e)!);
    const have = fileLayers.get(f)!.map(([, d]) => d.shape);
    if (!sameList(want, have)) problems.push(`cannot match expected layer \`${e}\` (shapes ${pyList(want)}) with file layer \`${f}\` (shapes ${pyList(have)}) by order: shapes differ`);
    else pairs.set(e, f);
  });
  return [pairs, problems];
}

export function matchLegacyLayers(tensors: TensorRow[], legacyLayers: [string, [string, H5Tensor][]][]): [Map<string, [string, string]>, string[]] {
  const expected = legacyLayerOrder(tensors);
  const fileLayers = new Map(legacyLayers);
  const fileWithWeights = legacyLayers.filter(([, ws]) => ws.length).map(([n]) => n);
  const position = new Map(legacyLayers.map(([n], i) => [n, i] as [string, number]));
  const expectedNames = [...expected.keys()];

  const missing = expectedNames.filter((e) => !fileLayers.has(e));
  if (!missing.length) return [new Map(expectedNames.map((e) => [e, [e, "name"] as [string, string]])), []];

  // (a) names first, order+shape for the rest.
  const byName = expectedNames.filter((e) => fileLayers.has(e));
  const byNameSet = new Set(byName);
  const restFile = fileWithWeights.filter((f) => !byNameSet.has(f));
  const [pairsA, problemsA] = pairInOrder(missing, expected, restFile, fileLayers);
  for (const e of byName) {
    const want = shapeList(expected.get(e)!);
    const have = fileLayers.get(e)!.map(([, d]) => d.shape);
    if (!sameList(want, have)) problemsA.push(`layer \`${e}\` exists in the file but its shapes ${pyList(have)} differ from the expected ${pyList(want)} (a drifted auto-generated name?)`);
  }
  const matchA = new Map<string, [string, string]>(byName.map((e) => [e, [e, "name"]]));
  for (const [e, f] of pairsA) matchA.set(e, [f, "order+shape"]);
  if (!problemsA.length && matchA.size === expected.size) {
    const found = expectedNames.map((e) => position.get(matchA.get(e)![0])!);
    if (found.every((p, i) => i === 0 || found[i - 1]! <= p)) {
      // In the table's order, as the Python dict iterates.
      return [new Map(expectedNames.map((e) => [e, matchA.get(e)!])), []];
    }
    problemsA.push("matching by the names found would reorder layers");
  }

  // (b) order+shape for every layer.
  const [pairsB, problemsB] = pairInOrder(expectedNames, expected, fileWithWeights, fileLayers);
  if (!problemsB.length && pairsB.size === expected.size) {
    return [new Map(expectedNames.map((e) => [e, [pairsB.get(e)!, e === pairsB.get(e) ? "name" : "order+shape"] as [string, string]])), []];
  }
  const head = `legacy layer name(s) ${missing.map((m) => `\`${m}\``).join(", ")} not found in the file (file layers with weights: ${fileWithWeights.join(", ") || "none"}), and matching by order and shape failed:`;
  return [new Map(), [head, ...problemsB.map((p) => "  " + p)]];
}

// -- planning ------------------------------------------------------------------------------------

interface Plan {
  tensors: Planned[];
  constants: PlannedConstant[];
  report: Report;
}

function plan(name: string, spec: ModelMapping, wfile: WeightsFile): Plan {
  const problems: string[] = [];
  const rows: ReportRow[] = [];
  const planned: Planned[] = [];
  const consumed = new Set<string>();
  const strategies = new Map<string, [string, string]>();
  const pairKey = (layer: string, index: number) => JSON.stringify([layer, index]);
  let layerMatch = new Map<string, [string, string]>();
  let matchProblems: string[] = [];
  const fileLayers = new Map(wfile.legacyLayers);
  if (wfile.kind === "legacy") {
    [layerMatch, matchProblems] = matchLegacyLayers(spec.tensors, wfile.legacyLayers);
    problems.push(...matchProblems);
    for (const [k, v] of layerMatch) strategies.set(k, v);
  }
  const norm = (p: string) => p.replace(/\\/g, "/").replace(/^\/+|\/+$/g, "");

  for (const row of spec.tensors) {
    const { key, keras3_path: k3path, legacy_layer: lname, legacy_index: lindex, keras_shape: kshape, transforms } = row;
    if (key === null) {
      // A Keras variable the module does not need (Normalization's `count`): passed over.
      if (wfile.kind === "keras3") consumed.add(norm(k3path));
      else if (layerMatch.has(lname)) consumed.add(pairKey(layerMatch.get(lname)![0], lindex));
      continue;
    }
    let tensor: H5Tensor;
    let source: string;
    let strategy: string;
    if (wfile.kind === "keras3") {
      source = k3path;
      strategy = "path";
      const found = wfile.keras3.get(norm(k3path));
      if (!found) {
        problems.push(`missing: \`${k3path}\` (for \`${key}\`, shape ${pyShape(kshape)})`);
        continue;
      }
      tensor = found;
      consumed.add(norm(k3path));
    } else {
      if (!layerMatch.has(lname)) {
        if (!matchProblems.length) problems.push(`missing: legacy layer \`${lname}\` (for \`${key}\`)`);
        continue;
      }
      const [flayer, how] = layerMatch.get(lname)!;
      strategy = how;
      const weights = fileLayers.get(flayer)!;
      if (lindex >= weights.length) {
        problems.push(`missing: weight #${lindex} of legacy layer \`${flayer}\` (for \`${key}\`, shape ${pyShape(kshape)}); the layer has ${weights.length} weight(s)`);
        continue;
      }
      const [wname, t] = weights[lindex]!;
      tensor = t;
      source = `${flayer}[${lindex}] ${wname}`;
      consumed.add(pairKey(flayer, lindex));
    }
    if (tensor.refusal) {
      problems.push(`refused: ${source} (for \`${key}\`) ${tensor.refusal}`);
      continue;
    }
    if (!sameShape(tensor.shape, kshape)) {
      problems.push(`mis-shaped: ${source} has shape ${fmtShape(tensor.shape)}, \`${key}\` expects Keras shape ${pyShape(kshape)}`);
      continue;
    }
    let shape: number[];
    try {
      shape = viewShape(applyToView(contiguousView(tensor.shape!), transforms, () => undefined));
    } catch (error) {
      if (!(error instanceof TransformError)) throw error;
      problems.push(`mis-shaped: ${source} for \`${key}\`: ${error.message}`);
      continue;
    }
    planned.push({ key, tensor, transforms, shape });
    rows.push({ key, source, shape, transforms: describeTransforms(transforms), strategy });
  }

  // Unexpected: model weights in the file that no table row consumed.
  if (wfile.kind === "keras3") {
    for (const [path, tensor] of wfile.keras3) if (!consumed.has(path)) problems.push(`unexpected: \`${path}\` shape ${fmtShape(tensor.shape)} is not used`);
  } else {
    const matched = new Set([...strategies.values()].map(([f]) => f));
    for (const [flayer, weights] of wfile.legacyLayers) {
      // Layers the failed matching could not place are already reported.
      if (matchProblems.length && !matched.has(flayer)) continue;
      weights.forEach(([wname, tensor], i) => {
        if (!consumed.has(pairKey(flayer, i))) problems.push(`unexpected: legacy layer \`${flayer}\` weight #${i} \`${wname}\` shape ${fmtShape(tensor.shape)} is not used`);
      });
    }
  }

  const constants: PlannedConstant[] = [];
  for (const c of spec.constants) {
    if (c.dtype !== "float32" && c.dtype !== "int64") {
      problems.push(`the mapping table gives \`${c.key}\` an unknown dtype ${JSON.stringify(c.dtype)}`);
      continue;
    }
    constants.push({ ...c });
    rows.push({ key: c.key, source: `constant ${c.dtype === "int64" ? String(c.value) : pyFloat(c.value)}`, shape: c.shape, transforms: c.dtype, strategy: "constant" });
  }

  const report: Report = { model: name, file: wfile.path, format: wfile.format, rows, strategies, warnings: [] };
  if (problems.length) throw new ConversionError(`${wfile.path}: cannot build the state_dict of \`${name}\` (${problems.length} problem(s)):`, problems, EXIT_MAPPING);
  return { tensors: planned, constants, report };
}

// -- writing -------------------------------------------------------------------------------------

/** Output elements per write. */
const OUT_ELEMENTS = 2 << 20;

function nonFinite(counts: { nan: number; pos: number; neg: number }): string | null {
  const parts = [
    [counts.nan, "NaN"],
    [counts.pos, "+Inf"],
    [counts.neg, "-Inf"],
  ].filter(([n]) => (n as number) > 0);
  return parts.length ? parts.map(([n, what]) => `${n} ${what}`).join(", ") : null;
}

function countNonFinite(values: Float32Array, counts: { nan: number; pos: number; neg: number }): void {
  // x * 0 is 0 for every finite x and NaN for NaN and ±Inf: one pass of float math finds out whether
  // there is anything to count.
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  const n4 = values.length & ~3;
  for (let i = 0; i < n4; i += 4) {
    p0 += values[i]! * 0;
    p1 += values[i + 1]! * 0;
    p2 += values[i + 2]! * 0;
    p3 += values[i + 3]! * 0;
  }
  for (let i = n4; i < values.length; i++) p0 += values[i]! * 0;
  if (p0 + p1 + p2 + p3 === 0) return;
  countExactly(values, counts);
}

/** Counts the NaN, +Inf and -Inf values of `values` into `counts`. */
function countExactly(values: Float32Array, counts: { nan: number; pos: number; neg: number }): void {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    if ((b & 0x7f800000) === 0x7f800000) {
      if (b & 0x007fffff) counts.nan++;
      else if (b >>> 31) counts.neg++;
      else counts.pos++;
    }
  }
}

/**
 * Streaming a tensor: blocks of source rows of at most `blockBytes` (read straight into h5wasm's
 * memory), transposed `pieceBytes` of output at a time; a transposed tensor whose output runs would be
 * shorter than `minRunElements` (a conv kernel) is read whole instead. Large blocks: a transposed
 * block is written as one run per output row, n source rows long, so longer blocks mean fewer writes.
 */
export const STREAM = { blockBytes: 128 << 20, pieceBytes: 4 << 20, minRunElements: 1024 };

interface StreamPlan {
  rows: number;
  blockRows: number;
  rowElements: number;
  /** Output axis j is source axis origin[j]. */
  origin: number[];
  outShape: number[];
  /** Output elements after the source's first axis (a run per block row), and runs per block. */
  inner: number;
  outer: number;
}

/**
 * How a tensor whose transforms only transpose (or that has none) is streamed without holding it,
 * or null: blocks of source rows are read in turn, transposed, and their output runs written in
 * place (positional writes at offsets computed from the output shape). Null too when the runs would
 * be too short to be worth a write each (conv-like kernels) and the tensor takes several blocks.
 */
export function streamPlan(shape: readonly number[], transforms: readonly TransformJson[]): StreamPlan | null {
  if (shape.length < 1 || !transforms.every((x) => x[0] === "transpose")) return null;
  let origin = shape.map((_d, i) => i);
  for (const x of transforms) origin = (x[1] as number[]).map((a) => origin[a]!);
  const outShape = origin.map((k) => shape[k]!);
  const jStar = origin.indexOf(0);
  const inner = product(outShape.slice(jStar + 1));
  const outer = product(outShape.slice(0, jStar));
  const rowElements = product(shape.slice(1));
  const rows = shape[0]!;
  const blockRows = Math.max(1, Math.min(rows, Math.floor(STREAM.blockBytes / 4 / Math.max(rowElements, 1))));
  if (blockRows < rows && outer > 1 && blockRows * inner < STREAM.minRunElements) return null;
  return { rows, blockRows, rowElements, origin, outShape, inner, outer };
}

function streamTensor(out: AtomicWriter, wfile: WeightsFile, t: Planned, plan: StreamPlan, at: number, counts: { nan: number; pos: number; neg: number }): void {
  const { rows, blockRows, rowElements, origin, outShape, inner } = plan;
  const kshape = t.tensor.shape!;
  const identity = origin.every((k, j) => k === j);
  const jStar = origin.indexOf(0);
  const dense = origin.length === 2 && origin[0] === 1;
  if (dense && blockRows < rows && t.tensor.type === "float32") return streamMatrixByColumns(out, wfile, t, at, counts);
  for (let r0 = 0; r0 < rows; r0 += blockRows) {
    const n = Math.min(blockRows, rows - r0);
    const src = wfile.readRows(t.tensor, r0, n);
    // A Dense kernel's transpose checks for NaN and Inf as it copies; the others are checked first.
    if (!dense) countNonFinite(src, counts);
    if (identity) {
      out.writeAt(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), at + r0 * rowElements * 4);
      continue;
    }
    // The transposed block, C order, is `outer` runs of n * inner elements; run o lands at output
    // element (o * rows + r0) * inner. It is made a piece at a time: output indices a0 .. a1 of the
    // output's first axis, `perA` elements and `runsPerA` runs each.
    const blockOut = outShape.map((d, j) => (j === jStar ? n : d));
    const perA = product(blockOut.slice(1));
    const runsPerA = product(blockOut.slice(1, jStar));
    const step = Math.max(1, Math.floor(STREAM.pieceBytes / 4 / Math.max(perA, 1)));
    const view = dense ? null : applyToView(contiguousView([n, ...kshape.slice(1)]), t.transforms);
    const run = n * inner;
    let finite = 0;
    for (let a0 = 0; a0 < blockOut[0]!; a0 += step) {
      const a1 = Math.min(blockOut[0]!, a0 + step);
      const piece = outBuffer((a1 - a0) * perA).subarray(0, (a1 - a0) * perA);
      if (dense) finite += transposeColumns(src, n, kshape[1]!, a0, a1, piece);
      else gather(view!, src, piece, a0 * perA, piece.length);
      if (jStar === 0 || n === rows) {
        // Source axis 0 first (one run), or the block is the whole tensor: the piece is contiguous.
        out.writeAt(new Uint8Array(piece.buffer, 0, piece.length * 4), at + (jStar === 0 ? r0 * rowElements + a0 * perA : a0 * perA) * 4);
        continue;
      }
      for (let k = 0; k < (a1 - a0) * runsPerA; k++) {
        const o = a0 * runsPerA + k;
        out.writeAt(new Uint8Array(piece.buffer, k * run * 4, run * 4), at + (o * rows + r0) * inner * 4);
      }
    }
    if (dense && finite !== 0) countExactly(src, counts);
  }
}

/**
 * A transposed float32 matrix too large for one block (a big Dense kernel): bands of source columns,
 * which are whole rows of the output, so that each transposed piece is one write (a block of source
 * rows would land as one short run per output row). The same bytes as the row blocks.
 */
function streamMatrixByColumns(out: AtomicWriter, wfile: WeightsFile, t: Planned, at: number, counts: { nan: number; pos: number; neg: number }): void {
  const [rows, cols] = t.tensor.shape! as [number, number];
  const band = Math.max(1, Math.min(cols, Math.floor(STREAM.blockBytes / 4 / rows)));
  const step = Math.max(1, Math.floor(STREAM.pieceBytes / 4 / rows));
  for (let c0 = 0; c0 < cols; c0 += band) {
    const k = Math.min(band, cols - c0);
    const src = wfile.readColumns(t.tensor, c0, k);
    let finite = 0;
    for (let j0 = 0; j0 < k; j0 += step) {
      const j1 = Math.min(k, j0 + step);
      const piece = outBuffer((j1 - j0) * rows).subarray(0, (j1 - j0) * rows);
      finite += transposeColumns(src, rows, k, j0, j1, piece);
      out.writeAt(new Uint8Array(piece.buffer, 0, piece.length * 4), at + (c0 + j0) * rows * 4);
    }
    // The transpose checks for NaN and Inf as it copies; they are counted only when it found some.
    if (finite !== 0) countExactly(src, counts);
  }
}

/** How `t` is streamed, or null when it is read whole. Transposes are streamed; so are transforms that leave the data where it is (a reshape that needs no copy). */
function streamOf(t: Planned): StreamPlan | null {
  const kshape = t.tensor.shape!;
  let copies = false;
  const view = applyToView(contiguousView(kshape), t.transforms, () => {
    copies = true;
  });
  if (copies) return null;
  return streamPlan(kshape, t.transforms) ?? (isIdentity(view) ? streamPlan(kshape, []) : null);
}

function writeTensor(out: AtomicWriter, wfile: WeightsFile, t: Planned, at: number): { nan: number; pos: number; neg: number } {
  const counts = { nan: 0, pos: 0, neg: 0 };
  const kshape = t.tensor.shape!;
  const total = product(kshape);
  if (total === 0) return counts;
  const stream = streamOf(t);
  if (stream) {
    streamTensor(out, wfile, t, stream, at, counts);
    return counts;
  }
  // The whole source in memory once, the output written in pieces from the view over it. One
  // buffer serves every tensor (grown to the largest), so memory stays at the largest tensor.
  const whole = scratch(total);
  wfile.read(t.tensor, (values) => countNonFinite(values, counts), whole);
  let src: Float32Array = whole;
  // Rebuilt over the data: a reshape that needs a copy makes it now.
  const v = applyToView(contiguousView(kshape), t.transforms, (w) => {
    const copy = new Float32Array(product(viewShape(w)));
    gather(w, src, copy, 0, copy.length);
    src = copy;
  });
  const n = product(viewShape(v));
  const inner = viewShape(v).at(-1) ?? 1;
  // Pieces of whole rows, so that a transposed tensor is copied in tiles.
  const step = Math.max(inner, Math.floor(OUT_ELEMENTS / Math.max(inner, 1)) * inner);
  const buf = outBuffer(Math.min(n, step) || 1);
  for (let start = 0; start < n; start += step) {
    const count = Math.min(step, n - start);
    gather(v, src, buf, start, count);
    out.writeAt(new Uint8Array(buf.buffer, 0, count * 4), at + start * 4);
  }
  return counts;
}

let scratchBuffer: Float32Array | null = null;
let outBufferArray: Float32Array | null = null;

function outBuffer(n: number): Float32Array {
  if (!outBufferArray || outBufferArray.length < n) outBufferArray = new Float32Array(n);
  return outBufferArray;
}

/** A Float32Array of `n` elements over one buffer reused by every tensor (contents undefined). */
function scratch(n: number): Float32Array {
  if (!scratchBuffer || scratchBuffer.length < n) {
    scratchBuffer = null; // let the old one go before the new one is allocated
    scratchBuffer = new Float32Array(n);
  }
  return scratchBuffer.subarray(0, n);
}

function constantBytes(c: PlannedConstant): Uint8Array {
  const n = product(c.shape);
  if (c.dtype === "int64") {
    const a = new BigInt64Array(n);
    a.fill(BigInt(Math.trunc(c.value)));
    return new Uint8Array(a.buffer);
  }
  const a = new Float32Array(n);
  a.fill(c.value);
  return new Uint8Array(a.buffer);
}

/** Refuses an OUTPUT that cannot be written, before any input is read (`check_output`). */
export function checkOutput(output: string, kerasFile?: string): void {
  if (!output.toLowerCase().endsWith(".safetensors")) throw new ConversionError(`${output}: OUTPUT must end in .safetensors (write .pt or .pth with the generated Python weights script)`, [], EXIT_USAGE);
  const directory = dirname(resolve(output));
  if (!existsSync(directory) || !statSync(directory).isDirectory()) throw new ConversionError(`${output}: directory ${directory} does not exist`, [], EXIT_USAGE);
  if (existsSync(output) && statSync(output).isDirectory()) throw new ConversionError(`${output}: is a directory`, [], EXIT_USAGE);
  if (kerasFile && existsSync(output) && existsSync(kerasFile) && realpathSync(output) === realpathSync(kerasFile)) {
    throw new ConversionError(`${output}: is KERAS_FILE itself; refusing to overwrite the input`, [], EXIT_USAGE);
  }
}

export interface ConvertOptions {
  /** The model's name in messages (its class). */
  name: string;
  mapping: ModelMapping;
  kerasFile: string;
  output: string;
  /** Each non-finite warning, as it is found. */
  onWarning?: (text: string) => void;
  /** The report, after every check passed and before anything is written. */
  onReport?: (report: Report) => void;
}

/**
 * Converts `kerasFile` into `output` (.safetensors). Throws ConversionError (exit code and problems)
 * for anything expected; nothing is written unless every tensor was found, checked and read.
 */
export async function convertWeights(o: ConvertOptions): Promise<Report> {
  const keys = [...o.mapping.tensors.flatMap((t) => (t.key === null ? [] : [t.key])), ...o.mapping.constants.map((c) => c.key)];
  const dupes = [...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))].sort();
  if (dupes.length) throw new ConversionError(`the mapping table of \`${o.name}\` is broken: duplicate state_dict keys`, dupes.map((k) => `\`${k}\``));
  checkOutput(o.output, o.kerasFile);
  const wfile = await WeightsFile.open(o.kerasFile);
  try {
    const p = plan(o.name, o.mapping, wfile);
    o.onReport?.(p.report);
    const sources = new Map(p.report.rows.map((r) => [r.key, r.source]));
    const entries = [
      ...p.tensors.map((t) => ({ key: t.key, dtype: "F32" as SafeDtype, shape: t.shape, planned: t as Planned | PlannedConstant })),
      ...p.constants.map((c) => ({ key: c.key, dtype: (c.dtype === "int64" ? "I64" : "F32") as SafeDtype, shape: c.shape, planned: c as Planned | PlannedConstant })),
    ];
    const byKey = new Map(entries.map((e) => [e.key, e.planned]));
    // The one buffer for tensors read whole, at its largest size from the start.
    const whole = p.tensors.filter((t) => !streamOf(t)).map((t) => product(t.tensor.shape!));
    if (whole.length) scratch(Math.max(...whole));
    const { entries: placed, header } = layout(entries);
    let out: AtomicWriter;
    try {
      out = new AtomicWriter(o.output);
    } catch (error) {
      throw new ConversionError(`${o.output}: cannot write: ${(error as Error).message}`, [], EXIT_USAGE);
    }
    const counts = new Map<string, { nan: number; pos: number; neg: number }>();
    try {
      out.write(header);
      for (const e of placed) {
        const item = byKey.get(e.key)!;
        const before = out.position;
        if ("tensor" in item) counts.set(e.key, writeTensor(out, wfile, item, header.length + e.begin));
        else out.writeAt(constantBytes(item), header.length + e.begin);
        if (out.position - before !== e.end - e.begin) throw new Error(`internal: ${e.key} wrote ${out.position - before} bytes, expected ${e.end - e.begin}`);
      }
      // Warned about in table order, as the Python runtime warns.
      for (const t of p.tensors) {
        const bad = nonFinite(counts.get(t.key)!);
        if (bad) p.report.warnings.push(`${wfile.path}: ${sources.get(t.key)!} (for \`${t.key}\`) has non-finite values: ${bad}`);
      }
      out.commit();
      if (process.env.KERAS2TORCH_DEBUG_MEMORY) process.stderr.write(`memory: ${JSON.stringify(process.memoryUsage())} wasm ${wfile.wasmBytes()}\n`);
    } catch (error) {
      out.abort();
      if (error instanceof ConversionError) throw error;
      const e = error as NodeJS.ErrnoException;
      if (e.code && e.syscall) throw new ConversionError(`${o.output}: cannot write: ${e.message}`, [], EXIT_USAGE);
      throw error;
    }
    for (const w of p.report.warnings) o.onWarning?.(w);
    scratchBuffer = null;
    outBufferArray = null;
    return p.report;
  } finally {
    wfile.close();
  }
}

/** The --verbose mapping table, as the Python script prints it (`format_report`). */
export function formatReport(report: Report): string {
  const lines = [`model: ${report.model}`, `input: ${report.file} (${report.format})`];
  if (report.strategies.size) {
    lines.push("legacy layer matching:");
    for (const [expected, [found, strategy]] of report.strategies) lines.push(`  ${expected.padEnd(28)} <- ${found.padEnd(28)} [${strategy}]`);
  }
  const headers = ["keras tensor", "state_dict key", "torch shape", "transforms", "strategy"];
  const table = [headers, ...report.rows.map((r) => [r.source, r.key, pyShape(r.shape), r.transforms, r.strategy])];
  const widths = headers.map((_h, i) => Math.max(...table.map((row) => row[i]!.length)));
  table.forEach((row, n) => {
    lines.push(row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd());
    if (n === 0) lines.push(widths.map((w) => "-".repeat(w)).join("  "));
  });
  return lines.join("\n");
}
