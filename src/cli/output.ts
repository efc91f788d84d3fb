// Writing into the output folder, and `--check`'s comparison with what is there. The workers write the
// files of the inputs they compile; the main process writes the manifest, the shared runtime and the
// reports. Writes are atomic (a temporary file, then a rename) and never leave `-o`.
import { lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, sep } from "node:path";
import { shortDiff } from "./diff.js";

/** An output file `--check` found out of date: `changed`, `missing` from `out`, or `extra` (no input makes it any more). */
export interface StaleFile {
  path: string;
  reason: "changed" | "missing" | "extra";
  diff: string;
}

/** Where a run's files go: the real path of `-o`, and whether they are only compared (`--check`). */
export interface OutputTarget {
  dir: string;
  check: boolean;
}

export const isInside = (dir: string, path: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/** `--check`: how `OUT/label` differs from `text`, or null when it holds exactly that. */
function staleness(realOut: string, label: string, text: string): StaleFile | null {
  let old: string | null;
  try {
    old = readFileSync(join(realOut, label), "utf8");
  } catch {
    old = null;
  }
  if (old === null) return { path: label, reason: "missing", diff: `${label} is not in the output; ${text.split("\n").length - 1} lines would be written` };
  return old === text ? null : { path: label, reason: "changed", diff: shortDiff(old, text, label) };
}

/** Writes (or with `check`, compares) the generated files; returns the stale ones. */
export function deliver(target: OutputTarget, files: { path: string; text: string }[]): StaleFile[] {
  const stale: StaleFile[] = [];
  for (const f of files) {
    if (!target.check) writeInside(target.dir, f.path, f.text);
    else {
      const found = staleness(target.dir, f.path, f.text);
      if (found) stale.push(found);
    }
  }
  return stale;
}

/** Writes `path` (a report) atomically: a temporary file next to it, then a rename. */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text, { flag: "w" });
  try {
    renameSync(temp, path);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
}

/** Writes `OUT/label` atomically, never through a symbolic link: a temporary file, then a rename. */
function writeInside(realOut: string, label: string, text: string): void {
  const path = join(realOut, label);
  mkdirSync(dirname(path), { recursive: true });
  if (!isInside(realOut, realpathSync(dirname(path)))) throw new Error(`${dirname(path)} leads out of the output folder`);
  const temp = `${path}.${process.pid}.tmp`;
  for (let attempt = 0; ; attempt++) {
    try {
      // `wx`: never opens an existing file (nor a symbolic link planted at the temporary name).
      writeFileSync(temp, text, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw error;
      unlinkSync(temp);
    }
  }
  try {
    renameSync(temp, path);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
}

/** The temporary name writeInside uses for `path`: `path.PID.tmp`. */
const TEMPORARY = /^(.+)\.\d+\.tmp$/;

/**
 * Removes the temporary files of the outputs `labels` that a write left behind: a worker stopped at its
 * deadline in the middle of writing one, or an earlier run that was killed. Only regular files named as
 * writeInside names them, next to one of these outputs, are removed.
 */
export function removeTemporaries(realOut: string, labels: Iterable<string>): void {
  const byDir = new Map<string, Set<string>>();
  for (const label of labels) {
    const path = join(realOut, label);
    const names = byDir.get(dirname(path)) ?? new Set<string>();
    names.add(basename(path));
    byDir.set(dirname(path), names);
  }
  for (const [dir, names] of byDir) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const target = TEMPORARY.exec(entry)?.[1];
      if (target === undefined || !names.has(target)) continue;
      const path = join(dir, entry);
      try {
        if (lstatSync(path).isFile()) unlinkSync(path);
      } catch {
        // Gone already, or not ours to remove.
      }
    }
  }
}
