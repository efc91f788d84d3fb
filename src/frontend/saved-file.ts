// Reading the architecture stored in a saved Keras model file, recognised by content: the `config.json`
// (and `metadata.json`) of a `.keras` zip, or the `model_config` (and `keras_version`) attributes of a
// legacy HDF5 file. Only those few bytes are read — never the weights, and nothing in the file is run.
import { closeSync, openSync, readSync } from "node:fs";
import yauzl from "yauzl";

/** What a saved file says about its model. */
export interface SavedModel {
  format: "keras-zip" | "legacy-h5";
  /** The stored architecture, parsed (a Keras `serialize_keras_object` dict, or a bare layer list). */
  config: unknown;
  /** `keras_version` from `metadata.json` or the HDF5 root attributes; null when the file gives none. */
  kerasVersion: string | null;
}

export type SavedRead = { ok: true; saved: SavedModel } | { ok: false; message: string };

/** Most bytes of a stored `config.json` / `model_config` that are read (a model's config is a few MB at most). */
export const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

const HDF5_MAGIC = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const EMPTY_ZIP = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

/** The first bytes of the file, and where an HDF5 superblock starts (0, 512, 1024, ... with a user block). */
function sniff(path: string): { kind: "zip" | "hdf5" | "other"; size: number } {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(8);
    const n = readSync(fd, head, 0, 8, 0);
    // Any `PK` start is taken as a zip, so that a damaged one says what is wrong with it.
    if (n >= 2 && (head.subarray(0, 4).equals(ZIP_MAGIC) || head.subarray(0, 4).equals(EMPTY_ZIP) || head.subarray(0, 2).toString("latin1") === "PK")) return { kind: "zip", size: n };
    // HDF5 looks for its signature at 0 and at every power of two from 512 on.
    for (let at = 0; at <= 1 << 30; at = at === 0 ? 512 : at * 2) {
      const got = readSync(fd, head, 0, 8, at);
      if (got < 8) break;
      if (head.equals(HDF5_MAGIC)) return { kind: "hdf5", size: at };
    }
    return { kind: "other", size: n };
  } finally {
    closeSync(fd);
  }
}

export async function readSavedModel(path: string): Promise<SavedRead> {
  let kind: "zip" | "hdf5" | "other";
  try {
    kind = sniff(path).kind;
  } catch (error) {
    return { ok: false, message: `cannot read the file: ${(error as Error).message}` };
  }
  if (kind === "zip") return readZip(path);
  if (kind === "hdf5") return readHdf5(path);
  return { ok: false, message: "not a Keras model file: it is neither a `.keras` zip nor an HDF5 file (it starts with neither a zip's nor HDF5's signature)" };
}

function parseConfig(text: string, where: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // Python's json writes NaN and Infinity, which JSON.parse refuses: read them as null (no layer
    // argument that matters here takes them).
    try {
      return { ok: true, value: JSON.parse(text.replace(/("(?:[^"\\]|\\.)*")|-?\b(?:NaN|Infinity)\b/g, (_m, s: string | undefined) => s ?? "null")) };
    } catch (error) {
      return { ok: false, message: `${where} is not valid JSON (${(error as Error).message})` };
    }
  }
}

// .keras --------------------------------------------------------------------------------------------

export function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: true, strictFileNames: false }, (error, zip) => (error ? reject(error) : resolve(zip!))));
}

export function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error || !stream) return reject(error ?? new Error("no stream"));
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", reject);
      stream.on("end", () => resolve(Buffer.concat(chunks)));
    });
  });
}

async function readZip(path: string): Promise<SavedRead> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path);
  } catch (error) {
    return { ok: false, message: `the zip is corrupt or truncated (${(error as Error).message}); a \`.keras\` file is a zip holding \`config.json\`, \`metadata.json\` and \`model.weights.h5\`` };
  }
  try {
    const entries = new Map<string, yauzl.Entry>();
    await new Promise<void>((resolve, reject) => {
      zip.on("entry", (entry: yauzl.Entry) => {
        // Windows-written archives may use backslashes.
        entries.set(entry.fileName.replace(/\\/g, "/"), entry);
        zip.readEntry();
      });
      zip.on("end", () => resolve());
      zip.on("error", reject);
      zip.readEntry();
    });
    const config = entries.get("config.json");
    if (!config) {
      const names = [...entries.keys()].slice(0, 5).map((n) => `\`${n}\``);
      const what = names.length ? `it holds ${names.join(", ")}${entries.size > 5 ? ", ..." : ""}` : "it is empty";
      return { ok: false, message: `the zip has no \`config.json\`, so it is not a \`.keras\` model file (${what}); save the model with \`model.save("model.keras")\`` };
    }
    if (config.uncompressedSize > MAX_CONFIG_BYTES) return { ok: false, message: `its \`config.json\` is ${(config.uncompressedSize / 1024 / 1024).toFixed(1)} MB; more than ${MAX_CONFIG_BYTES / 1024 / 1024} MB is not read` };
    const parsed = parseConfig((await readEntry(zip, config)).toString("utf8"), "its `config.json`");
    if (!parsed.ok) return parsed;
    let kerasVersion: string | null = null;
    const metadata = entries.get("metadata.json");
    if (metadata && metadata.uncompressedSize <= MAX_CONFIG_BYTES) {
      const meta = parseConfig((await readEntry(zip, metadata)).toString("utf8"), "its `metadata.json`");
      if (meta.ok && meta.value && typeof meta.value === "object" && typeof (meta.value as Record<string, unknown>).keras_version === "string") {
        kerasVersion = (meta.value as Record<string, string>).keras_version!;
      }
    }
    return { ok: true, saved: { format: "keras-zip", config: parsed.value, kerasVersion } };
  } catch (error) {
    return { ok: false, message: `the zip is corrupt or truncated (${(error as Error).message})` };
  } finally {
    zip.close();
  }
}

// Legacy HDF5 ---------------------------------------------------------------------------------------

type H5 = typeof import("h5wasm/node").default;
let h5: Promise<H5> | null = null;

/** h5wasm, loaded once per thread, with HDF5 errors thrown (not printed to stderr). */
export function loadH5(): Promise<H5> {
  h5 ??= import("h5wasm/node").then(async ({ default: lib }) => {
    const module = await lib.ready;
    module.activate_throwing_error_handler();
    return lib;
  });
  return h5;
}

/** The innermost frame of an HDF5 error stack: "truncated file: eof = ...", "file signature not found". */
export function hdf5Problem(error: unknown): string {
  const text = String((error as Error)?.message ?? error);
  const frames = [...text.matchAll(/#\d+: .*? in (\w+)\(\): (.*)$/gm)];
  return frames.length ? frames[frames.length - 1]![2]!.trim() : text.split("\n")[0]!.slice(0, 200);
}

function attrText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  if (Array.isArray(value) && value.length === 1) return attrText(value[0]);
  return null;
}

async function readHdf5(path: string): Promise<SavedRead> {
  const lib = await loadH5();
  let file: InstanceType<H5["File"]>;
  try {
    file = new lib.File(path, "r");
  } catch (error) {
    return { ok: false, message: `the HDF5 file is corrupt or truncated (${hdf5Problem(error)})` };
  }
  try {
    const names = Object.keys(file.attrs);
    const version = names.includes("keras_version") ? attrText(file.attrs.keras_version!.value) : null;
    if (!names.includes("model_config")) {
      const keys = (() => {
        try {
          return file.keys();
        } catch {
          return [];
        }
      })();
      if (names.includes("layer_names") || keys.includes("layers") || keys.includes("vars")) {
        return { ok: false, message: "it is a weights-only file (`save_weights`): it holds no architecture to compile. Convert the .py source that builds the model, then load this file with the generated weights script" };
      }
      return { ok: false, message: "it is an HDF5 file but not a Keras model: it has no `model_config` attribute (a full-model `model.save(\"model.h5\")` writes one)" };
    }
    const text = attrText(file.attrs.model_config!.value);
    if (text === null) return { ok: false, message: "its `model_config` attribute is not a string" };
    if (text.length > MAX_CONFIG_BYTES) return { ok: false, message: `its \`model_config\` is more than ${MAX_CONFIG_BYTES / 1024 / 1024} MB; it is not read` };
    const parsed = parseConfig(text, "its `model_config` attribute");
    if (!parsed.ok) return parsed;
    return { ok: true, saved: { format: "legacy-h5", config: parsed.value, kerasVersion: version } };
  } catch (error) {
    return { ok: false, message: `the HDF5 file is corrupt or truncated (${hdf5Problem(error)})` };
  } finally {
    try {
      file.close();
    } catch {
      // Closing a damaged file may fail too; nothing was written.
    }
  }
}
