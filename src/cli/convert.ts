// A conversion run over many inputs: walking folders and globs, compiling in the worker pool, writing
// the output atomically inside `-o` (or, with `check`, comparing it with what is there) and the manifest
// (CONTRACT.md). The CLI (main.ts) and the library's `convertFiles` both run through here.
import { KerasPathError, locateKeras } from "./keras-path.js";
import type { KerasSourceOption } from "../frontend/keras-source.js";
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, realpathSync, statSync, type Stats } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { performance } from "node:perf_hooks";
import { formatJson } from "../emit/format-json.js";
import { renderRuntimeFile, RUNTIME_FILE } from "../emit/runtime-file.js";
import type { Diagnostic, DiagnosticCode, Severity, SourceLoc, TensorMapping } from "../ir/types.js";
import type { Manifest, ManifestDiagnostic, ManifestFile } from "../manifest.js";
import type { IoLayout } from "../passes/layout.js";
import type { WeightShapes } from "../size-parameters.js";
import type { FileOutcome, InputFile } from "./compile-file.js";
import type { Frame } from "./diagnostics.js";
import { globBase, globMatcher, hasGlobMagic } from "./glob.js";
import { MAX_INPUT_BYTES } from "./limits.js";
import { deliver, isInside, removeRunTemporaries, removeTemporaries, type OutputTarget, type StaleFile } from "./output.js";
import { compileAll, defaultJobs, prestartWorkers, releaseSpares } from "./pool.js";
import { fileKind, SAVED_MODEL, savedModuleLabel, tooLargeMessage } from "./read-input.js";

/** A mistake in how the run was asked for (CLI exit code 2): nothing was written. */
export class UsageError extends Error {}

export interface ConvertOptions {
  /** The output folder `-o`. */
  out: string;
  /** `--entry`: a module-level name or a builder call. */
  entry?: string;
  /** Per input (its path relative to its input folder, as in the manifest): that file's entry, over `entry`. */
  entries?: Record<string, string>;
  /** Worker processes; by default chosen from the number of files. */
  jobs?: number;
  /** `keras` keeps Keras' axis order at each class's inputs and outputs; default `channels-first`. */
  ioLayout?: IoLayout;
  /** `--input-shape`, batch axis included (as `null`). */
  inputShapes?: (number | null)[][];
  /** `--set NAME=VALUE`: Python literals by name (see CompileOptions.set). */
  set?: Record<string, string>;
  /** `--weights`: the shapes of a Keras-saved file of the model (see CompileOptions.weightShapes). */
  weightShapes?: WeightShapes;
  /** `--keras-version` (see CompileOptions.kerasVersion). */
  kerasVersion?: string;
  /** `--check`: write nothing; compare what would be written with the files in `out`. */
  check?: boolean;
  /** Keep the source, the generated module, its line map and the weight mapping of each file (review page). */
  review?: boolean;
  /** Called as each file finishes compiling (in any order). */
  onProgress?: (done: number, total: number, input: string) => void;
  /** Paths in diagnostics are shown relative to this folder (default: the current one). */
  cwd?: string;
  /** `--keras-path`: the Keras source tree `keras.applications.*` is compiled from. */
  kerasPath?: string;
  /** `--python`: the Python whose Keras is that tree when `kerasPath` is not given. */
  python?: string;
  /** `--standalone-weights`: each weights script carries the runtime instead of loading `OUT/keras2torch_runtime.py`. */
  standaloneWeights?: boolean;
  /** Write `OUT/.gitattributes` marking the output `linguist-generated` (default true; `--no-gitattributes`). */
  gitattributes?: boolean;
}

/** A diagnostic with what the terminal shows: the file as printed and a code frame. */
export interface ReportedDiagnostic {
  diagnostic: Diagnostic;
  /** The file's path relative to `cwd` (or as given). */
  path: string;
  frame: Frame | null;
}

/** A file the run did or would write, for the review page. */
export interface FileReview {
  source: string;
  module?: string;
  sourceLines: (SourceLoc | null)[];
  mapping: Record<string, TensorMapping[]>;
}

export type FileStatus = "translated" | "no-model" | "failed";

export interface FileSummary {
  /** The manifest entry. */
  entry: ManifestFile;
  /** The input on disk. */
  real: string;
  /** `translated`: a module was written; `no-model`: nothing to translate (info); `failed`: an error stopped it. */
  status: FileStatus;
  review?: FileReview;
}

export type { StaleFile } from "./output.js";
export { writeFileAtomic } from "./output.js";

export interface ConvertResult {
  /** The absolute output folder. */
  out: string;
  manifest: Manifest;
  files: FileSummary[];
  /** Every diagnostic, in the order the CLI prints them. */
  diagnostics: ReportedDiagnostic[];
  counts: { files: number; models: number } & Record<Severity, number>;
  /** With `check`: the stale output files, sorted by path. */
  stale: StaleFile[];
  /** 0 clean, 1 error diagnostics (or, with `check`, stale files), 2 nothing could be read. */
  exitCode: 0 | 1 | 2;
  /** Remarks about the output folder for the terminal (a `.gitattributes` of the user's left alone). */
  notes: string[];
  elapsedMs: number;
}

/** An input that is refused without being read: a special file, a symbolic link leaving its folder, ... */
interface Refused extends InputFile {
  code: DiagnosticCode;
  message: string;
}

/** What the inputs hold: Python sources, other files (saved models), and refused entries. */
interface Inputs {
  files: InputFile[];
  unsupported: InputFile[];
  refused: Refused[];
  /** Real paths of the input folders and of every input file, to refuse an `-o` that would overwrite one. */
  reals: Set<string>;
  roots: Set<string>;
}

const CONTROL = /[\x00-\x1f\x7f]/;
const SAVED = SAVED_MODEL;
/**
 * The Keras source tree for the run: `--keras-path` (checked even when no file needs it: a wrong path is a
 * usage error), else looked up in a Python environment, and only when a Python input names Keras'
 * applications, so runs that use none never start Python.
 */
function kerasFor(files: InputFile[], todo: number[], options: ConvertOptions): KerasSourceOption | undefined {
  try {
    if (options.kerasPath !== undefined) return locateKeras({ kerasPath: options.kerasPath, cwd: options.cwd });
  } catch (error) {
    if (error instanceof KerasPathError) throw new UsageError(error.message);
    throw error;
  }
  const mentions = todo.some((i) => {
    const file = files[i]!;
    if (file.module !== undefined) return false;
    try {
      return readFileSync(file.real, "utf8").includes("applications");
    } catch {
      return false;
    }
  });
  return mentions ? locateKeras({ python: options.python, cwd: options.cwd }) : undefined;
}

export const MANIFEST = "keras2torch.json";
const RUNTIME = RUNTIME_FILE;
export const GITATTRIBUTES = ".gitattributes";
/** The first line of every file keras2torch writes says so; `--check` takes such files in `-o` as its own. */
const GENERATED_MARK = "generated by keras2torch";

function classify(inputs: Inputs, real: string, label: string, stats: Stats): void {
  const item = { real, label };
  if (CONTROL.test(label)) {
    inputs.refused.push({ ...item, code: "unsupported-input", message: "the file name contains a newline or another control character; rename the file" });
  } else if (!stats.isFile()) {
    inputs.refused.push({ ...item, code: "unreadable-input", message: `it is ${fileKind(stats)}, not a regular file; it is not read` });
  } else if (stats.size > MAX_INPUT_BYTES && label.endsWith(".py")) {
    inputs.refused.push({ ...item, code: "resource-limit", message: tooLargeMessage(stats.size) });
  } else if (SAVED.test(label)) inputs.files.push({ ...item, module: savedModuleLabel(label) });
  else (label.endsWith(".py") ? inputs.files : inputs.unsupported).push(item);
  try {
    inputs.reals.add(realpathSync(real));
  } catch {
    // Refused already (a loop or a dangling link is never read).
  }
}

function gatherInputs(args: string[], out: string, cwd: string): Inputs {
  const inputs: Inputs = { files: [], unsupported: [], refused: [], reals: new Set(), roots: new Set() };
  const labels = new Set<string>();
  for (const input of args) {
    const path = resolve(cwd, input);
    try {
      lstatSync(path);
    } catch {
      if (!hasGlobMagic(input)) throw new UsageError(`input \`${input}\` does not exist`);
      // A glob the shell did not expand (quoted): walk its folder and keep what matches, as a folder
      // argument would, so the tree under that folder is mirrored under -o.
      const base = globBase(input);
      const baseDir = resolve(cwd, base);
      let stats: Stats | undefined;
      try {
        stats = statSync(baseDir);
      } catch {
        stats = undefined;
      }
      if (!stats?.isDirectory()) throw new UsageError(`input \`${input}\`: the folder \`${base}\` does not exist`);
      const match = globMatcher(input.slice(base.length).replace(/^[\\/]+/, ""));
      const before = inputs.files.length + inputs.unsupported.length + inputs.refused.length;
      const root = realpathSync(baseDir);
      inputs.roots.add(root);
      walk(inputs, baseDir, root, out, match);
      if (inputs.files.length + inputs.unsupported.length + inputs.refused.length === before) throw new UsageError(`input \`${input}\` matches no .py file`);
      continue;
    }
    let stats: Stats;
    try {
      stats = statSync(path);
    } catch (error) {
      const loop = (error as NodeJS.ErrnoException).code === "ELOOP";
      inputs.refused.push({ real: path, label: basename(path), code: "unreadable-input", message: loop ? "it is a symbolic link loop; it is not read" : `it is a symbolic link to \`${readlinkSafe(path)}\`, which does not exist` });
      continue;
    }
    if (stats.isDirectory()) {
      const root = realpathSync(path);
      inputs.roots.add(root);
      walk(inputs, path, root, out);
    } else classify(inputs, path, basename(path), stats);
  }
  // The same file reached twice (a folder and a glob inside it) is one input.
  const once = <T extends InputFile>(list: T[]) =>
    list.filter((f) => {
      const key = `${f.label}\0${f.real}`;
      if (labels.has(key)) return false;
      labels.add(key);
      return true;
    });
  inputs.files = once(inputs.files);
  inputs.unsupported = once(inputs.unsupported);
  inputs.refused = once(inputs.refused);
  return inputs;
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return "?";
  }
}

/** `path` with the symbolic links of its existing part resolved (the rest need not exist yet). */
function realish(path: string): string {
  const rest: string[] = [];
  let at = path;
  for (;;) {
    try {
      return join(realpathSync(at), ...rest.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw new UsageError(`cannot resolve \`${path}\`: ${(error as Error).message}`);
      // A dangling link at `at`: follow what it names, relative to its folder.
      let target: string | undefined;
      try {
        if (lstatSync(at).isSymbolicLink()) target = resolve(dirname(at), readlinkSync(at));
      } catch {
        target = undefined;
      }
      if (target !== undefined && rest.length < 64) {
        at = target;
        continue;
      }
      const parent = dirname(at);
      if (parent === at) return join(at, ...rest.reverse());
      rest.push(basename(at));
      at = parent;
    }
  }
}


/** Whether anything (a dangling symbolic link too) is at `path`. */
function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Refuses an `-o` that is a file, is an input folder or file, or would write over an input or outside itself. */
function checkOutput(out: string, inputs: Inputs, cwd: string): string {
  const shown = relative(cwd, out) || ".";
  let stats: Stats | undefined;
  try {
    stats = statSync(out);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") throw new UsageError(`-o ${shown} is a symbolic link loop`);
  }
  if (stats && !stats.isDirectory()) {
    const input = inputs.reals.has(realish(out));
    throw new UsageError(`-o ${shown} ${input ? "is an input file; it would overwrite the input" : "is an existing file, not a folder"}: choose a folder for the output`);
  }
  const realOut = realish(out);
  for (let up = dirname(realOut); ; up = dirname(up)) {
    if (existsSync(up)) {
      if (!statSync(up).isDirectory()) throw new UsageError(`-o ${shown}: ${relative(cwd, up)} is an existing file, not a folder`);
      break;
    }
    if (dirname(up) === up) break;
  }
  if (inputs.roots.has(realOut)) throw new UsageError(`-o ${shown} is an input folder: it would overwrite the inputs; choose another folder`);
  if (inputs.reals.has(realOut)) throw new UsageError(`-o ${shown} is an input file; it would overwrite the input`);
  const targets = [...inputs.files.flatMap((f) => [outputLabel(f), weightsLabel(outputLabel(f))]), MANIFEST, RUNTIME];
  // Resolved once per folder; a target that does not exist yet resolves to its folder's real path.
  const realDirs = new Map<string, string>();
  for (const target of targets) {
    const path = join(realOut, target);
    const dir = dirname(path);
    let realDir = realDirs.get(dir);
    if (realDir === undefined) realDirs.set(dir, (realDir = realish(dir)));
    const real = exists(path) ? realish(path) : join(realDir, basename(path));
    if (inputs.reals.has(real)) throw new UsageError(`-o ${shown} would overwrite the input ${relative(cwd, real)}`);
    if (!isInside(realOut, realDir)) {
      throw new UsageError(`-o ${shown}: ${relative(cwd, dir)} is a symbolic link leading out of the output folder; nothing is written through it`);
    }
  }
  return realOut;
}

/**
 * Converts `args` (files, folders and globs) into `options.out`. Throws UsageError for a usage error
 * (nothing is written); otherwise every problem is a diagnostic in the result.
 */
export async function convertFiles(args: string[], options: ConvertOptions): Promise<ConvertResult> {
  const started = performance.now();
  if (!args.length) throw new UsageError("no INPUT given");
  // The worker processes start now and warm up while the inputs are gathered.
  prestartWorkers(options.jobs);
  const written: { out?: string } = {};
  try {
    return await convertGathered(args, options, started, written);
  } finally {
    releaseSpares();
    if (written.out !== undefined) removeRunTemporaries(written.out, process.pid);
  }
}

/** `written.out`: set to the output folder once this run may write into it. */
async function convertGathered(args: string[], options: ConvertOptions, started: number, written: { out?: string }): Promise<ConvertResult> {
  const cwd = options.cwd ?? process.cwd();
  const out = resolve(cwd, options.out);
  // Where the output goes, resolved, so that the walk can skip it (the folder may not exist yet).
  const inputs = gatherInputs(args, realish(out), cwd);
  const { files, unsupported, refused } = inputs;
  if (!files.length && !unsupported.length && !refused.length) throw new UsageError("no .py files found in the inputs");
  // An output that would overwrite an input is refused before anything is written.
  const realOut = checkOutput(out, inputs, cwd);
  const shown = (real: string) => relative(cwd, real) || real;

  const summaries: FileSummary[] = [];
  const reported: ReportedDiagnostic[] = [];
  const counts = { files: files.length + unsupported.length + refused.length, models: 0, error: 0, warning: 0, info: 0 };
  let readable = 0;
  const report = (diagnostic: Diagnostic, real: string, frame: Frame | null) => {
    counts[diagnostic.severity]++;
    reported.push({ diagnostic, path: shown(real), frame });
  };

  // Output collisions: two inputs to one output, or `b_weights.py` next to `b.py`. A saved model next to
  // the source that builds it (`b.py`, `b.keras`) is not compiled: the source is, and the saved file is
  // what its weights script reads.
  const owners = new Map<string, InputFile>();
  const collided = new Set<InputFile>();
  const shadowed = new Map<InputFile, InputFile>();
  const sourcesFirst = [...files.filter((f) => f.module === undefined), ...files.filter((f) => f.module !== undefined)];
  // The shared runtime's name is taken: an input that would compile to it collides with it.
  const reserved = options.standaloneWeights ? null : RUNTIME;
  for (const file of sourcesFirst) {
    if (outputLabel(file) === reserved) {
      collided.add(file);
      continue;
    }
    const source = file.module !== undefined ? owners.get(outputLabel(file)) : undefined;
    if (source && source.module === undefined && !collided.has(source)) {
      shadowed.set(file, source);
      continue;
    }
    for (const target of [outputLabel(file), weightsLabel(outputLabel(file))]) {
      const owner = owners.get(target);
      if (owner && owner !== file) {
        collided.add(file);
        collided.add(owner);
      } else owners.set(target, file);
    }
  }

  for (const file of files) if (options.entries && Object.hasOwn(options.entries, file.label)) file.entry = options.entries[file.label];
  const realOf = new Map(files.map((f) => [f.label, f.real]));
  const todo = files.map((_, i) => i).filter((i) => !collided.has(files[i]!) && !shadowed.has(files[i]!));
  // What `check` finds; and every path the run produces (to find the extra files in -o).
  const stale: StaleFile[] = [];
  const produced = new Set<string>([MANIFEST]);
  // Each process writes its temporary files into a folder of its own, named after this run (output.ts).
  const output: OutputTarget = options.check ? { dir: realOut, check: true } : { dir: realOut, check: false, run: process.pid };
  if (!options.check) written.out = realOut;
  // The main process's own files (the manifest, the shared runtime, .gitattributes), as a worker delivers its files.
  const emit = (label: string, text: string) => {
    produced.add(label);
    stale.push(...deliver(output, [{ path: label, text }]));
  };
  // Each worker writes (or, with --check, compares) the files of the inputs it compiles, so the main process
  // handles no generated text. Outcomes arrive in any order; they are merged in input order below, so the
  // output is the same for any --jobs.
  const outcomes: FileOutcome[] = [];
  const reviews: (FileReview | undefined)[] = [];
  let done = 0;
  const keras = kerasFor(files, todo, options);
  const fileOptions = { entry: options.entry, ioLayout: options.ioLayout ?? "channels-first", inputShapes: options.inputShapes, set: options.set, weightShapes: options.weightShapes, kerasVersion: options.kerasVersion, review: options.review, standaloneWeights: options.standaloneWeights, keras, output };
  await compileAll(files, todo, fileOptions, options.jobs ?? defaultJobs(todo.length), (i, outcome) => {
    options.onProgress?.(++done, todo.length, files[i]!.label);
    if (outcome.kind === "compiled") {
      for (const path of outcome.outputs) produced.add(path);
      stale.push(...outcome.stale);
      if (outcome.review) {
        reviews[i] = { source: outcome.review.source, module: outcome.review.module, sourceLines: outcome.review.sourceLines, mapping: outcome.result.mapping };
        outcome.result.mapping = {};
      }
    }
    outcomes[i] = outcome;
  });
  // Every output this run could write, whether or not its file compiled: a worker stopped at its deadline
  // in the middle of a write leaves a temporary file.
  if (!options.check) removeTemporaries(realOut, todo.flatMap((i) => [outputLabel(files[i]!), weightsLabel(outputLabel(files[i]!))]));
  let entryFound = false;
  const entryOf = new Map<string, FileSummary>();
  for (const [i, file] of files.entries()) {
    const entry: ManifestFile = { input: file.label, diagnostics: [], models: [] };
    const summary: FileSummary = { entry, real: file.real, status: "failed" };
    summaries.push(summary);
    entryOf.set(file.label, summary);
    const add = (d: Diagnostic, frame: Frame | null) => {
      entry.diagnostics.push(manifestDiagnostic(d, file.label));
      report(d, file.real, frame);
    };
    if (collided.has(file)) {
      readable++;
      add(
        {
          severity: "error",
          code: "output-collision",
          message:
            outputLabel(file) === reserved
              ? `its output ${outputLabel(file)} would overwrite the weights runtime that the weights scripts share; rename the file (or convert with --standalone-weights)`
              : `its output would collide with another input's (${file.label} → ${outputLabel(file)}, ${weightsLabel(outputLabel(file))}); rename one of them`,
          range: at(file.label),
        },
        null,
      );
      continue;
    }
    const source = shadowed.get(file);
    if (source) {
      readable++;
      summary.status = "no-model";
      add(
        {
          severity: "info",
          code: "saved-model",
          message: `not compiled from its stored architecture: the source ${source.label} compiles to the same module (${outputLabel(file)}); pass this file to that module's weights script`,
          range: at(file.label),
        },
        null,
      );
      continue;
    }
    const outcome = outcomes[i]!;
    if (outcome.kind === "unreadable") {
      add({ severity: "error", code: "unreadable-input", message: outcome.message, range: at(file.label) }, null);
      continue;
    }
    if (outcome.kind === "unwritable") {
      readable++;
      add({ severity: "error", code: "internal-error", message: outcome.message, range: at(file.label) }, null);
      continue;
    }
    if (outcome.kind === "limit") {
      if (outcome.read) readable++;
      add({ severity: "error", code: "resource-limit", message: outcome.message, range: at(file.label) }, null);
      continue;
    }
    // A saved file that is not a Keras model, or is damaged, counts as unread: alone, nothing is written.
    const invalidSaved = file.module !== undefined && outcome.kind === "compiled" && outcome.result.diagnostics.some((d) => d.code === "invalid-saved-model");
    if (!invalidSaved) readable++;
    if (outcome.kind === "failed") {
      add({ severity: "error", code: "internal-error", message: `keras2torch failed on this file (${outcome.message}); please report it`, range: at(file.label) }, outcome.frame);
      continue;
    }
    const { result, frames } = outcome;
    if (file.module !== undefined) {
      // A saved file has one model; --entry does not apply to it.
    } else if (file.entry === undefined) entryFound ||= result.entryFound;
    else if (!result.entryFound) {
      result.diagnostics.push({ severity: "error", code: "entry-not-found", message: `the entry \`${file.entry}\` given for this file did not produce a Keras model in it`, range: at(file.label) });
      frames.push(null);
    }
    for (const [k, d] of result.diagnostics.entries()) {
      entry.diagnostics.push(manifestDiagnostic(d, file.label));
      report(d, d.range.file === file.label ? file.real : realOf.get(d.range.file) ?? d.range.file, frames[k] ?? null);
    }
    const paths = outcome.outputs;
    if (paths.length) {
      entry.module = paths[0]!;
      entry.weights_script = paths[1]!;
      entry.models = result.models;
      summary.status = "translated";
    } else if (!result.diagnostics.some((d) => d.severity === "error")) summary.status = "no-model";
    summary.review = reviews[i] ?? (options.review ? { source: readSafe(file.real), sourceLines: [], mapping: {} } : undefined);
  }
  for (const file of unsupported) {
    const d: Diagnostic = {
      severity: "error",
      code: "unsupported-input",
      message: SAVED.test(file.real)
        ? "compiling a saved model's stored architecture is not supported yet; pass the .py source that builds it"
        : "not a Python source file",
      range: at(file.label),
    };
    summaries.push({ entry: { input: file.label, diagnostics: [manifestDiagnostic(d, file.label)], models: [] }, real: file.real, status: "failed" });
    report(d, file.real, null);
  }
  for (const file of refused) {
    const d: Diagnostic = { severity: "error", code: file.code, message: file.message, range: at(file.label) };
    summaries.push({ entry: { input: file.label, diagnostics: [manifestDiagnostic(d, file.label)], models: [] }, real: file.real, status: "failed" });
    report(d, file.real, null);
  }
  if (options.entry && !entryFound && files.some((f) => f.entry === undefined && f.module === undefined)) {
    const d: Diagnostic = {
      severity: "error",
      code: "entry-not-found",
      message: `--entry \`${options.entry}\` did not produce a Keras model in any input file`,
      range: at(files[0]!.label),
    };
    entryOf.get(files[0]!.label)?.entry.diagnostics.push(manifestDiagnostic(d, files[0]!.label));
    report(d, files[0]!.real, null);
  }
  // Sorted by input path, so the manifest and every report list files in the same order on every run.
  summaries.sort((a, b) => (a.entry.input < b.entry.input ? -1 : a.entry.input > b.entry.input ? 1 : 0));
  // One runtime for every weights script of the run (unless each carries its own).
  const sharedRuntime = !options.standaloneWeights && summaries.some((s) => s.entry.weights_script !== undefined);
  const manifest: Manifest = { version: 1, ...(sharedRuntime ? { runtime: RUNTIME } : {}), files: summaries.map((s) => s.entry) };
  counts.models = summaries.reduce((n, s) => n + s.entry.models.length, 0);
  const notes: string[] = [];
  const result: ConvertResult = { out: realOut, manifest, files: summaries, diagnostics: reported, counts, stale, exitCode: 2, elapsedMs: 0, notes };
  if (!readable) {
    result.elapsedMs = performance.now() - started;
    return result;
  }
  if (sharedRuntime) emit(RUNTIME, renderRuntimeFile());
  emit(MANIFEST, formatJson(manifest));
  if (options.gitattributes !== false) {
    // A .gitattributes keras2torch did not write (its first line lacks the mark) is the user's: left alone.
    const existing = readFirstLine(join(realOut, GITATTRIBUTES));
    if (existing === null || existing.includes(GENERATED_MARK)) emit(GITATTRIBUTES, gitattributes([...produced]));
    else notes.push(`${GITATTRIBUTES} in the output folder was not written by keras2torch; it is left as it is (the output is not marked linguist-generated)`);
  }
  if (options.check) stale.push(...extraFiles(realOut, produced));
  stale.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  result.exitCode = counts.error || stale.length ? 1 : 0;
  result.elapsedMs = performance.now() - started;
  return result;
}

function readSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/**
 * The files in `-o` that keras2torch wrote once and no input produces any more: those the committed
 * manifest lists, and any whose first line says keras2torch generated it. Other files (a hand-written
 * `__init__.py`, a README) are left alone.
 */
function extraFiles(realOut: string, produced: Set<string>): StaleFile[] {
  if (!existsSync(realOut)) return [];
  const ours = new Set<string>();
  try {
    const old = JSON.parse(readFileSync(join(realOut, MANIFEST), "utf8")) as Manifest;
    if (typeof old.runtime === "string") ours.add(old.runtime);
    for (const f of old.files ?? []) for (const p of [f.module, f.weights_script]) if (typeof p === "string") ours.add(p);
  } catch {
    // No manifest, or not one of ours: only the marked files count.
  }
  const stale: StaleFile[] = [];
  // Our .gitattributes when the run no longer writes one (--no-gitattributes).
  if (!produced.has(GITATTRIBUTES) && readFirstLine(join(realOut, GITATTRIBUTES))?.includes(GENERATED_MARK)) {
    stale.push({ path: GITATTRIBUTES, reason: "extra", diff: `this run writes no ${GITATTRIBUTES}; delete it` });
  }
  const visit = (dir: string) => {
    let items;
    try {
      items = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const item of items) {
      if (item.name.startsWith(".") || item.name === "__pycache__") continue;
      const path = join(dir, item.name);
      const label = relative(realOut, path).split(sep).join("/");
      if (item.isDirectory()) visit(path);
      else if (item.isFile() && !produced.has(label) && (ours.has(label) || firstLine(path).includes(GENERATED_MARK))) {
        stale.push({ path: label, reason: "extra", diff: `no input produces ${label} any more; delete it` });
      }
    }
  };
  visit(realOut);
  return stale;
}

/** The first line of `path`, or null when there is no such file. */
function readFirstLine(path: string): string | null {
  try {
    if (!statSync(path).isFile()) return "";
    return firstLine(path);
  } catch {
    return null;
  }
}

/**
 * `OUT/.gitattributes`: every file of the run marked `linguist-generated`, so that code review and
 * GitHub's language statistics treat it as generated. Patterns are anchored to OUT (leading `/`), with
 * glob characters escaped and, for names with spaces or quotes, C-quoted as gitattributes allows.
 */
function gitattributes(labels: string[]): string {
  const pattern = (label: string) => {
    const escaped = "/" + label.replace(/[\\*?[]/g, (c) => "\\" + c);
    return /[\s"]/.test(escaped) ? `"${escaped.replace(/[\\"]/g, (c) => "\\" + c)}"` : escaped;
  };
  const lines = [
    `# ${GENERATED_MARK}: it marks the files keras2torch writes here as generated (code review collapses them; GitHub leaves them out of language statistics).`,
    "# keras2torch rewrites this file on every run. To keep a .gitattributes of your own here instead, delete the first line: keras2torch then leaves the file alone (or convert with --no-gitattributes).",
    ...labels.filter((l) => l !== GITATTRIBUTES).sort().map((l) => `${pattern(l)} linguist-generated=true`),
  ];
  return lines.join("\n") + "\n";
}

function firstLine(path: string): string {
  try {
    const text = readFileSync(path, "utf8");
    return text.slice(0, Math.max(0, text.indexOf("\n")) || 300);
  } catch {
    return "";
  }
}

const weightsLabel = (label: string) => label.replace(/\.py$/, "") + "_weights.py";
/** The module an input compiles to: a source keeps its path, a saved model file gets `.py`. */
const outputLabel = (file: InputFile) => file.module ?? file.label;
const at = (file: string) => ({ file, line: 1, column: 1, endLine: 1, endColumn: 1 });

function manifestDiagnostic(d: Diagnostic, file: string): ManifestDiagnostic {
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    file: d.range.file.startsWith("<") ? file : d.range.file,
    line: d.range.line,
    column: d.range.column,
    end_line: d.range.endLine,
    end_column: d.range.endColumn,
  };
}

const SKIPPED_DIRS = new Set(["__pycache__", "node_modules", "site-packages"]);

/**
 * The files under the input folder `root` (a real path), sorted, skipping hidden folders, caches,
 * virtualenvs and the output folder. A symbolic link is followed only when it stays inside `root` and
 * does not lead back to a folder being walked; otherwise it gets a refused entry, like a FIFO or a device.
 */
function walk(inputs: Inputs, given: string, root: string, outDir: string, match: (label: string) => boolean = () => true): void {
  const refuse = (path: string, code: DiagnosticCode, message: string) => {
    if (match(labelOf(path))) inputs.refused.push({ real: path, label: labelOf(path), code, message });
  };
  // Paths are walked as given (so they print as the user named them); links are judged by real paths.
  const labelOf = (path: string) => relative(given, path).split(sep).join("/");
  const wanted = (name: string) => name.endsWith(".py") || SAVED.test(name);
  const visit = (dir: string, ancestors: Set<string>) => {
    let items;
    try {
      items = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    } catch (error) {
      refuse(dir, "unreadable-input", `cannot read the folder: ${(error as Error).message}`);
      return;
    }
    for (const item of items) {
      const path = join(dir, item.name);
      if (item.name.startsWith(".") && (item.isDirectory() || item.isSymbolicLink())) continue;
      let stats: Stats;
      if (item.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync(path);
          stats = statSync(path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ELOOP") refuse(path, "unreadable-input", "it is a symbolic link loop; it is not followed");
          else if (wanted(item.name)) refuse(path, "unreadable-input", `it is a symbolic link to \`${readlinkSafe(path)}\`, which does not exist`);
          continue;
        }
        if (!stats.isDirectory() && !wanted(item.name)) continue;
        if (!isInside(root, real)) {
          refuse(path, "unreadable-input", `it is a symbolic link to \`${real}\`, outside the input folder; it is not followed`);
          continue;
        }
        if (stats.isDirectory() && ancestors.has(real)) {
          refuse(path, "unreadable-input", `it is a symbolic link loop (it leads back to \`${relative(root, real).split(sep).join("/") || "."}\`); it is not followed`);
          continue;
        }
      } else if (item.isDirectory()) {
        stats = lstatSync(path);
      } else if (wanted(item.name)) {
        try {
          stats = lstatSync(path);
        } catch {
          continue;
        }
      } else continue;
      if (stats.isDirectory()) {
        const real = realpathSync(path);
        if (SKIPPED_DIRS.has(item.name) || existsSync(join(path, "pyvenv.cfg")) || real === outDir || path === outDir) continue;
        visit(path, new Set([...ancestors, real]));
      } else if (wanted(item.name) && match(labelOf(path))) classify(inputs, path, labelOf(path), stats);
    }
  };
  visit(given, new Set([root]));
}
