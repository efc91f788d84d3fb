// Writing into the output folder, and `--check`'s comparison with what is there. The workers write the
// files of the inputs they compile; the main process writes the manifest, the shared runtime and the
// reports. Writes are atomic (a temporary file, then a rename) and never leave `-o`.
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
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
  /**
   * The run's id (its main process's): each process then writes its temporary files into a folder of its
   * own in `dir`, named after the run; without it, each temporary file goes next to its file.
   */
  run?: number;
}

/** A process's temporary folder: `.keras2torch-tmp-RUN-XXXXXX`, RUN the main process's id. */
const RUN_TEMPORARIES = /^\.keras2torch-tmp-(\d+)-[A-Za-z0-9]{6}$/;

// Creating a file takes its folder's lock in the kernel. Workers that created their temporary files next
// to the outputs contended for it whenever they wrote into the same folder (on this project's machine, two
// workers paid twice the system time of one: bench/README.md); in a folder of its own, a process's
// creations contend with no one, and renaming into place is cheap. Made on the first write (mkdtemp: a
// new folder, never one planted there); removed by the main process at the end (removeRunTemporaries).
let ownTemporaries: { dir: string; folder: string } | undefined;

function temporaryFolder(dir: string, run: number): string {
  if (ownTemporaries?.dir !== dir) ownTemporaries = { dir, folder: mkdtempSync(join(dir, `.keras2torch-tmp-${run}-`)) };
  return ownTemporaries.folder;
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
    if (!target.check) writeInside(target, f.path, f.text);
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

/** Temporary names in a process's folder: a count, so no two writes share one. */
let written = 0;

/** Writes `OUT/label` atomically, never through a symbolic link: a temporary file, then a rename. */
function writeInside(target: OutputTarget, label: string, text: string): void {
  const path = join(target.dir, label);
  mkdirSync(dirname(path), { recursive: true });
  if (!isInside(target.dir, realpathSync(dirname(path)))) throw new Error(`${dirname(path)} leads out of the output folder`);
  if (target.run !== undefined) {
    const temp = join(temporaryFolder(target.dir, target.run), String(written++));
    writeFileSync(temp, text, { flag: "wx" });
    try {
      renameSync(temp, path);
      return;
    } catch (error) {
      unlinkSync(temp);
      // A folder inside OUT on another file system (a mount point) cannot take a rename from the run's folder.
      if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    }
  }
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

/**
 * Removes the temporary folders of run `run`, and those that earlier runs into `realOut` left behind when
 * they were killed (their main process is gone). Only folders named as temporaryFolder names them are
 * removed; those of another run still going on are left to it.
 */
export function removeRunTemporaries(realOut: string, run: number): void {
  if (ownTemporaries?.dir === realOut) ownTemporaries = undefined;
  let entries;
  try {
    entries = readdirSync(realOut, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const owner = RUN_TEMPORARIES.exec(entry.name)?.[1];
    const path = join(realOut, entry.name);
    if (owner === undefined || !entry.isDirectory() || (Number(owner) !== run && processAlive(Number(owner)))) continue;
    // Not recursive through links: rmSync removes a symbolic link inside, never what it points to.
    rmSync(path, { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The temporary name writeInside uses for `path` without a run folder: `path.PID.tmp`. */
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
