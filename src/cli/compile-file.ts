// Compiling one input file of a CLI run, inside a worker thread (thread.ts). The outcome is plain data:
// it crosses the thread and process boundaries, and holds no source text (only the code frames of its
// diagnostics), so the main process keeps little per file.
import { dirname } from "node:path";
import { compile, compileSaved, type CompileResult } from "../compile.js";
import { readSavedModel } from "../frontend/saved-file.js";
import type { ModuleResolver } from "../frontend/evaluate.js";
import { SourceFile } from "../frontend/parse.js";
import { sourceLineMap } from "../emit/source-map.js";
import type { Diagnostic, Severity, SourceLoc } from "../ir/types.js";
import type { IoLayout } from "../passes/layout.js";
import type { WeightShapes } from "../size-parameters.js";
import { makeFrame, type Frame } from "./diagnostics.js";
import { FILE_STACK_MB, MAX_DIAGNOSTICS_PER_FILE, MAX_MESSAGE_CHARS } from "./limits.js";
import { deliver, type OutputTarget, type StaleFile } from "./output.js";
import { readInput, savedModuleLabel } from "./read-input.js";

export interface InputFile {
  /** Path on disk. */
  real: string;
  /** Output-relative path with `/`, e.g. `a/b.py`. */
  label: string;
  /** This file's own `--entry` (the config file's `entries`), over the run's. */
  entry?: string;
  /** A saved model file (`.keras`, `.h5`): compiled from its stored architecture into this module label. */
  module?: string;
}

import type { KerasSourceOption } from "../frontend/keras-source.js";

export interface FileOptions {
  entry?: string;
  ioLayout: IoLayout;
  inputShapes?: (number | null)[][];
  /** `--set NAME=VALUE` (see CompileOptions.set). */
  set?: Record<string, string>;
  /** `--weights` (see CompileOptions.weightShapes). */
  weightShapes?: WeightShapes;
  /** `--keras-version` (see CompileOptions.kerasVersion). */
  kerasVersion?: string;
  /** Keep what a review page shows: the source text, the weight mapping and the module's line map. */
  review?: boolean;
  /** The Keras source tree applications are compiled from (see CompileOptions.keras). */
  keras?: KerasSourceOption;
  /** `--standalone-weights` (see CompileOptions.standaloneWeights). */
  standaloneWeights?: boolean;
  /** Where the generated files go; without it they stay in the outcome (`result.files`). */
  output?: OutputTarget;
}

/** What the review page shows of one compiled file (only with `FileOptions.review`). */
export interface ReviewData {
  source: string;
  /** The generated module. */
  module?: string;
  /** Per line of the generated module: the source location it came from. */
  sourceLines: (SourceLoc | null)[];
}

/** What compiling one file gave: the result with a code frame per diagnostic, or why there is none. */
export type FileOutcome =
  /**
   * `outputs`: the output files this input produces (written, or compared with `--check`, by the worker
   * when FileOptions.output is set; `result.files` is then empty); `stale`: what `--check` found out of date.
   */
  | { kind: "compiled"; result: CompileResult; frames: (Frame | null)[]; review?: ReviewData; outputs: string[]; stale: StaleFile[] }
  | { kind: "unreadable"; message: string }
  /** A resource limit: the file's size, or memory, time or stack while compiling it. `read`: the file was read. */
  | { kind: "limit"; message: string; read: boolean }
  | { kind: "failed"; message: string; frame: Frame | null }
  /** Compiled, but its files could not be written. */
  | { kind: "unwritable"; message: string };

const at = (file: string) => ({ file, line: 1, column: 1, endLine: 1, endColumn: 1 });

/**
 * A saved model file: its stored architecture, read without running anything. A file that is not a
 * Keras model, or is damaged, gets one located `invalid-saved-model` error and no output.
 */
export async function compileSavedFile(file: InputFile, options: FileOptions): Promise<FileOutcome> {
  let read;
  try {
    read = await readSavedModel(file.real);
  } catch (error) {
    read = { ok: false as const, message: `cannot read the file: ${(error as Error)?.message ?? String(error)}` };
  }
  if (!read.ok) {
    const result: CompileResult = { files: [], diagnostics: [{ severity: "error", code: "invalid-saved-model", message: capMessage(read.message), range: at(file.label) }], models: [], mapping: {}, layers: {}, entryFound: false };
    return { kind: "compiled", result, frames: [null], outputs: [], stale: [] };
  }
  const result = compileSaved(read.saved, { path: file.label, modulePath: file.module ?? savedModuleLabel(file.label), ioLayout: options.ioLayout, standaloneWeights: options.standaloneWeights });
  if (!options.review) result.mapping = {};
  result.diagnostics = capDiagnostics(result.diagnostics.map((d) => ({ ...d, message: capMessage(d.message) })));
  const frames = result.diagnostics.map(() => null);
  return delivered(result, frames, options, () => JSON.stringify(read.saved.config, null, 2));
}

export function compileFile(file: InputFile, resolver: ModuleResolver & { textOf(label: string): string | null }, options: FileOptions): FileOutcome {
  const read = readInput(file.real);
  if (read.kind === "unreadable") return { kind: "unreadable", message: `cannot read the file: ${read.message}` };
  if (read.kind === "too-large") return { kind: "limit", message: read.message, read: false };
  const text = read.text;
  let result: CompileResult;
  try {
    result = compile(text, { path: file.label, entry: file.entry ?? options.entry, resolver, ioLayout: options.ioLayout, inputShapes: options.inputShapes, set: options.set, weightShapes: options.weightShapes, kerasVersion: options.kerasVersion, standaloneWeights: options.standaloneWeights, keras: options.keras });
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    if (error instanceof RangeError && /call stack size/i.test(message)) {
      return { kind: "limit", read: true, message: `the compiler ran out of stack on this file (${FILE_STACK_MB} MB): it nests too deeply` };
    }
    if (error instanceof RangeError && /invalid (string|array|typed array) length|allocation failed|out of memory/i.test(message)) {
      return { kind: "limit", read: true, message: `the compiler ran out of memory on this file (${message})` };
    }
    // A bug of ours on one file must not stop the others, nor show a stack trace.
    return { kind: "failed", message: capMessage(message), frame: makeFrame({ severity: "error", code: "internal-error", message: "", range: at(file.label) }, text) };
  }
  // The weight mapping is in the weights script already; the main process needs it for a review page only.
  if (!options.review) result.mapping = {};
  result.diagnostics = capDiagnostics(result.diagnostics.map((d) => ({ ...d, message: capMessage(d.message) })));
  const frames = result.diagnostics.map((d) => {
    const source = d.range.file === file.label ? text : resolver.textOf(d.range.file);
    return source === null ? null : makeFrame(d, source);
  });
  return delivered(result, frames, options, () => text);
}

/**
 * The compiled outcome, with its files written into (or compared with) the output folder when there is
 * one: the generated text then stays in the worker, and only the paths cross to the main process.
 */
function delivered(result: CompileResult, frames: (Frame | null)[], options: FileOptions, source: () => string): FileOutcome {
  const module = result.files[0]?.text;
  const review = options.review ? { source: source(), module, sourceLines: module === undefined ? [] : sourceLineMap(module) } : undefined;
  const outputs = result.files.map((f) => f.path);
  if (!options.output) return { kind: "compiled", result, frames, review, outputs, stale: [] };
  let stale: StaleFile[];
  try {
    stale = deliver(options.output, result.files);
  } catch (error) {
    return { kind: "unwritable", message: `cannot write its output: ${(error as Error).message}` };
  }
  // What the main process does not read stays here: the texts, the mapping tables, verify's layer lists.
  result.files = [];
  result.layers = {};
  delete result.weights;
  return { kind: "compiled", result, frames, review, outputs, stale };
}

function capMessage(message: string): string {
  if (message.length <= MAX_MESSAGE_CHARS) return message;
  const chars = [...message];
  return chars.length <= MAX_MESSAGE_CHARS ? message : chars.slice(0, MAX_MESSAGE_CHARS).join("") + "…";
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** At most MAX_DIAGNOSTICS_PER_FILE diagnostics, then one that counts the rest (with their worst severity). */
function capDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  if (diagnostics.length <= MAX_DIAGNOSTICS_PER_FILE) return diagnostics;
  const kept = diagnostics.slice(0, MAX_DIAGNOSTICS_PER_FILE);
  const rest = diagnostics.slice(MAX_DIAGNOSTICS_PER_FILE);
  const count = (s: Severity) => rest.filter((d) => d.severity === s).length;
  const severity = rest.reduce<Severity>((worst, d) => (RANK[d.severity] > RANK[worst] ? d.severity : worst), "info");
  const parts = (["error", "warning", "info"] as const).filter((s) => count(s)).map((s) => `${count(s)} ${s}${count(s) === 1 ? "" : "s"}`);
  kept.push({
    severity,
    code: "resource-limit",
    message: `${rest.length} more diagnostic${rest.length === 1 ? "" : "s"} (${parts.join(", ")}) not listed: at most ${MAX_DIAGNOSTICS_PER_FILE} are listed per file`,
    range: rest[0]!.range,
  });
  return kept;
}

/** Resolves imports among the files of the input set, by their output-relative labels. */
export function makeResolver(files: InputFile[]): ModuleResolver & { textOf(label: string): string | null } {
  const byLabel = new Map(files.map((f) => [f.label, f]));
  const parsed = new Map<string, SourceFile | null>();
  const load = (label: string) => {
    const file = byLabel.get(label);
    if (!file) return null;
    let source = parsed.get(label);
    if (source === undefined) {
      const read = readInput(file.real);
      source = null;
      if (read.kind === "text") {
        try {
          source = new SourceFile(label, read.text);
        } catch {
          source = null;
        }
      }
      parsed.set(label, source);
    }
    return source ? { path: label, source } : null;
  };
  return {
    resolve(fromFile, module, level) {
      const fromDir = fromFile.includes("/") ? fromFile.slice(0, fromFile.lastIndexOf("/")) : "";
      const parts = module ? module.split(".") : [];
      const bases: string[] = [];
      if (level > 0) {
        let base = fromDir;
        for (let i = 1; i < level; i++) base = base.includes("/") ? base.slice(0, base.lastIndexOf("/")) : "";
        bases.push(base);
      } else bases.push(fromDir, "");
      for (const base of bases) {
        const stem = [base, ...parts].filter(Boolean).join("/");
        const found = load(`${stem}.py`) ?? load(`${stem}/__init__.py`);
        if (found) return found;
      }
      // `from pkg.helpers import head` in pkg/net.py, compiled as `convert pkg` or as the files of pkg:
      // the input root is inside the package, so its leading names are the importing file's own folders.
      if (level === 0 && parts.length > 1) {
        const folders = dirname(byLabel.get(fromFile)?.real ?? "").split(/[\\/]/);
        for (let k = Math.min(parts.length - 1, folders.length); k >= 1; k--) {
          if (parts.slice(0, k).join("/") !== folders.slice(-k).join("/")) continue;
          const stem = [fromDir, ...parts.slice(k)].filter(Boolean).join("/");
          const found = load(`${stem}.py`) ?? load(`${stem}/__init__.py`);
          if (found) return found;
        }
      }
      return null;
    },
    textOf: (label) => load(label)?.source.text ?? null,
  };
}
