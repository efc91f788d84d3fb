// Reading a Keras weights file with h5wasm, as templates/weights_runtime.py's `WeightsFile` reads it:
// the same formats, recognised by content, the same naming, the same refusals.
//
// Memory. h5wasm's Node build uses Emscripten's NODERAWFS: HDF5 reads the file on disk through
// Node's fs, so the file is never copied into WASM memory. Only what a read asks for is: a tensor is
// read as hyperslabs of its first axis into one reused WASM buffer (CHUNK_BYTES), so WASM memory stays
// at that buffer plus HDF5's own caches. A `.keras` zip's model.weights.h5 is streamed to a temporary
// file (its CRC-32 checked on the way) and removed afterwards.
import { createWriteStream, mkdtempSync, rmSync, statSync, lstatSync, openSync, readSync, closeSync, existsSync, type Stats } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import yauzl from "yauzl";

export const EXIT_OK = 0;
/** Missing / unexpected / mis-shaped tensors, an ambiguous match: the file does not fit the model. */
export const EXIT_MAPPING = 1;
/** Bad arguments, an unreadable, damaged or unrecognised input file. */
export const EXIT_USAGE = 2;

/** An expected failure: printed as a message and its problems, never as a stack trace. */
export class ConversionError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
    readonly exitCode: number = EXIT_MAPPING,
  ) {
    super(message);
  }
  override toString(): string {
    return [this.message, ...this.problems.map((p) => `  - ${p}`)].join("\n");
  }
}

const unreadable = (message: string) => new ConversionError(message, [], EXIT_USAGE);

/** Bytes read from the file per HDF5 call. */
export const CHUNK_BYTES = 8 << 20;

const KERAS3_NON_MODEL_ROOTS = new Set(["optimizer", "metrics", "compile_metrics", "compile_loss", "loss", "_compile_metrics", "_compile_loss", "_loss_tracker"]);
const HDF5_MAGIC = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
// As the Python runtime (and Keras' `_safe_zip_read`): over 4 GiB and 100 times its stored size.
const ZIP_BOMB_FLOOR = 2 ** 32;
const ZIP_BOMB_RATIO = 100;

export type StoredType = "float16" | "float32" | "float64" | "bfloat16";

/** One dataset of the file, looked at but not read. */
export interface H5Tensor {
  /** Its HDF5 path, for reading. */
  path: string;
  /** Its name in messages (the path without the leading `/`). */
  name: string;
  /** null for an HDF5 null dataspace. */
  shape: number[] | null;
  type: StoredType | null;
  /** Why the data cannot be weights, or null. */
  refusal: string | null;
}

type H5Lib = typeof import("h5wasm/node").default;
type H5Module = Awaited<H5Lib["ready"]>;
let loaded: Promise<{ lib: H5Lib; module: H5Module }> | null = null;

/** Starts loading h5wasm (decoding and compiling its WASM takes about a second, off the main thread). */
export function preloadH5(): void {
  loadH5().catch(() => undefined); // a failure is reported by the load that is awaited
}

function loadH5(): Promise<{ lib: H5Lib; module: H5Module }> {
  loaded ??= import("h5wasm/node").then(async ({ default: lib }) => {
    const module = await lib.ready;
    // HDF5 errors become exceptions instead of text on stderr.
    module.activate_throwing_error_handler();
    return { lib, module };
  });
  return loaded;
}

/** The innermost frame of an HDF5 error stack ("truncated file: eof = ...", "file signature not found"). */
export function hdf5Cause(error: unknown): string {
  const text = String((error as Error)?.message ?? error);
  const frames = [...text.matchAll(/#\d+: .*? in (\w+)\(\): (.*)$/gm)];
  const cause = frames.length ? frames[frames.length - 1]![2]!.trim() : text.split("\n")[0]!.trim();
  const one = cause.replace(/\s+/g, " ") || "unknown error";
  return one.length <= 300 ? one : one.slice(0, 297) + "...";
}

const normPath = (path: string) => path.replace(/\\/g, "/").replace(/^\/+|\/+$/g, "");

function fileType(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

function statInput(path: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      let link = false;
      try {
        link = lstatSync(path).isSymbolicLink();
      } catch {
        // not there at all
      }
      throw unreadable(`${path}: ${link ? "is a symbolic link to a missing file" : "no such file"}`);
    }
    throw unreadable(`${path}: cannot read: ${(error as Error).message}`);
  }
}

function checkRegular(path: string, st: Stats): void {
  if (!st.isFile()) throw unreadable(`${path}: is ${fileType(st)}, not a regular file`);
  if (st.size === 0) throw unreadable(`${path}: is empty (0 bytes)`);
}

/**
 * Refuses a global heap collection that would make HDF5 loop forever (see `_check_global_heaps` in the
 * Python runtime: an entry with index 0 and size 0 never moves HDF5's parser on). Scans the file in
 * pieces, never holding more than two of them.
 */
function checkGlobalHeaps(path: string, label: string): void {
  const PIECE = 16 << 20;
  const fd = openSync(path, "r");
  try {
    const size = statSync(path).size;
    const buf = Buffer.alloc(PIECE + 16);
    const read = (at: number, n: number) => {
      const b = Buffer.alloc(n);
      const got = readSync(fd, b, 0, n, at);
      return b.subarray(0, got);
    };
    for (let start = 0; start < size; start += PIECE) {
      const got = readSync(fd, buf, 0, Math.min(PIECE + 16, size - start), start);
      const piece = buf.subarray(0, got);
      for (let pos = piece.indexOf("GCOL"); pos >= 0 && pos < PIECE; pos = piece.indexOf("GCOL", pos + 4)) {
        const at = start + pos;
        const head = read(at, 16);
        if (head.length < 16 || head[4] !== 1 || head[5] !== 0 || head[6] !== 0 || head[7] !== 0) continue;
        const collection = Number(head.readBigUInt64LE(8));
        const end = at + collection;
        if (collection < 4096 || end > size) continue;
        // A collection is read whole when small (they hold a few strings); a huge one entry by entry.
        const body = collection <= PIECE ? read(at, collection) : null;
        const entry = (p: number) => (body ? body.subarray(p, p + 16) : read(at + p, 16));
        let p = 16;
        while (p + 16 <= collection) {
          const e = entry(p);
          const index = e.readUInt16LE(0);
          const length = Number(e.readBigUInt64LE(8));
          const need = index ? 16 + Math.ceil(length / 8) * 8 : length;
          if (need === 0) {
            throw unreadable(`${label}: damaged HDF5 file: the global heap collection at byte ${at} has an empty entry at byte ${at + p}, which would make the HDF5 library loop forever`);
          }
          p += need;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Where an HDF5 superblock starts: 0, 512, 1024, ... (a user block), or -1. */
function hdf5Signature(path: string): number {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(8);
    for (let at = 0; at <= 2 ** 40; at = at === 0 ? 512 : at * 2) {
      if (readSync(fd, head, 0, 8, at) < 8) break;
      if (head.equals(HDF5_MAGIC)) return at;
    }
    return -1;
  } finally {
    closeSync(fd);
  }
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: true, strictFileNames: false, validateEntrySizes: true }, (error, zip) => (error ? reject(error) : resolve(zip!))));
}

function zipEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on("entry", (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.on("end", () => resolve(entries));
    zip.on("error", reject);
    zip.readEntry();
  });
}

/** Streams a zip member to `target`, checking its CRC-32 (yauzl does not). */
function extractEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error || !stream) return reject(error ?? new Error("cannot open the member"));
      const out = createWriteStream(target);
      let crc = 0;
      let failed = false;
      const fail = (e: Error) => {
        if (failed) return;
        failed = true;
        stream.destroy();
        out.destroy();
        reject(e);
      };
      stream.on("data", (chunk: Buffer) => {
        crc = crc32(chunk, crc);
      });
      stream.on("error", fail);
      out.on("error", fail);
      out.on("finish", () => {
        if (failed) return;
        if (crc >>> 0 !== entry.crc32 >>> 0) return fail(new Error(`Bad CRC-32 for file '${entry.fileName}'`));
        resolve();
      });
      stream.pipe(out);
    });
  });
}

/** A names attribute (`layer_names`, `weight_names`): 1-D strings, or an empty array for no weights. */
function attrNames(value: unknown, label: string, where: string): string[] {
  if (typeof value === "string" || typeof value === "number" || typeof value === "bigint" || typeof value === "boolean" || value === null) {
    throw unreadable(`${label}: attribute ${where} is a single value, not a list of names`);
  }
  if (ArrayBuffer.isView(value)) {
    if ((value as unknown as ArrayLike<unknown>).length === 0) return [];
    throw unreadable(`${label}: attribute ${where} holds numbers, not names`);
  }
  if (!Array.isArray(value)) throw unreadable(`${label}: attribute ${where} is not a list of names`);
  return value.map((v) => {
    if (typeof v !== "string") throw unreadable(`${label}: attribute ${where} holds a ${Array.isArray(v) ? "nested list" : typeof v} value, not a name`);
    if (!v || v.includes("\0")) throw unreadable(`${label}: attribute ${where} holds an empty name or one with a NUL byte: ${JSON.stringify(v)}`);
    return v;
  });
}

export class WeightsFile {
  kind: "keras3" | "legacy" | null = null;
  /** In words, for the report. */
  format = "";
  /** Keras 3: normalised path ("layers/dense/vars/0") → tensor, sorted by path; model weights only. */
  keras3 = new Map<string, H5Tensor>();
  /** Legacy: the layers of `layer_names` in order, each with its `weight_names` tensors. */
  legacyLayers: [string, [string, H5Tensor][]][] = [];
  private module!: H5Module;
  private file: InstanceType<H5Lib["File"]> | null = null;
  private label: string;
  private temp: string | null = null;
  private buffer = 0;
  private bufferBytes = 0;
  private piece: Float32Array | null = null;

  private constructor(readonly path: string) {
    this.label = path;
  }

  static async open(path: string): Promise<WeightsFile> {
    const w = new WeightsFile(path);
    try {
      const { lib, module } = await loadH5();
      w.module = module;
      await w.openAny(lib);
      return w;
    } catch (error) {
      w.close();
      throw error;
    }
  }

  private async openAny(lib: H5Lib): Promise<void> {
    const path = this.path;
    const st = statInput(path);
    if (st.isDirectory()) {
      // An unzipped `.keras` directory (saving with zipped=False).
      const inner = join(path, "model.weights.h5");
      if (!existsSync(inner)) throw unreadable(`${path}: is a directory without model.weights.h5`);
      checkRegular(inner, statInput(inner));
      return this.openH5(lib, inner, "Keras 3 .keras directory", inner, true);
    }
    checkRegular(path, st);
    const head = Buffer.alloc(8);
    try {
      const fd = openSync(path, "r");
      try {
        readSync(fd, head, 0, 8, 0);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw unreadable(`${path}: cannot read: ${(error as Error).message}`);
    }
    if (head.equals(HDF5_MAGIC)) return this.openH5(lib, path, null, path, true);
    if (head.subarray(0, 2).toString("latin1") === "PK") return this.openZip(lib, path);
    // HDF5 files may start with a user block.
    return this.openH5(lib, path, null, path, hdf5Signature(path) > 0);
  }

  private async openZip(lib: H5Lib, path: string): Promise<void> {
    let zip: yauzl.ZipFile;
    try {
      zip = await openZip(path);
    } catch (error) {
      throw unreadable(`${path}: damaged zip file: ${(error as Error).message}`);
    }
    try {
      let entries: yauzl.Entry[];
      try {
        entries = await zipEntries(zip);
      } catch (error) {
        throw unreadable(`${path}: damaged zip file: ${(error as Error).message}`);
      }
      const members = new Map<string, yauzl.Entry[]>();
      for (const e of entries) {
        const name = normPath(e.fileName);
        members.set(name, [...(members.get(name) ?? []), e]);
      }
      const found = members.get("model.weights.h5");
      if (!found) {
        if (members.has("model.weights.npz")) throw unreadable(`${path}: weights are stored as model.weights.npz; only the default HDF5 weights format is supported`);
        throw unreadable(`${path}: a zip file without model.weights.h5, not a .keras model`);
      }
      if (found.length > 1) throw unreadable(`${path}: the zip holds model.weights.h5 more than once`);
      const entry = found[0]!;
      if (entry.isEncrypted()) throw unreadable(`${path}: model.weights.h5 is encrypted in the zip (Keras never encrypts .keras files)`);
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        throw unreadable(`${path}: model.weights.h5 uses zip compression method ${entry.compressionMethod}, which keras2torch cannot read (it reads stored, deflate)`);
      }
      if (entry.uncompressedSize > ZIP_BOMB_FLOOR && entry.uncompressedSize > ZIP_BOMB_RATIO * entry.compressedSize) {
        throw unreadable(`${path}: model.weights.h5 declares ${entry.uncompressedSize} bytes but stores only ${entry.compressedSize}; refusing a likely decompression bomb`);
      }
      this.temp = mkdtempSync(join(tmpdir(), "keras2torch-weights-"));
      const target = join(this.temp, "model.weights.h5");
      try {
        await extractEntry(zip, entry, target);
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        if (e.code && /^E[A-Z]+$/.test(e.code) && e.syscall) throw unreadable(`${path}: cannot extract model.weights.h5 to ${this.temp}: ${e.message}`);
        throw unreadable(`${path}: damaged zip file: ${e.message}`);
      }
      return this.openH5(lib, target, "Keras 3 .keras zip", `${path}: model.weights.h5`, true);
    } finally {
      zip.close();
    }
  }

  private openH5(lib: H5Lib, source: string, format: string | null, label: string, magicOk: boolean): void {
    this.label = label;
    try {
      checkGlobalHeaps(source, label);
    } catch (error) {
      if (error instanceof ConversionError) throw error;
      throw unreadable(`${label}: cannot read: ${(error as Error).message}`);
    }
    try {
      this.file = new lib.File(source, "r");
    } catch (error) {
      throw unreadable(`${label}: ${magicOk ? `damaged HDF5 file: ${hdf5Cause(error)}` : "not an HDF5 or .keras file"}`);
    }
    try {
      const root = "/";
      const modelWeights = this.childType("/", "model_weights");
      if (this.attrList(root, "layer_names") !== null) {
        this.readLegacy(root, format ?? "legacy HDF5 weights (save_weights)");
      } else if (modelWeights === "group" && this.attrList("/model_weights", "layer_names") !== null) {
        this.readLegacy("/model_weights", format ?? "legacy HDF5 full model");
      } else if (this.names(root).some((k) => ["layers", "vars"].includes(normPath(k).split("/")[0]!))) {
        this.readKeras3(format ?? "Keras 3 .weights.h5");
      } else {
        throw unreadable(`${label}: HDF5 file with neither a \`layer_names\` attribute (legacy Keras) nor a \`layers\`/\`vars\` group (Keras 3); not a Keras weights file`);
      }
    } catch (error) {
      if (error instanceof ConversionError) throw error;
      throw unreadable(`${label}: damaged HDF5 file: ${hdf5Cause(error)}`);
    }
  }

  // -- structure -----------------------------------------------------------------------------------

  private fid(): bigint {
    return this.file!.file_id;
  }

  private listed = new Map<string, string[]>();

  private names(group: string): string[] {
    let names = this.listed.get(group);
    if (!names) this.listed.set(group, (names = this.module.get_names(this.fid(), group, false) as string[]));
    return names;
  }

  /** The kind of `name` inside `group` through a hard link, or null when absent; other links throw. */
  private childType(group: string, name: string): "group" | "dataset" | "other" | null {
    const path = group === "/" ? `/${name}` : `${group}/${name}`;
    const m = this.module;
    // Listed by the group first: asking HDF5 about a missing name raises, and resolving an
    // external link would open another file.
    if (!this.names(group).includes(name)) return null;
    if (this.isLink(path)) {
      throw unreadable(`${this.label}: \`${name}\` in \`${group}\` is a soft or external link; links are refused`);
    }
    const type = m.get_type(this.fid(), path);
    return type === m.H5G_GROUP ? "group" : type === m.H5G_DATASET ? "dataset" : "other";
  }

  private isLink(path: string): boolean {
    const m = this.module;
    return m.get_symbolic_link(this.fid(), path) !== null || (m.get_external_link(this.fid(), path) as { filename?: string }).filename !== undefined;
  }

  private attrNamesOf(path: string): string[] {
    return this.module.get_attribute_names(this.fid(), path) as string[];
  }

  private attrValue(path: string, name: string, where: string): unknown {
    try {
      const entity = path === "/" ? this.file! : (this.file!.get(path) as InstanceType<H5Lib["Group"]>);
      return entity.get_attribute(name, false);
    } catch (error) {
      throw unreadable(`${this.label}: cannot read attribute ${where}: ${hdf5Cause(error)}`);
    }
  }

  /** A list attribute, including Keras' chunked form `name0`, `name1`, ...; null when absent. */
  private attrList(path: string, name: string): string[] | null {
    const attrs = new Set(this.attrNamesOf(path));
    const where = (n: string) => `\`${n}\` of \`${path}\``;
    if (attrs.has(name)) return attrNames(this.attrValue(path, name, where(name)), this.label, where(name));
    const values: string[] = [];
    let chunk = 0;
    for (; attrs.has(`${name}${chunk}`); chunk++) values.push(...attrNames(this.attrValue(path, `${name}${chunk}`, where(`${name}${chunk}`)), this.label, where(`${name}${chunk}`)));
    return chunk ? values : null;
  }

  private readKeras3(format: string): void {
    this.kind = "keras3";
    this.format = format;
    const found = new Map<string, string>();
    // Hard links only, as h5py's visititems: soft and external links are not followed.
    const visit = (group: string, rel: string) => {
      for (const name of this.names(group)) {
        const path = group === "/" ? `/${name}` : `${group}/${name}`;
        if (this.isLink(path)) continue;
        const type = this.module.get_type(this.fid(), path);
        if (type === this.module.H5G_DATASET) {
          if (!found.has(normPath(rel + name))) found.set(normPath(rel + name), path);
        } else if (type === this.module.H5G_GROUP) visit(path, `${rel}${name}/`);
      }
    };
    visit("/", "");
    for (const p of [...found.keys()].sort()) {
      if (KERAS3_NON_MODEL_ROOTS.has(p.split("/")[0]!)) continue;
      this.keras3.set(p, this.tensor(found.get(p)!));
    }
  }

  private readLegacy(group: string, format: string): void {
    this.kind = "legacy";
    this.format = format;
    let layerNames = this.attrList(group, "layer_names") ?? [];
    // Keras 3 also writes the model's own variables here (not in layer_names).
    if (this.childType(group, "top_level_model_weights") !== null && !layerNames.includes("top_level_model_weights")) layerNames = [...layerNames, "top_level_model_weights"];
    const seen = new Set<string>();
    for (const lname of layerNames) {
      if (seen.has(lname)) throw unreadable(`${this.label}: layer \`${lname}\` is listed twice in layer_names`);
      seen.add(lname);
      const lgroup = this.child(group, lname);
      if (!lgroup) throw unreadable(`${this.label}: layer \`${lname}\` is listed in layer_names but has no group`);
      if (lgroup.type !== "group") throw unreadable(`${this.label}: layer \`${lname}\` listed in layer_names is not a group`);
      const weights: [string, H5Tensor][] = [];
      for (const wname of this.attrList(lgroup.path, "weight_names") ?? []) {
        const dset = this.child(lgroup.path, wname);
        if (!dset || dset.type !== "dataset") throw unreadable(`${this.label}: weight \`${wname}\` of layer \`${lname}\` is missing from the file`);
        weights.push([wname, this.tensor(dset.path)]);
      }
      this.legacyLayers.push([lname, weights]);
    }
  }

  /** group/name through hard links only (either slash), or null when absent. */
  private child(group: string, name: string): { path: string; type: "group" | "dataset" | "other" } | null {
    for (const candidate of [name, name.replace(/\\/g, "/"), name.replace(/\//g, "\\")]) {
      let node = group;
      let type: "group" | "dataset" | "other" | null = "group";
      for (const part of candidate.split("/")) {
        if (part === "" || part === ".") continue;
        if (type !== "group") {
          type = null;
          break;
        }
        type = this.childType(node, part);
        if (type === null) break;
        node = node === "/" ? `/${part}` : `${node}/${part}`;
      }
      if (type !== null) return { path: node, type };
    }
    return null;
  }

  private tensor(path: string): H5Tensor {
    const name = path.replace(/^\/+/, "");
    const t: H5Tensor = { path, name, shape: null, type: null, refusal: null };
    const m = this.module;
    const meta = m.get_dataset_metadata(this.fid(), path);
    t.shape = meta.shape ? [...meta.shape] : null;
    const classes = m.H5T_class_t;
    if (meta.virtual_sources?.length) t.refusal = "is a virtual dataset (its data would come from other files)";
    else if (t.shape === null) t.refusal = "is an empty (null) dataset";
    else if (meta.type === classes.H5T_FLOAT.value && [2, 4, 8].includes(meta.size)) t.type = meta.size === 2 ? "float16" : meta.size === 4 ? "float32" : "float64";
    else if (meta.type === classes.H5T_OPAQUE.value && meta.size === 2 && this.saysBfloat16(path)) t.type = "bfloat16";
    else {
      let extra = "";
      if (meta.type === classes.H5T_OPAQUE.value && meta.size === 2) extra = ' (bfloat16? only Keras 3\'s .keras and .weights.h5 mark it, with the attribute dtype="bfloat16"; a legacy .h5 does not record it)';
      t.refusal = `holds ${describeType(meta, classes)} data, not floating point weights${extra}`;
    }
    return t;
  }

  private saysBfloat16(path: string): boolean {
    if (!this.attrNamesOf(path).includes("dtype")) return false;
    const value = this.attrValue(path, "dtype", `\`dtype\` of \`${path}\``);
    return value === "bfloat16";
  }

  // -- data ----------------------------------------------------------------------------------------

  private wasmBuffer(bytes: number): number {
    if (bytes > this.bufferBytes) {
      if (this.buffer) this.module._free(this.buffer);
      this.buffer = this.module._malloc(Math.max(bytes, 8));
      if (!this.buffer) throw unreadable(`${this.label}: not enough memory to read the file`);
      this.bufferBytes = bytes;
    }
    return this.buffer;
  }

  /**
   * Reads `tensor` as float32, in pieces along its first axis: `onPiece(values, firstElement)` gets
   * each piece (a view valid until the next call). Float16, float64 and bfloat16 become float32 as
   * numpy's `astype(float32)` makes them (float64 beyond float32's range becomes ±inf).
   */
  read(tensor: H5Tensor, onPiece: (values: Float32Array, first: number) => void, into?: Float32Array, pieceElements = CHUNK_BYTES / 4, range?: [number, number]): void {
    const shape = tensor.shape!;
    const itemSize = tensor.type === "float64" ? 8 : tensor.type === "float32" ? 4 : 2;
    const total = shape.reduce((a, b) => a * b, 1);
    if (total === 0) return;
    const rowElements = shape.length ? total / shape[0]! : 1;
    const rowsPerPiece = shape.length ? Math.max(1, Math.floor(pieceElements / rowElements)) : 1;
    // Rows `range[0] .. range[1]` of the first axis only, when given; `into` then holds just those.
    const [from, rows] = range ?? [0, shape.length ? shape[0]! : 1];
    const pieceSize = Math.min(total, rowsPerPiece * rowElements);
    // Converted straight into `into` when given (the whole tensor), else into one reused piece buffer.
    if (!into && (!this.piece || this.piece.length < pieceSize)) this.piece = new Float32Array(pieceSize);
    const m = this.module;
    for (let r = from; r < rows; r += rowsPerPiece) {
      const n = Math.min(rowsPerPiece, rows - r);
      const elements = n * rowElements;
      const ptr = this.wasmBuffer(elements * itemSize);
      this.readHyperslab(tensor, r, n, ptr);
      // HEAPU8 is looked up again after each read: WASM memory may have grown.
      const heap = m.HEAPU8;
      const base = into ? (r - from) * rowElements : 0;
      const target = into ?? this.piece!;
      const out = target.subarray(base, base + elements);
      const outBits = new Uint32Array(target.buffer, target.byteOffset + base * 4, elements);
      const outBytes = new Uint8Array(target.buffer, target.byteOffset + base * 4, elements * 4);
      if (tensor.type === "float32") {
        outBytes.set(heap.subarray(ptr, ptr + elements * 4));
      } else if (tensor.type === "float64") {
        const src = new Float64Array(heap.buffer, ptr, elements);
        for (let i = 0; i < elements; i++) out[i] = src[i]!;
      } else {
        const src = new Uint16Array(heap.buffer, ptr, elements);
        if (tensor.type === "bfloat16") for (let i = 0; i < elements; i++) outBits[i] = src[i]! << 16;
        else {
          const table = halfTable();
          for (let i = 0; i < elements; i++) outBits[i] = table[src[i]!]!;
        }
      }
      onPiece(out, r * rowElements);
    }
  }

  /**
   * Rows `from .. from + rows` of `tensor`'s first axis as float32, for streaming. Float32 data is
   * read in one HDF5 call into h5wasm's memory and returned as a view of it (no copy; valid until the
   * next read); other stored types are read in pieces and converted (as `read` converts them) into a
   * buffer of this file's, reused by every call.
   */
  readRows(tensor: H5Tensor, from: number, rows: number): Float32Array {
    const shape = tensor.shape!;
    const rowElements = shape.slice(1).reduce((a, b) => a * b, 1);
    const elements = rows * rowElements;
    if (tensor.type !== "float32") {
      if (!this.rowsBuffer || this.rowsBuffer.length < elements) {
        this.rowsBuffer = null; // let the old one go before the new one is allocated
        this.rowsBuffer = new Float32Array(elements);
      }
      const into = this.rowsBuffer.subarray(0, elements);
      this.read(tensor, () => undefined, into, CHUNK_BYTES / 4, [from, from + rows]);
      return into;
    }
    const ptr = this.wasmBuffer(elements * 4);
    this.readHyperslab(tensor, from, rows, ptr);
    return new Float32Array(this.module.HEAPU8.buffer, ptr, elements);
  }

  private rowsBuffer: Float32Array | null = null;

  /**
   * Columns `from .. from + cols` of a float32 matrix, row by row (a `rows x cols` block), read in one
   * HDF5 call into h5wasm's memory and returned as a view of it (valid until the next read).
   */
  readColumns(tensor: H5Tensor, from: number, cols: number): Float32Array {
    const rows = tensor.shape![0]!;
    const ptr = this.wasmBuffer(rows * cols * 4);
    this.readHyperslab(tensor, 0, rows, ptr, [from, cols]);
    return new Float32Array(this.module.HEAPU8.buffer, ptr, rows * cols);
  }

  /** Rows `from .. from + rows` of the first axis, and of a matrix's columns only `columns` (first, count) when given. */
  private readHyperslab(tensor: H5Tensor, from: number, rows: number, ptr: number, columns?: [number, number]): void {
    const shape = tensor.shape!;
    const m = this.module;
    try {
      if (shape.length) {
        const count = shape.map((d, k) => BigInt(k === 0 ? rows : k === 1 && columns ? columns[1] : d));
        const offset = shape.map((_d, k) => BigInt(k === 0 ? from : k === 1 && columns ? columns[0] : 0));
        const strides = shape.map(() => 1n);
        m.get_dataset_data(this.fid(), tensor.path, count, offset, strides, BigInt(ptr));
      } else {
        m.get_dataset_data(this.fid(), tensor.path, null as unknown as bigint[], null as unknown as bigint[], null as unknown as bigint[], BigInt(ptr));
      }
    } catch (error) {
      throw unreadable(`${this.label}: damaged HDF5 file: cannot read \`${tensor.name}\`: ${hdf5Cause(error)}`);
    }
  }

  /** The size of h5wasm's WASM memory (it grows, never shrinks). */
  wasmBytes(): number {
    return this.module.HEAPU8.length;
  }

  close(): void {
    if (this.buffer) {
      try {
        this.module._free(this.buffer);
      } catch {
        // the module is gone with the process
      }
      this.buffer = 0;
      this.bufferBytes = 0;
    }
    this.rowsBuffer = null;
    if (this.file) {
      try {
        this.file.close();
      } catch {
        // read-only: nothing can be lost
      }
      this.file = null;
    }
    if (this.temp) {
      rmSync(this.temp, { recursive: true, force: true });
      this.temp = null;
    }
  }
}

function describeType(meta: { type: number; size: number; signed: boolean; enum_type?: { members: Record<string, number> }; compound_type?: { members: { name: string }[] }; vlen?: boolean }, classes: H5Module["H5T_class_t"]): string {
  switch (meta.type) {
    case classes.H5T_STRING.value:
      return "string";
    case classes.H5T_INTEGER.value:
      return `${meta.signed ? "int" : "uint"}${meta.size * 8}`;
    case classes.H5T_ENUM.value: {
      const names = Object.keys(meta.enum_type?.members ?? {}).sort();
      return names.length === 2 && names[0] === "FALSE" && names[1] === "TRUE" ? "bool" : `enum (${meta.signed ? "int" : "uint"}${meta.size * 8})`;
    }
    case classes.H5T_COMPOUND.value:
      return `compound (${(meta.compound_type?.members ?? []).map((x) => x.name).join(", ")})`;
    case classes.H5T_REFERENCE.value:
      return "object reference";
    case classes.H5T_VLEN.value:
      return "variable-length";
    case classes.H5T_OPAQUE.value:
      return `${meta.size}-byte opaque`;
    case classes.H5T_FLOAT.value:
      return `${meta.size * 8}-bit floating point`;
    case classes.H5T_BITFIELD.value:
      return "bitfield";
    default:
      return "an HDF5 data type that is not floating point";
  }
}

let half: Uint32Array | null = null;

/** float32 bits of every float16 value, as numpy's `npy_halfbits_to_floatbits` computes them (NaN payloads kept). */
export function halfTable(): Uint32Array {
  if (half) return half;
  half = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    let exp = h & 0x7c00;
    if (exp === 0) {
      let sig = h & 0x03ff;
      if (sig === 0) {
        half[h] = sign >>> 0;
        continue;
      }
      sig <<= 1;
      while ((sig & 0x0400) === 0) {
        sig <<= 1;
        exp++;
      }
      half[h] = (sign + ((127 - 15 - exp) << 23) + ((sig & 0x03ff) << 13)) >>> 0;
    } else if (exp === 0x7c00) {
      half[h] = (sign + 0x7f800000 + ((h & 0x03ff) << 13)) >>> 0;
    } else {
      half[h] = (sign + (((h & 0x7fff) + 0x1c000) << 13)) >>> 0;
    }
  }
  return half;
}
