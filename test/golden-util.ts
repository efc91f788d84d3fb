// Helpers for the golden end-to-end suite (test/golden.test.ts).
//
// Pipeline per run (see docs/internal-interfaces.md §2 and DESIGN.md "Golden tests through ONNX"):
//   golden/harness/reference.py  — real Keras runs every case's source      → golden/.work/<case>/{reference.json,*.bin,keras/}
//   bin/keras2torch.js convert   — the real CLI, per case                   → golden/.work/<case>/out/
//   golden/harness/torch_stage.py — generated weights script + module, ONNX → golden/.work/<case>/torch/{result.json,model.onnx}
// The TypeScript side then runs model.onnx with onnxruntime-node and compares generated files with the
// snapshot in golden/<case>/expected/.

import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatPython } from "../src/emit/format.js";
import { renderRuntimeFile, RUNTIME_FILE } from "../src/emit/files.js";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const GOLDEN_DIR = path.join(REPO_ROOT, "golden");
export const WORK_DIR = path.join(GOLDEN_DIR, ".work");
export const LOG_DIR = path.join(WORK_DIR, "_logs");
export const HARNESS_DIR = path.join(GOLDEN_DIR, "harness");
export const CLI = path.join(REPO_ROOT, "bin", "keras2torch.js");
export const DEFAULT_TOLERANCE = 1e-4;

// ------------------------------------------------------------------------------------------------
// Case files

export interface InputSpec {
  shape: number[];
  dtype?: string;
  range?: [number, number];
  name?: string;
  /** `dtype: "string"`: the strings Keras gets are drawn from `choices`, and PyTorch gets `boundary_layer`'s output. */
  choices?: string[];
  boundary_layer?: string;
}

export interface CaseSpec {
  description?: string;
  module: string;
  entry?: string;
  cli_args?: string[];
  inputs: InputSpec[];
  tolerance?: number;
  reference_prelude?: string;
  keras3_source?: string;
  /**
   * Compile the file real Keras saved from the source (`keras/model.keras` or the legacy `keras/model.h5`)
   * instead of the source: the model is built from its stored architecture. `module` is then `model.py`.
   */
  compile_from?: "keras" | "h5";
  /** The source is compiled with `--keras-version` this: with 2.x the reference runs with Keras 2's definitions. */
  keras_version?: string;
  /** Keyword arguments the generated class is built with: sizes it takes as constructor parameters. */
  constructor?: Record<string, number>;
  /**
   * The saved files say this Keras wrote them (`keras_version`); with 2.x the reference runs with Keras
   * 2's definitions where Keras 3 changed them (golden/harness/reference.py `use_keras2_definitions`).
   */
  saved_keras_version?: string;
  /**
   * `false`: ONNX Runtime runs the exported model with its graph optimizations off. Its PadFusion folds a
   * zero `Pad` into a following `MaxPool`, whose own padding counts as -inf, not 0, and so changes the
   * result wherever a window holds only negative values (ResNetV2's stem: ZeroPadding2D, then MaxPooling2D).
   * The export is right and eager PyTorch matches Keras; the optimizer is wrong.
   */
  onnx_runtime_optimizations?: boolean;
  /** Real Keras runs the model compiled with XLA (channels-first ops TF's CPU kernels lack). */
  reference_xla?: boolean;
  seed?: number;
}

/** Case folders: every folder of golden/ (not hidden, not harness/) holding a case.json. Synchronous,
 *  so that it can run at test collection time. */
export function discoverCases(goldenDir = GOLDEN_DIR): string[] {
  if (!existsSync(goldenDir)) return [];
  return readdirSync(goldenDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith(".") && d.name !== "harness")
    .filter((d) => existsSync(path.join(goldenDir, d.name, "case.json")))
    .map((d) => d.name)
    .sort();
}

export function readCase(name: string): CaseSpec {
  return JSON.parse(readFileSync(path.join(GOLDEN_DIR, name, "case.json"), "utf8")) as CaseSpec;
}

export function caseWorkDir(name: string): string {
  return path.join(WORK_DIR, name);
}

export function readJsonIfExists<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

// ------------------------------------------------------------------------------------------------
// Stage outputs (formats written by golden/harness/*.py)

export interface ReferenceJson {
  case: string;
  ok: boolean;
  error: string | null;
  traceback?: string;
  keras_version?: string;
  /** A string input's `file` is its boundary layer's output; `strings_file` holds the strings Keras got. */
  inputs?: { shape: number[]; dtype: string; file: string; name?: string; strings_file?: string; boundary_layer?: string }[];
  outputs?: { name: string; shape: number[]; dtype: string; file: string }[];
  output_structure?: "single" | "list" | "dict";
  files?: Record<string, { file: string; error: string | null; kind?: string }>;
}

export interface OutputComparison {
  name: string;
  keras_index: number;
  max_abs: number | null;
  scaled: number | null;
  error: string | null;
  torch_shape: number[];
  expected_shape: number[];
}

export interface FormatResult {
  ok: boolean;
  error: string | null;
  outputs: OutputComparison[];
  traceback?: string;
  weights_script?: { argv: string[]; exit_code: number; stdout: string; stderr: string };
}

export interface TorchResultJson {
  case: string;
  ok: boolean;
  error: string | null;
  traceback?: string;
  tolerance: number;
  class: string | null;
  formats: Record<string, FormatResult>;
  onnx: {
    file: string | null;
    exporter: "dynamo" | "torchscript" | null;
    dynamic_batch: boolean;
    error: string | null;
    input_names: string[];
    output_names: string[];
    inputs: { name: string; input_index: number }[];
    outputs: { name: string; keras_index: number; manifest_index: number; permute: number[] }[];
  };
}

export type { Manifest, ManifestFile, ManifestModel } from "../src/manifest.js";

// ------------------------------------------------------------------------------------------------
// Processes

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  error?: string;
  timedOut?: boolean;
}

export interface ProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  logFile?: string;
  /** Called with each complete line of stdout as it arrives (a stage reports its progress this way). */
  onStdoutLine?: (line: string) => void;
}

/** A running process whose stdin stays open: a streaming stage reads its work items from it. */
export interface RunningProcess {
  done: Promise<ProcResult>;
  /** Writes one line to stdin; ignored once the process has ended. */
  writeLine(line: string): void;
  /** Closes stdin: a streaming stage then finishes the items it has and exits. */
  endInput(): void;
}

export function startProcess(cmd: string, args: string[], opts: ProcessOptions = {}): RunningProcess {
  const t0 = Date.now();
  let stdout = "";
  let stderr = "";
  let pendingLine = "";
  let timedOut = false;
  let settled = false;
  const child = spawn(cmd, args, {
    cwd: opts.cwd ?? REPO_ROOT,
    env: opts.env ?? process.env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  // A process that exits without reading its input must not crash the test run with EPIPE.
  child.stdin.on("error", () => {});
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    if (!opts.onStdoutLine) return;
    const lines = (pendingLine + d).split("\n");
    pendingLine = lines.pop()!;
    for (const line of lines) opts.onStdoutLine(line);
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const done = new Promise<ProcResult>((resolve) => {
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, opts.timeoutMs)
        : undefined;
    const finish = (r: ProcResult) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (pendingLine && opts.onStdoutLine) opts.onStdoutLine(pendingLine);
      if (opts.logFile) {
        mkdirSync(path.dirname(opts.logFile), { recursive: true });
        writeFileSync(
          opts.logFile,
          `$ ${cmd} ${args.join(" ")}\n# exit ${r.code} signal ${r.signal} in ${r.ms} ms${r.timedOut ? " (timed out)" : ""}${r.error ? ` error: ${r.error}` : ""}\n` +
            `---- stdout\n${r.stdout}\n---- stderr\n${r.stderr}\n`,
        );
      }
      resolve(r);
    };
    child.on("error", (e) => finish({ code: null, signal: null, stdout, stderr, ms: Date.now() - t0, error: e.message }));
    child.on("close", (code, signal) => finish({ code, signal, stdout, stderr, ms: Date.now() - t0, timedOut }));
  });
  return {
    done,
    writeLine(line) {
      if (!settled && child.stdin.writable) child.stdin.write(`${line}\n`);
    },
    endInput() {
      if (child.stdin.writable) child.stdin.end();
    },
  };
}

/** Runs a process to its end with no input. */
export function runProcess(cmd: string, args: string[], opts: ProcessOptions = {}): Promise<ProcResult> {
  const running = startProcess(cmd, args, opts);
  running.endInput();
  return running.done;
}

/**
 * The case a line of reference.py's stdout reports as done (`reference: <case>: ok (…)` or
 * `reference: <case>: FAILED: …`), if it is one of `cases`; otherwise undefined.
 */
export function referenceCaseDone(line: string, cases: readonly string[]): string | undefined {
  const name = /^reference: (\S+): (?:ok|FAILED)/.exec(line)?.[1];
  return name !== undefined && cases.includes(name) ? name : undefined;
}

/** Runs `work` on items pushed at any time, at most `limit` at once, in the order they were pushed. */
export class AsyncQueue<T> {
  private readonly waiting: T[] = [];
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly work: (item: T) => Promise<void>,
  ) {}

  push(item: T): void {
    this.waiting.push(item);
    this.pump();
  }

  /** Resolves once nothing is waiting or running. */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.limit && this.waiting.length > 0) {
      const item = this.waiting.shift()!;
      this.running++;
      // A failing item does not stop the queue; its rejection is not caught, so it fails the test run.
      void this.work(item).finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.waiting.length === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
        }
      });
    }
  }
}

export function venvDir(): string {
  return process.env.KERAS2TORCH_VENV ? path.resolve(process.env.KERAS2TORCH_VENV) : path.join(REPO_ROOT, ".venv");
}

export function venvPython(): string {
  return process.platform === "win32"
    ? path.join(venvDir(), "Scripts", "python.exe")
    : path.join(venvDir(), "bin", "python");
}

export function pythonEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONUNBUFFERED: "1",
    TF_CPP_MIN_LOG_LEVEL: "2",
    KERAS_BACKEND: "tensorflow",
  };
}

export function tail(text: string, chars = 3000): string {
  return text.length <= chars ? text : `…${text.slice(-chars)}`;
}

// ------------------------------------------------------------------------------------------------
// Tensors

export type NumericArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array;

/** Reads a raw little-endian .bin written by reference.py. */
export function readBin(file: string, dtype: string, shape: number[]): NumericArray {
  const buf = readFileSync(file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength); // aligned copy
  const n = shape.reduce((a, b) => a * b, 1);
  let arr: NumericArray;
  switch (dtype) {
    case "float32":
      arr = new Float32Array(ab);
      break;
    case "float64":
      arr = new Float64Array(ab);
      break;
    case "int32":
      arr = new Int32Array(ab);
      break;
    case "int64":
      arr = new BigInt64Array(ab);
      break;
    case "int16":
      arr = new Int16Array(ab);
      break;
    case "uint16":
      arr = new Uint16Array(ab);
      break;
    case "int8":
      arr = new Int8Array(ab);
      break;
    case "uint8":
    case "bool":
      arr = new Uint8Array(ab);
      break;
    default:
      throw new Error(`${file}: unsupported dtype ${dtype}`);
  }
  if (arr.length !== n) throw new Error(`${file}: ${arr.length} elements, expected ${n} for shape [${shape}]`);
  return arr;
}

/** numpy.transpose(data.reshape(shape), perm) for a C-ordered typed array. */
export function transpose<T extends NumericArray>(data: T, shape: number[], perm: number[]): { data: T; shape: number[] } {
  const nd = shape.length;
  if (perm.length !== nd || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new Error(`permute [${perm}] is not a permutation of ${nd} axes (shape [${shape}])`);
  }
  const outShape = perm.map((p) => shape[p]!);
  const srcStrides = new Array<number>(nd);
  let s = 1;
  for (let i = nd - 1; i >= 0; i--) {
    srcStrides[i] = s;
    s *= shape[i]!;
  }
  // Stride in the source for each output axis.
  const strides = perm.map((p) => srcStrides[p]!);
  const Ctor = data.constructor as new (n: number) => T;
  const out = new Ctor(data.length);
  if (data.length === 0) return { data: out, shape: outShape };
  const idx = new Array<number>(nd).fill(0);
  let src = 0;
  for (let o = 0; o < data.length; o++) {
    (out as unknown as ArrayLike<number | bigint> & { [i: number]: number | bigint })[o] = data[src]!;
    // Increment the output multi-index (last axis fastest) and keep `src` in step.
    for (let ax = nd - 1; ax >= 0; ax--) {
      idx[ax]!++;
      src += strides[ax]!;
      if (idx[ax]! < outShape[ax]!) break;
      src -= strides[ax]! * outShape[ax]!;
      idx[ax] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/** Max |a - b| and max |a - b| / max(1, max |b|), b being the reference. Non-finite mismatches give Infinity. */
export function compareArrays(
  actual: ArrayLike<number | bigint>,
  expected: ArrayLike<number | bigint>,
): { maxAbs: number; scaled: number } {
  if (actual.length !== expected.length) return { maxAbs: Infinity, scaled: Infinity };
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]);
    const b = Number(expected[i]);
    if (!Number.isFinite(b)) {
      if (!Object.is(a, b)) maxAbs = Infinity;
      continue;
    }
    const d = Math.abs(a - b);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
    maxRef = Math.max(maxRef, Math.abs(b));
  }
  return { maxAbs, scaled: maxAbs / Math.max(1, maxRef) };
}

/** onnxruntime's name for a numpy/Keras dtype. */
export function ortType(dtype: string): string {
  return dtype === "float64" ? "float64" : dtype;
}

// ------------------------------------------------------------------------------------------------
// Snapshots

const SNAPSHOT_IGNORED_DIRS = new Set(["__pycache__"]);

/**
 * What a user's pipeline computes for a string input with `<stem>_vocab.json` (StringLookup and
 * TextVectorization in `int` mode, one token per string): a token's index in the listed vocabulary,
 * the mask token's index 0, anything else the first OOV index. Null when the file cannot say.
 */
export function indicesFromVocabulary(entry: { class: string; vocabulary: (string | number | null)[] | null; settings: Record<string, unknown> }, strings: string[]): number[] | null {
  if (!entry.vocabulary || entry.settings.output_mode !== "int" || entry.class !== "StringLookup") return null;
  const mask = entry.settings.mask_token ?? null;
  const oovStart = mask !== null ? 1 : 0;
  if (entry.settings.num_oov_indices !== 1) return null;
  return strings.map((s) => {
    if (mask !== null && s === mask) return 0;
    const i = entry.vocabulary!.indexOf(s);
    return i >= oovStart + 1 ? i : oovStart;
  });
}

export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const d of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        if (!SNAPSHOT_IGNORED_DIRS.has(d.name)) walk(r);
      } else if (d.isFile() && !d.name.endsWith(".pyc")) out.push(r);
    }
  };
  if (existsSync(dir) && statSync(dir).isDirectory()) walk("");
  return out.sort();
}

function firstDifference(a: string, b: string): string {
  const al = a.split("\n");
  const bl = b.split("\n");
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) {
      return `line ${i + 1}: expected ${JSON.stringify(bl[i] ?? "<end of file>")}, got ${JSON.stringify(al[i] ?? "<end of file>")}`;
    }
  }
  return "differs";
}

/** A `--standalone-weights` script ends with the static runtime, formatted: templates/weights_runtime.py. */
const RUNTIME = formatPython(readFileSync(path.join(REPO_ROOT, "templates", "weights_runtime.py"), "utf8"));
const RUNTIME_MARKER = "# (the static runtime, templates/weights_runtime.py formatted, follows here)\n";

/** A generated file as its snapshot stores it: a standalone weights script without the runtime it carries. */
function snapshotText(file: string, text: string): { text: string; problem: string | null } {
  if (!file.endsWith("_weights.py") || !text.endsWith(RUNTIME)) return { text, problem: null };
  return { text: text.slice(0, text.length - RUNTIME.length) + RUNTIME_MARKER, problem: null };
}

/**
 * Files of the output that the snapshot leaves out, because they follow from the rest: the shared
 * runtime (the same in every case: it must be exactly what keras2torch renders) and `.gitattributes`
 * (it must mark every other file generated). Returns the problems with them.
 */
const DERIVED = new Set([RUNTIME_FILE, ".gitattributes"]);

function derivedProblems(outDir: string, files: string[]): string[] {
  const problems: string[] = [];
  const read = (f: string) => (existsSync(path.join(outDir, f)) ? readFileSync(path.join(outDir, f), "utf8") : null);
  const runtime = read(RUNTIME_FILE);
  const shared = files.some((f) => f.endsWith("_weights.py") && !readFileSync(path.join(outDir, f), "utf8").endsWith(RUNTIME));
  if (shared && runtime === null) problems.push(`${RUNTIME_FILE}: not written, and the weights scripts need it`);
  if (runtime !== null && runtime !== renderRuntimeFile()) problems.push(`${RUNTIME_FILE}: is not the runtime keras2torch renders`);
  const attributes = read(".gitattributes");
  if (attributes === null) problems.push(".gitattributes: not written");
  else {
    const marked = new Set(attributes.split("\n").filter((l) => l.endsWith(" linguist-generated=true")).map((l) => l.slice(1, -" linguist-generated=true".length)));
    for (const f of [...files, ...(runtime === null ? [] : [RUNTIME_FILE])]) if (!marked.has(f)) problems.push(`.gitattributes: does not mark ${f} linguist-generated`);
  }
  return problems;
}

/** Compares every file of the CLI's output folder with golden/<case>/expected/ (as text). With
 *  update=true the snapshot is replaced by the output instead. Returns the differences. */
export function checkSnapshot(outDir: string, expectedDir: string, update: boolean): string[] {
  if (update) {
    rmSync(expectedDir, { recursive: true, force: true });
    mkdirSync(expectedDir, { recursive: true });
    const files = listFiles(outDir).filter((f) => !DERIVED.has(f));
    const problems: string[] = derivedProblems(outDir, files);
    for (const f of files) {
      mkdirSync(path.dirname(path.join(expectedDir, f)), { recursive: true });
      const { text, problem } = snapshotText(f, readFileSync(path.join(outDir, f), "utf8"));
      if (problem) problems.push(problem);
      writeFileSync(path.join(expectedDir, f), text);
    }
    return problems;
  }
  const rel = path.relative(REPO_ROOT, expectedDir);
  if (!existsSync(expectedDir)) {
    return [`no snapshot at ${rel}/: run the golden tests with UPDATE_GOLDEN=1 and review the files`];
  }
  const got = listFiles(outDir).filter((f) => !DERIVED.has(f));
  const want = listFiles(expectedDir);
  const problems: string[] = derivedProblems(outDir, got);
  for (const f of want.filter((f) => !got.includes(f))) problems.push(`${f}: in the snapshot, not generated`);
  for (const f of got.filter((f) => !want.includes(f))) problems.push(`${f}: generated, not in the snapshot`);
  for (const f of got.filter((f) => want.includes(f))) {
    const { text: a, problem } = snapshotText(f, readFileSync(path.join(outDir, f), "utf8"));
    if (problem) problems.push(problem);
    const b = readFileSync(path.join(expectedDir, f), "utf8");
    if (a !== b) problems.push(`${f}: differs from the snapshot, ${firstDifference(a, b)}`);
  }
  if (problems.length) problems.push(`(UPDATE_GOLDEN=1 rewrites ${rel}/ from the output)`);
  return problems;
}
