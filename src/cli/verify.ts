// `keras2torch verify MODEL.py --weights FILE`: proves a conversion on the user's machine. It compiles the
// model (or reuses an output folder), then runs real Keras and the generated PyTorch, each in a Python
// process of its own (python/verify_keras.py, python/verify_torch.py), on the same inputs, and reports
// outputs, the first drifting layer, gradients, speed and torch.compile / torch.export readiness.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { compile } from "../compile.js";
import type { Manifest, ManifestLayer, ManifestModel } from "../manifest.js";
import { convertFiles, UsageError } from "./convert.js";
import { formatDiagnostic, printablePath } from "./diagnostics.js";
import { transformJson } from "../weights/mapping.js";
import { findPython, PACKAGE_ROOT } from "./python.js";

const PYTHON_DIR = join(PACKAGE_ROOT, "python");

export const VERIFY_HELP = `Usage:
  keras2torch verify MODEL.py --weights TRAINED [options]

Compiles MODEL.py (or, with --reuse, takes the output folder as it is), moves TRAINED (.keras,
.weights.h5 or legacy .h5) into the generated module with the generated weights script, runs real
Keras and the generated PyTorch on the same inputs, each in its own Python process, and reports per
output the shapes, max absolute and relative error and a verdict; when an output differs, the first
Keras layer whose output drifts, with its line in MODEL.py and in the generated file; speed per
batch size; and whether the module runs under torch.compile(fullgraph=True) and torch.export.
MODEL.py is executed by Python here (unlike convert), as a module: its __main__ block does not run.

Options:
  --weights FILE       the trained weights (required)
  --entry EXPR         the model: a module-level name or a builder call, as for convert
  --batch LIST         batch sizes to time, e.g. 1,32 (default 1,32); outputs and layers are compared
                       on a batch of the largest
  --inputs FILE.npz    compare on these arrays (Keras layout; named after the model's inputs, or
                       arr_0, arr_1...) instead of seeded random ones
  --atol X, --rtol X   a tensor passes when max|Δ| <= atol + rtol * max|Keras| (default 1e-4, 1e-4)
  --grad               also compare the gradients of loss = Σ mean(output²) with respect to every
                       mapped weight (Keras' backend autodiff vs PyTorch autograd)
  --seed N             seed of the random inputs (default 0)
  --warmup N           untimed calls before timing (default 3)
  --repeats N          timed calls per batch size (default 20)
  --no-speed           skip timing
  --no-toolchain       skip the torch.compile(fullgraph=True) and torch.export checks
  --compile-backend B  torch.compile backend to time: inductor (default), eager, ... or off
  -o, --out DIR        write the conversion to DIR (default: a temporary folder, removed after)
  --reuse              with -o: verify DIR as it is, without compiling into it
  --json               print the report as JSON on stdout
  --python PY          the Python to run (default: $KERAS2TORCH_PYTHON, an active or project .venv
                       next to MODEL.py or its parents, the .venv next to keras2torch, then python3)

Exit codes: 0 every output (and, with --grad, gradient) within tolerance; 1 at least one is not;
2 usage error, a compile error, or a Python package missing (named, with how to install it).
`;

interface VerifyOptions {
  model: string;
  weights: string;
  entry?: string;
  batches: number[];
  inputs?: string;
  atol: number;
  rtol: number;
  grad: boolean;
  seed: number;
  warmup: number;
  repeats: number;
  speed: boolean;
  toolchain: boolean;
  compileBackend: string;
  out?: string;
  reuse: boolean;
  json: boolean;
  python?: string;
}

function number(text: string | undefined, flag: string, fallback: number, integer = false): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) throw new UsageError(`${flag} must be a ${integer ? "non-negative integer" : "non-negative number"}`);
  return n;
}

export function parseVerifyArgs(argv: string[]): VerifyOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        weights: { type: "string" },
        entry: { type: "string" },
        batch: { type: "string" },
        inputs: { type: "string" },
        atol: { type: "string" },
        rtol: { type: "string" },
        grad: { type: "boolean" },
        seed: { type: "string" },
        warmup: { type: "string" },
        repeats: { type: "string" },
        "no-speed": { type: "boolean" },
        "no-toolchain": { type: "boolean" },
        "compile-backend": { type: "string" },
        out: { type: "string", short: "o" },
        reuse: { type: "boolean" },
        json: { type: "boolean" },
        python: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (positionals.length !== 1) throw new UsageError("verify takes one MODEL.py");
  if (!values.weights) throw new UsageError("verify needs the trained weights: --weights FILE (.keras, .weights.h5 or .h5)");
  const batches = (values.batch ?? "1,32").split(",").map((b) => b.trim()).filter(Boolean).map(Number);
  if (!batches.length || batches.some((b) => !Number.isInteger(b) || b < 1)) throw new UsageError("--batch must be positive integers separated by commas, e.g. 1,32");
  if (values.reuse && !values.out) throw new UsageError("--reuse needs the folder to reuse: -o DIR");
  return {
    model: resolve(positionals[0]!),
    weights: resolve(values.weights),
    entry: values.entry,
    batches,
    inputs: values.inputs ? resolve(values.inputs) : undefined,
    atol: number(values.atol, "--atol", 1e-4),
    rtol: number(values.rtol, "--rtol", 1e-4),
    grad: values.grad ?? false,
    seed: number(values.seed, "--seed", 0, true),
    warmup: number(values.warmup, "--warmup", 3, true),
    repeats: number(values.repeats, "--repeats", 20, true),
    speed: !values["no-speed"],
    toolchain: !values["no-toolchain"],
    compileBackend: values["compile-backend"] ?? "inductor",
    out: values.out ? resolve(values.out) : undefined,
    reuse: values.reuse ?? false,
    json: values.json ?? false,
    python: values.python,
  };
}

interface Missing {
  module: string;
  role: string;
  install: string;
}

/** One line per missing package: which, what needs it, and the pip command for this very Python. */
export function missingMessage(missing: Missing[], python: string, version?: string): string {
  const lines = missing.map((m) => `keras2torch verify: \`${m.module}\` is not installed in ${python}${version ? ` (Python ${version})` : ""}; ${m.role} needs it. Install it with: ${m.install}`);
  return lines.join("\n") + "\nOr point verify at a Python that has keras, torch and h5py: --python PY or KERAS2TORCH_PYTHON.\n";
}

class VerifyError extends Error {}

function runPython(python: string, script: string, job: string | string[], label: string): { status: number | null; stderr: string } {
  const result = spawnSync(python, [join(PYTHON_DIR, script), ...(Array.isArray(job) ? job : [job])], {
    encoding: "utf8",
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? "3" },
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    throw new VerifyError(code === "ENOENT" ? `cannot run Python \`${python}\` (not found); choose one with --python PY or KERAS2TORCH_PYTHON` : `cannot run ${label}: ${result.error.message}`);
  }
  return { status: result.status, stderr: result.stderr ?? "" };
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8").replace(/\bNaN\b/g, "null").replace(/-?\bInfinity\b/g, "null")) as T;
}

export async function verifyMain(argv: string[]): Promise<number> {
  const parsed = parseVerifyArgs(argv);
  if (parsed === "help") {
    process.stdout.write(VERIFY_HELP);
    return 0;
  }
  const o = parsed;
  for (const [flag, path] of [["MODEL.py", o.model], ["--weights", o.weights], ["--inputs", o.inputs]] as const) {
    if (path && !(existsSync(path) && statSync(path).isFile())) throw new UsageError(`${flag} ${relative(process.cwd(), path) || path}: no such file`);
  }
  const python = findPython(o.python, o.model);
  const work = mkdtempSync(join(tmpdir(), "keras2torch-verify-"));
  try {
    return await verify(o, python, work);
  } catch (error) {
    if (error instanceof VerifyError) {
      process.stderr.write(error.message.endsWith("\n") ? error.message : error.message + "\n");
      return 2;
    }
    throw error;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function verify(o: VerifyOptions, python: string, work: string): Promise<number> {
  // The layer table and the mapping come from compiling the source here (fast, in-process); the
  // files Python runs are the ones in OUT, written by convert (or reused as they are).
  const label = basename(o.model);
  // Missing packages are named before anything is compiled (a lookup; nothing is imported).
  const checkPath = join(work, "check.json");
  pythonResult(runPython(python, "verify_keras.py", ["--check", checkPath], "the dependency check"), checkPath, python, "the dependency check", true);
  const compiled = compile(readFileSync(o.model, "utf8"), { path: label, entry: o.entry });
  const out = o.out ?? join(work, "out");
  if (!o.reuse) {
    mkdirSync(out, { recursive: true });
    const result = await convertFiles([o.model], { out, entry: o.entry, jobs: 1 });
    const errors = result.diagnostics.filter((d) => d.diagnostic.severity === "error");
    if (result.exitCode === 2 || errors.length) {
      throw new VerifyError(errors.map((r) => formatDiagnostic(r.diagnostic, r.path, r.frame, false)).join("\n") + `\nkeras2torch verify: ${label} does not compile without errors; nothing to verify\n`);
    }
  }
  const manifestPath = join(out, "keras2torch.json");
  if (!existsSync(manifestPath)) throw new VerifyError(`keras2torch verify: ${printablePath(relative(process.cwd(), out) || out)} holds no keras2torch.json; run convert first or drop --reuse`);
  const manifest = readJson<Manifest>(manifestPath);
  const file = manifest.files.find((f) => f.input === label || basename(f.input) === label) ?? (manifest.files.length === 1 ? manifest.files[0] : undefined);
  if (!file?.module || !file.weights_script || !file.models.length) throw new VerifyError(`keras2torch verify: ${manifestPath} has no module for ${label}`);
  const model: ManifestModel | undefined = file.models.find((m) => m.primary) ?? file.models[file.models.length - 1];
  if (!model) throw new VerifyError(`keras2torch verify: no model in ${label}`);
  if (model.inputs.some((i) => i.boundary)) throw new VerifyError(`keras2torch verify: ${model.class} takes strings in Keras (a string layer at its input); verify cannot feed both sides yet`);
  const layers: ManifestLayer[] = compiled.layers[model.class] ?? [];
  // Transforms as the weights script spells them: ("transpose", axes), ("permute_rows", shape, axes)...
  const mapping = (compiled.mapping[model.class] ?? []).map((row) => ({
    ...row,
    transforms: row.transforms.map(transformJson),
  }));

  const job = {
    workdir: work,
    model_file: o.model,
    entry: o.entry ?? null,
    names: model.names,
    class: model.class,
    module: join(out, file.module),
    weights_script: join(out, file.weights_script),
    weights: o.weights,
    npz: o.inputs ?? null,
    inputs: model.inputs,
    outputs: model.outputs,
    layers,
    mapping,
    batches: o.batches,
    compare_batch: Math.max(...o.batches),
    unknown_size: 16,
    seed: o.seed,
    warmup: o.warmup,
    repeats: o.repeats,
    speed: o.speed && o.repeats > 0,
    toolchain: o.toolchain,
    grad: o.grad,
    atol: o.atol,
    rtol: o.rtol,
    compile_backend: o.compileBackend,
    keras_info: {} as Record<string, unknown>,
  };
  const jobPath = join(work, "job.json");
  writeFileSync(jobPath, JSON.stringify(job));

  const kerasRun = runPython(python, "verify_keras.py", jobPath, "the Keras side");
  const kerasInfo = pythonResult(kerasRun, join(work, "keras.json"), python, "the Keras side");
  job.keras_info = kerasInfo;
  writeFileSync(jobPath, JSON.stringify(job));
  const torchRun = runPython(python, "verify_torch.py", jobPath, "the PyTorch side");
  const torchReport = pythonResult(torchRun, join(work, "report.json"), python, "the PyTorch side");

  // Generated lines point into OUT as the user can open it; a temporary folder is gone afterwards.
  const shownModule = o.out ? printablePath(relative(process.cwd(), join(out, file.module))) : file.module;
  const report = buildReport(o, model, label, shownModule, python, kerasInfo, torchReport);
  if (!o.out) report.notes.push(`the conversion was written to a temporary folder, removed now; keep it with -o DIR (generated lines refer to its ${file.module})`);
  if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  else process.stdout.write(renderText(report));
  return report.ok ? 0 : 1;
}

function pythonResult(run: { status: number | null; stderr: string }, resultPath: string, python: string, side: string, noResult = false): Record<string, any> {
  if (run.status === 3 && existsSync(resultPath)) {
    const info = readJson<{ missing: Missing[]; python: string; python_version: string }>(resultPath);
    throw new VerifyError(missingMessage(info.missing, python, info.python_version));
  }
  if (noResult && run.status === 0) return {};
  if (run.status !== 0 || !existsSync(resultPath)) {
    const tail = run.stderr.trim().split("\n").slice(-25).join("\n");
    throw new VerifyError(`keras2torch verify: ${side} failed (${python}, exit ${run.status}):\n${tail}\n`);
  }
  return readJson<Record<string, any>>(resultPath);
}

// ------------------------------------------------------------------------------------------------
// The report

interface Stats {
  median_ms: number;
  p25_ms: number;
  p75_ms: number;
  min_ms: number;
  max_ms: number;
  repeats: number;
}

export interface VerifyReport {
  ok: boolean;
  model: { file: string; class: string; module: string; weights: string };
  python: string;
  keras: { version: string; backend: string };
  torch: { version: string };
  tolerance: { atol: number; rtol: number };
  inputs: number[][];
  outputs: { name: string; keras_shape: number[]; torch_shape: number[]; max_abs: number | null; max_rel: number | null; ok: boolean }[];
  layers: Record<string, any>[];
  first_drift: Record<string, any> | null;
  grad?: { ok: boolean; tensors: Record<string, any>[]; skipped: Record<string, any>[]; first_difference: Record<string, any> | null };
  readiness?: { compile_fullgraph: { ok: boolean; error?: string; hint?: string }; export: { ok: boolean; error?: string } };
  speed: { batch: number; keras: Stats | null; eager: Stats | null; compiled?: Stats | null; compiled_error?: string; ratio_eager?: number; ratio_compiled?: number }[];
  compile_backend?: string;
  notes: string[];
}

function buildReport(o: VerifyOptions, model: ManifestModel, label: string, modulePath: string, python: string, k: Record<string, any>, t: Record<string, any>): VerifyReport {
  const kerasSpeed = new Map<number, Stats | null>((k.speed ?? []).map((s: any) => [s.batch, s.keras]));
  const speed = (t.speed ?? []).map((s: any) => {
    const keras = kerasSpeed.get(s.batch) ?? null;
    const row = { batch: s.batch, keras, eager: s.eager ?? null, ...(s.compiled !== undefined ? { compiled: s.compiled } : {}), ...(s.compiled_error ? { compiled_error: s.compiled_error } : {}) } as VerifyReport["speed"][number];
    if (keras && s.eager) row.ratio_eager = keras.median_ms / s.eager.median_ms;
    if (keras && s.compiled) row.ratio_compiled = keras.median_ms / s.compiled.median_ms;
    return row;
  });
  const outputsOk = (t.outputs as any[]).every((e) => e.ok);
  const grad = t.grad ? { ok: (t.grad.tensors as any[]).every((r) => r.ok), ...t.grad } : undefined;
  return {
    ok: outputsOk && (grad ? grad.ok : true),
    model: { file: label, class: model.class, module: modulePath, weights: o.weights },
    python,
    keras: { version: k.keras_version, backend: k.backend },
    torch: { version: t.torch_version },
    tolerance: { atol: o.atol, rtol: o.rtol },
    inputs: t.compare_inputs,
    outputs: t.outputs,
    layers: t.layers,
    first_drift: t.first_drift,
    ...(grad ? { grad } : {}),
    ...(t.readiness ? { readiness: t.readiness } : {}),
    speed,
    ...(t.compile_backend ? { compile_backend: t.compile_backend } : {}),
    notes: [...(k.notes ?? []), ...(t.notes ?? [])],
  };
}

const fmt = (x: number | null | undefined) => (x === null || x === undefined ? "—" : x === 0 ? "0" : x.toExponential(2));
const ms = (s: Stats | null | undefined) => (s ? `${s.median_ms.toFixed(2)} ms (IQR ${s.p25_ms.toFixed(2)}–${s.p75_ms.toFixed(2)})` : "—");
const shape = (s: number[]) => `(${s.join(", ")})`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => "  " + r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") + "\n";
}

export function renderText(r: VerifyReport): string {
  let s = `keras2torch verify ${r.model.file} → ${r.model.module} (${r.model.class})\n`;
  s += `  Keras ${r.keras.version} (${r.keras.backend}) vs PyTorch ${r.torch.version}; inputs ${r.inputs.map(shape).join(", ")}; pass: max|Δ| ≤ ${r.tolerance.atol} + ${r.tolerance.rtol}·max|Keras|\n\n`;
  s += "Outputs\n";
  s += table([["output", "Keras shape", "PyTorch shape", "max abs", "max rel", "verdict"], ...r.outputs.map((e) => [e.name, shape(e.keras_shape), shape(e.torch_shape), fmt(e.max_abs), fmt(e.max_rel), e.ok ? "ok" : "DIFFERS"])]);
  if (!r.outputs.every((e) => e.ok)) {
    s += "\nLayers (Keras layer output vs the generated statement's result, layout undone)\n";
    if (r.layers.length) {
      s += table([["layer", "class", "source", "generated", "max abs", "max rel", "verdict"], ...r.layers.map((e) => [e.name + (e.output ? `[${e.output}]` : "") + (e.call ? ` (call ${e.call + 1})` : ""), e.class, e.file ? `${e.file}:${e.line}` : "—", e.module_line ? `${r.model.module}:${e.module_line}` : "—", fmt(e.max_abs), fmt(e.max_rel), e.ok === null ? "n/a" : e.ok ? "ok" : "DRIFTS"])]);
    }
    const d = r.first_drift;
    s += !r.layers.length
      ? "  not available for this model (see the notes)\n"
      : d
      ? `  First drifting layer: ${d.name} (${d.class})${d.module ? `, submodule ${d.module},` : ""} at ${d.file}:${d.line}, generated ${r.model.module}:${d.module_line ?? "?"}${d.problem ? ` (${d.problem}: Keras ${shape(d.keras_shape)}, PyTorch ${shape(d.torch_shape)})` : ""}\n`
      : "  No single layer drifts beyond the tolerance; the difference builds up across layers or sits in the outputs' layout.\n";
  }
  if (r.grad) {
    s += `\nGradients of Σ mean(output²) (${r.grad.tensors.length} tensors)\n`;
    const shown = r.grad.ok ? [] : r.grad.tensors;
    if (shown.length) s += table([["tensor", "Keras variable", "max abs", "max rel", "verdict"], ...shown.map((e) => [e.key, e.keras_variable, fmt(e.max_abs), fmt(e.max_rel), e.ok ? "ok" : "DIFFERS"])]);
    const f = r.grad.first_difference;
    s += f ? `  First differing gradient: ${f.key} (Keras ${f.keras_variable}, layer ${f.layer})${f.problem ? `: ${f.problem}` : ""}\n` : `  all within tolerance (max rel ${fmt(Math.max(0, ...r.grad.tensors.map((e) => e.max_rel ?? 0)))})\n`;
    for (const skip of r.grad.skipped) s += `  not compared: ${skip.key} (${skip.reason})\n`;
  }
  const ready = (x: { ok: boolean; error?: string; hint?: string }) => (x.ok ? "yes" : `no: ${x.error}${x.hint ? ` (${x.hint})` : ""}`);
  if (r.readiness) s += `\nPyTorch toolchain\n  torch.compile(fullgraph=True): ${ready(r.readiness.compile_fullgraph)}\n  torch.export.export:           ${ready(r.readiness.export)}\n`;
  if (r.speed.length) {
    const compiled = r.speed.some((x) => x.compiled !== undefined);
    s += `\nSpeed per batch (median of ${r.speed[0]?.eager?.repeats ?? 0} calls after warm-up, interquartile range; ratio = Keras time / PyTorch time, above 1 when PyTorch is faster)\n`;
    s += table([
      ["batch", `Keras (${r.keras.backend})`, "PyTorch eager", "ratio", ...(compiled ? [`torch.compile (${r.compile_backend})`, "ratio"] : [])],
      ...r.speed.map((x) => [String(x.batch), ms(x.keras), ms(x.eager), x.ratio_eager ? `${x.ratio_eager.toFixed(2)}×` : "—", ...(compiled ? [x.compiled ? ms(x.compiled) : x.compiled_error ? `failed: ${x.compiled_error}` : "—", x.ratio_compiled ? `${x.ratio_compiled.toFixed(2)}×` : "—"] : [])]),
    ]);
  }
  for (const note of r.notes) s += `\nnote: ${note}`;
  if (r.notes.length) s += "\n";
  const failed = [...r.outputs.filter((e) => !e.ok).map((e) => `output ${e.name}`), ...(r.grad && !r.grad.ok ? ["gradients"] : [])];
  s += `\n${r.ok ? "PASS" : "FAIL"}: ${r.ok ? `every output${r.grad ? " and gradient" : ""} within tolerance` : `${failed.join(", ")} out of tolerance`}\n`;
  return s;
}
