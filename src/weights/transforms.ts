// The mapping's transforms, with numpy's semantics (templates/weights_runtime.py `_apply_transforms`).
//
// Every transform only moves elements (transpose, reshape, row gathers, one row, reordered blocks), so
// a chain of them is a view of the Keras tensor: the output element at a multi-index is the source
// element at `offset + sum_k step_k(i_k)`, where each axis steps either by a stride or through a table.
// The converter builds that view once and writes the output in chunks from it, so a tensor needs one
// buffer (its source) plus a chunk, never a copy per transform.
import type { TransformJson } from "./mapping.js";

/** A transform that does not fit the tensor; the message is the Python runtime's. */
export class TransformError extends Error {}

interface Axis {
  size: number;
  stride: number;
  /** Source offsets by index along this axis, when rows were gathered (permute_rows, reorder_blocks). */
  table?: Float64Array;
}

export interface View {
  offset: number;
  axes: Axis[];
}

/** A shape as Python prints a tuple: `(3, 4)`, `(5,)`, `()`. */
/** A shape as Python prints the tuple; `null` (an axis of any size) is `None`. */
export function pyShape(shape: readonly (number | null)[]): string {
  const dims = shape.map((d) => (d === null ? "None" : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(", ")})`;
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function contiguousView(shape: readonly number[]): View {
  const axes: Axis[] = [];
  let stride = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    axes.unshift({ size: shape[k]!, stride });
    stride *= shape[k]!;
  }
  return { offset: 0, axes };
}

export const viewShape = (view: View): number[] => view.axes.map((a) => a.size);

const step = (axis: Axis, i: number) => (axis.table ? axis.table[i]! : i * axis.stride);

/** Whether the view reads the source in order from its start: nothing to do but convert. */
export function isIdentity(view: View): boolean {
  if (view.offset !== 0) return false;
  let stride = 1;
  for (let k = view.axes.length - 1; k >= 0; k--) {
    const a = view.axes[k]!;
    if (a.size !== 1 && (a.table || a.stride !== stride)) return false;
    stride *= a.size;
  }
  return true;
}

/** numpy's reshape without a copy (`_attempt_nocopy_reshape`), or null when the strides do not allow it. */
function reshapeNoCopy(view: View, shape: number[]): View | null {
  if (product(shape) === 0) return { offset: view.offset, axes: shape.map((size) => ({ size, stride: 0 })) };
  const old = view.axes.filter((a) => a.size !== 1);
  if (old.some((a) => a.table)) return null;
  const axes: Axis[] = shape.map((size) => ({ size, stride: 0 }));
  let oi = 0;
  let ni = 0;
  const newNonOne = shape.map((s, i) => [s, i] as const).filter(([s]) => s !== 1);
  while (ni < newNonOne.length && oi < old.length) {
    let np = newNonOne[ni]![0];
    let op = old[oi]!.size;
    const nj0 = ni;
    const oj0 = oi;
    let nj = ni + 1;
    let oj = oi + 1;
    while (np !== op) {
      if (np < op) np *= newNonOne[nj++]![0];
      else op *= old[oj++]!.size;
    }
    // The old axes merged here must be contiguous among themselves.
    for (let k = oj0; k < oj - 1; k++) if (old[k]!.stride !== old[k + 1]!.size * old[k + 1]!.stride) return null;
    let stride = old[oj - 1]!.stride;
    for (let k = nj - 1; k >= nj0; k--) {
      axes[newNonOne[k]![1]]!.stride = stride;
      stride *= newNonOne[k]![0];
    }
    ni = nj;
    oi = oj;
  }
  return { offset: view.offset, axes };
}

/**
 * The view after `transforms`, checked as the Python runtime checks them. `materialize` is called when
 * a reshape cannot be a view (after a row gather): it must return the source copied out in the view's
 * order, which the rest of the chain then reads contiguously.
 */
export function applyToView(view: View, transforms: readonly TransformJson[], materialize?: (view: View) => void): View {
  for (const t of transforms) {
    const shape = viewShape(view);
    switch (t[0]) {
      case "transpose": {
        const axes = t[1];
        if (axes.length !== shape.length) throw new TransformError(`transpose axes ${pyShape(axes)} do not fit shape ${pyShape(shape)}`);
        if (new Set(axes).size !== axes.length || axes.some((a) => !Number.isInteger(a) || a < 0 || a >= shape.length)) {
          throw new TransformError(`transpose axes ${pyShape(axes)} are not a permutation of the axes of shape ${pyShape(shape)}`);
        }
        view = { offset: view.offset, axes: axes.map((a) => view.axes[a]!) };
        break;
      }
      case "permute_rows": {
        const [, rows, axes] = t;
        const n = product(rows);
        if (!shape.length || shape[0] !== n) throw new TransformError(`permute_rows over ${pyShape(rows)} needs ${n} rows, the tensor has ${shape.length ? shape[0] : "none"}`);
        if (axes.length !== rows.length) throw new TransformError(`permute_rows axes ${pyShape(axes)} do not fit ${pyShape(rows)}`);
        // order = arange(n).reshape(rows).transpose(axes).ravel()
        const order = gatherAll(applyToView(contiguousView(rows), [["transpose", axes]]), (i) => i, n);
        const first = view.axes[0]!;
        const table = new Float64Array(n);
        for (let j = 0; j < n; j++) table[j] = step(first, order[j]!);
        view = { offset: view.offset, axes: [{ size: n, stride: 0, table }, ...view.axes.slice(1)] };
        break;
      }
      case "reshape": {
        const target = t[1];
        const size = product(shape);
        if (product(target) !== size || target.some((d) => !Number.isInteger(d) || d < 0)) throw new TransformError(`reshape to ${pyShape(target)} does not fit shape ${pyShape(shape)}`);
        const reshaped = reshapeNoCopy(view, target);
        if (reshaped) {
          view = reshaped;
        } else {
          if (!materialize) throw new TransformError(`reshape to ${pyShape(target)} needs a copy of the data`);
          materialize(view);
          view = contiguousView(target);
        }
        break;
      }
      case "index": {
        const index = t[1];
        if (!shape.length || !Number.isInteger(index) || index < 0 || index >= shape[0]!) throw new TransformError(`index ${index} does not fit shape ${pyShape(shape)}`);
        view = { offset: view.offset + step(view.axes[0]!, index), axes: view.axes.slice(1) };
        break;
      }
      case "reorder_blocks": {
        const order = t[1];
        if (!shape.length || shape[0]! % order.length !== 0) throw new TransformError(`${order.length} blocks do not divide shape ${pyShape(shape)}`);
        const block = shape[0]! / order.length;
        const first = view.axes[0]!;
        if (order.some((b) => !Number.isInteger(b) || b < 0 || b >= order.length)) throw new TransformError(`block order ${pyShape(order)} is not a list of block indices`);
        const table = new Float64Array(shape[0]!);
        for (let j = 0; j < order.length; j++) for (let r = 0; r < block; r++) table[j * block + r] = step(first, order[j]! * block + r);
        view = { offset: view.offset, axes: [{ size: shape[0]!, stride: 0, table }, ...view.axes.slice(1)] };
        break;
      }
      default:
        throw new TransformError(`unknown transform ${JSON.stringify((t as unknown[])[0])}`);
    }
  }
  return view;
}

/** The output shape of `transforms` on a tensor of `shape`, checked as the runtime checks them. */
export function transformedShape(shape: readonly number[], transforms: readonly TransformJson[]): number[] {
  return viewShape(applyToView(contiguousView(shape), transforms, () => undefined));
}

/** All of a (small) view's source offsets in output order, mapped through `at`. */
function gatherAll(view: View, at: (i: number) => number, n: number): Float64Array {
  const out = new Float64Array(n);
  gather(view, { get: at }, out, 0, n);
  return out;
}

/** Where `gather` reads: a typed array, or any indexable source. */
export type Source = ArrayLike<number> | { get(i: number): number };

/**
 * Writes output elements `start` .. `start + count` (C order) of `view` over `src` into `out[0..count)`.
 * The last axis is the inner loop; a 2-D transpose is walked in tiles so that reads stay in cache.
 */
export function gather(view: View, src: Source, out: { [i: number]: number }, start: number, count: number): void {
  const get = "get" in src ? src.get : null;
  const arr = get ? null : (src as ArrayLike<number>);
  const axes = view.axes;
  const rank = axes.length;
  if (rank === 0) {
    if (count > 0) out[0] = get ? get(view.offset) : arr![view.offset]!;
    return;
  }
  const last = axes[rank - 1]!;
  const inner = last.size;
  if (inner === 0 || count === 0) return;
  // The multi-index of `start` (all axes but the last), and the position along the last one.
  const index = new Array<number>(rank - 1).fill(0);
  let rest = Math.floor(start / inner);
  let c = start % inner;
  for (let k = rank - 2; k >= 0; k--) {
    index[k] = rest % axes[k]!.size;
    rest = Math.floor(rest / axes[k]!.size);
  }
  const nextRow = () => {
    for (let k = rank - 2; k >= 0; k--) {
      if (++index[k]! < axes[k]!.size) break;
      index[k] = 0;
    }
  };
  const rowBase = () => {
    let base = view.offset;
    for (let k = 0; k < rank - 1; k++) base += step(axes[k]!, index[k]!);
    return base;
  };
  // A transposed tensor (the output's last axis strides through the source): whole rows are copied
  // in tiles of TILE rows by TILE columns, so that the reads of a tile stay in cache.
  if (arr instanceof Float32Array && out instanceof Float32Array && !last.table && last.stride > 1 && rank >= 2 && c === 0 && count % inner === 0) {
    const rows = count / inner;
    const bases = new Float64Array(TILE);
    for (let r0 = 0; r0 < rows; r0 += TILE) {
      const r1 = Math.min(rows, r0 + TILE);
      for (let r = r0; r < r1; r++) {
        bases[r - r0] = rowBase();
        nextRow();
      }
      tile(arr, out, bases, r0, r1 - r0, inner, last.stride);
    }
    return;
  }
  let o = 0;
  while (o < count) {
    const base = rowBase();
    const n = Math.min(inner - c, count - o);
    if (last.table) {
      const t = last.table;
      for (let j = 0; j < n; j++) out[o + j] = get ? get(base + t[c + j]!) : arr![base + t[c + j]!]!;
    } else {
      const s = last.stride;
      let p = base + c * s;
      if (get) for (let j = 0; j < n; j++, p += s) out[o + j] = get(p);
      else for (let j = 0; j < n; j++, p += s) out[o + j] = arr![p]!;
    }
    o += n;
    c = 0;
    nextRow();
  }
}

const TILE = 64;

/**
 * Rows `r0 .. r0 + n` of the output (`inner` elements each; row r's element j is at
 * `src[bases[r - r0] + j * stride]`), copied TILE columns at a time so that the reads stay in cache.
 * Monomorphic on Float32Array so that V8 compiles it to a tight loop.
 */
function tile(src: Float32Array, out: Float32Array, bases: Float64Array, r0: number, n: number, inner: number, stride: number): void {
  for (let c0 = 0; c0 < inner; c0 += TILE) {
    const c1 = c0 + TILE < inner ? c0 + TILE : inner;
    for (let k = 0; k < n; k++) {
      const ob = (r0 + k) * inner;
      let p = bases[k]! + c0 * stride;
      for (let j = c0; j < c1; j++, p += stride) out[ob + j] = src[p]!;
    }
  }
}

/**
 * Output rows `a0 .. a1` of the transpose of `src` (`rows` × `cols`, C order) into `out`
 * ((a1 - a0) × `rows`): out[(j - a0) * rows + r] = src[r * cols + j]. Strips of 16 source rows: each
 * output row gets 16 consecutive elements (a cache line) while the strip's rows are read in order,
 * so both sides stay in cache; the strip is unrolled. Returns the sum of `x * 0` over the elements
 * copied: 0 when they are all finite, NaN when one is NaN or ±Inf (the check costs nothing extra here).
 */
export function transposeColumns(src: Float32Array, rows: number, cols: number, a0: number, a1: number, out: Float32Array): number {
  let z = 0;
  let r0 = 0;
  for (; r0 + 16 <= rows; r0 += 16) {
    const base = r0 * cols;
    for (let j = a0; j < a1; j++) {
      const o = (j - a0) * rows + r0;
      let q = base + j;
      // Unrolled by hand: V8 does not unroll the loop, and this is the hot loop of a Dense kernel.
      const v0 = src[q]!;
      const v1 = src[(q += cols)]!;
      const v2 = src[(q += cols)]!;
      const v3 = src[(q += cols)]!;
      const v4 = src[(q += cols)]!;
      const v5 = src[(q += cols)]!;
      const v6 = src[(q += cols)]!;
      const v7 = src[(q += cols)]!;
      const v8 = src[(q += cols)]!;
      const v9 = src[(q += cols)]!;
      const v10 = src[(q += cols)]!;
      const v11 = src[(q += cols)]!;
      const v12 = src[(q += cols)]!;
      const v13 = src[(q += cols)]!;
      const v14 = src[(q += cols)]!;
      const v15 = src[(q += cols)]!;
      out[o] = v0;
      out[o + 1] = v1;
      out[o + 2] = v2;
      out[o + 3] = v3;
      out[o + 4] = v4;
      out[o + 5] = v5;
      out[o + 6] = v6;
      out[o + 7] = v7;
      out[o + 8] = v8;
      out[o + 9] = v9;
      out[o + 10] = v10;
      out[o + 11] = v11;
      out[o + 12] = v12;
      out[o + 13] = v13;
      out[o + 14] = v14;
      out[o + 15] = v15;
      z += v0 * 0 + v1 * 0 + v2 * 0 + v3 * 0 + v4 * 0 + v5 * 0 + v6 * 0 + v7 * 0 + v8 * 0 + v9 * 0 + v10 * 0 + v11 * 0 + v12 * 0 + v13 * 0 + v14 * 0 + v15 * 0;
    }
  }
  for (let j = a0; j < a1; j++) {
    const o = (j - a0) * rows;
    for (let r = r0, p = r0 * cols + j; r < rows; r++, p += cols) {
      const v = src[p]!;
      out[o + r] = v;
      z += v * 0;
    }
  }
  return z;
}

/** `transforms` applied to a whole array (tests, small tensors): numpy's `_apply_transforms`. */
export function applyTransforms(data: Float32Array, shape: readonly number[], transforms: readonly TransformJson[]): { data: Float32Array; shape: number[] } {
  let src = data;
  const view = applyToView(contiguousView(shape), transforms, (v) => {
    const copy = new Float32Array(product(viewShape(v)));
    gather(v, src, copy, 0, copy.length);
    src = copy;
  });
  const outShape = viewShape(view);
  const out = new Float32Array(product(outShape));
  gather(view, src, out, 0, out.length);
  return { data: out, shape: outShape };
}
