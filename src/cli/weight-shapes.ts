// `--weights FILE`: the variable shapes of a Keras-saved file, which give the sizes a source computes
// from data (src/size-parameters.ts). Only the HDF5 metadata is read: shapes, never the tensors.
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type yauzl from "yauzl";
import { hdf5Problem, loadH5, openZip } from "../frontend/saved-file.js";
import type { WeightShapes } from "../size-parameters.js";

type Read = { ok: true; shapes: WeightShapes } | { ok: false; message: string };

/** Reads the shapes of a `.keras`, `.weights.h5` or legacy `.h5` file, recognised by content. */
export async function readWeightShapes(path: string, label: string): Promise<Read> {
  let head: Buffer;
  try {
    const { openSync, readSync, closeSync } = await import("node:fs");
    const fd = openSync(path, "r");
    head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    closeSync(fd);
  } catch (error) {
    return { ok: false, message: `cannot read ${label}: ${(error as Error).message}` };
  }
  if (head.subarray(0, 2).toString("latin1") === "PK") return readZipShapes(path, label);
  return readH5Shapes(path, label);
}

async function readZipShapes(path: string, label: string): Promise<Read> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path);
  } catch (error) {
    return { ok: false, message: `${label}: the zip is corrupt or truncated (${(error as Error).message})` };
  }
  const dir = mkdtempSync(join(tmpdir(), "keras2torch-weights-"));
  try {
    const inner = join(dir, "model.weights.h5");
    const found = await new Promise<boolean>((resolve, reject) => {
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName.replace(/\\/g, "/") !== "model.weights.h5") return zip.readEntry();
        zip.openReadStream(entry, (error, stream) => {
          if (error || !stream) return reject(error ?? new Error("no stream"));
          pipeline(stream, createWriteStream(inner)).then(() => resolve(true), reject);
        });
      });
      zip.on("end", () => resolve(false));
      zip.on("error", reject);
      zip.readEntry();
    });
    if (!found) return { ok: false, message: `${label}: the zip has no \`model.weights.h5\`, so it holds no weights` };
    return await readH5Shapes(inner, label);
  } catch (error) {
    return { ok: false, message: `${label}: the zip is corrupt or truncated (${(error as Error).message})` };
  } finally {
    zip.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

type H5Node = { keys?: () => string[]; get?: (name: string) => unknown; shape?: number[] | null; attrs?: Record<string, { value: unknown }> };

const names = (value: unknown): string[] => (Array.isArray(value) ? value : [value]).map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : String(v)));

async function readH5Shapes(path: string, label: string): Promise<Read> {
  const lib = await loadH5();
  let file: InstanceType<typeof lib.File>;
  try {
    file = new lib.File(path, "r");
  } catch (error) {
    return { ok: false, message: `${label}: not a readable HDF5 file (${hdf5Problem(error)})` };
  }
  try {
    const root = file as unknown as H5Node;
    const top = root.keys!();
    const weightsGroup = top.includes("model_weights") ? (root.get!("model_weights") as H5Node) : root;
    // Legacy files list their layers in a `layer_names` attribute; Keras 3 files have `layers`/`vars` groups.
    if (weightsGroup.attrs && "layer_names" in weightsGroup.attrs) {
      const layers: Record<string, number[][]> = {};
      for (const layer of names(weightsGroup.attrs.layer_names!.value)) {
        const group = weightsGroup.get!(layer) as H5Node | null;
        const weightNames = group?.attrs && "weight_names" in group.attrs ? names(group.attrs.weight_names!.value) : [];
        layers[layer] = weightNames.map((w) => ((group!.get!(w) as H5Node | null)?.shape ?? []).map(Number));
      }
      return { ok: true, shapes: { file: label, format: "legacy", paths: {}, layers } };
    }
    const paths: Record<string, number[]> = {};
    const visit = (group: H5Node, prefix: string) => {
      for (const key of group.keys!()) {
        const child = group.get!(key) as H5Node | null;
        if (!child) continue;
        if (child.keys) visit(child, `${prefix}${key}/`);
        else if (child.shape) paths[`${prefix}${key}`] = child.shape.map(Number);
      }
    };
    visit(root, "");
    if (!Object.keys(paths).length) return { ok: false, message: `${label}: an HDF5 file with no Keras weights in it` };
    return { ok: true, shapes: { file: label, format: "keras3", paths, layers: {} } };
  } catch (error) {
    return { ok: false, message: `${label}: the HDF5 file is corrupt or truncated (${hdf5Problem(error)})` };
  } finally {
    try {
      file.close();
    } catch {
      // a damaged file may not close; nothing was written
    }
  }
}
