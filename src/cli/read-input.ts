// Reading an input file without trusting it: regular files only (a FIFO or a device is never read,
// and opening one cannot block), and never more than MAX_INPUT_BYTES.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { MAX_INPUT_BYTES } from "./limits.js";

/** The saved model files that `convert` compiles from their stored architecture. */
export const SAVED_MODEL = /\.(keras|h5|hdf5)$/i;

/** The module a saved model file compiles to: `a/b.keras` → `a/b.py`. */
export const savedModuleLabel = (label: string): string => label.replace(SAVED_MODEL, "") + ".py";

export type ReadResult = { kind: "text"; text: string } | { kind: "unreadable"; message: string } | { kind: "too-large"; message: string };

/** What kind of file `stats` describes, for messages: "a FIFO", "a character device", ... */
export function fileKind(stats: Stats): string {
  if (stats.isFile()) return "a regular file";
  if (stats.isDirectory()) return "a folder";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  if (stats.isSymbolicLink()) return "a symbolic link";
  return "a special file";
}

export const tooLargeMessage = (size: number) =>
  `the file is ${(size / 1024 / 1024).toFixed(1)} MB; input files above ${MAX_INPUT_BYTES / 1024 / 1024} MB are not compiled`;

export function readInput(path: string): ReadResult {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { kind: "unreadable", message: (error as Error).message };
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { kind: "unreadable", message: `it is ${fileKind(stats)}, not a regular file; only regular files are read` };
    if (stats.size > MAX_INPUT_BYTES) return { kind: "too-large", message: tooLargeMessage(stats.size) };
    // The file may grow while it is read: read at most one byte past the limit.
    let buffer = Buffer.alloc(Math.min(stats.size, MAX_INPUT_BYTES) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > MAX_INPUT_BYTES) return { kind: "too-large", message: tooLargeMessage(length) };
        const grown = Buffer.alloc(Math.min(length * 2, MAX_INPUT_BYTES + 1));
        buffer.copy(grown);
        buffer = grown;
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return { kind: "text", text: buffer.toString("utf8", 0, length) };
  } catch (error) {
    return { kind: "unreadable", message: (error as Error).message };
  } finally {
    closeSync(fd);
  }
}
