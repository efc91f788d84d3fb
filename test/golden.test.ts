// Golden end-to-end tests: real Keras is the reference, the real CLI compiles, real PyTorch loads the
// weights, and the exported ONNX runs in onnxruntime-node. See DESIGN.md "Golden tests through ONNX".
//
// `npm test` builds dist/ and creates .venv (scripts/ensure-venv.mjs) first. A missing venv or dist/
// fails every case; nothing is skipped. UPDATE_GOLDEN=1 rewrites golden/<case>/expected/ from the output.

import { existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CLI,
  DEFAULT_TOLERANCE,
  GOLDEN_DIR,
  HARNESS_DIR,
  LOG_DIR,
  REPO_ROOT,
  WORK_DIR,
  caseWorkDir,
  checkSnapshot,
  compareArrays,
  discoverCases,
  indicesFromVocabulary,
  AsyncQueue,
  ortType,
  pythonEnv,
  readBin,
  readCase,
  readJsonIfExists,
  referenceCaseDone,
  runProcess,
  startProcess,
  tail,
  transpose,
  venvDir,
  venvPython,
  type CaseSpec,
  type Manifest,
  type ManifestModel,
  type ProcResult,
  type ReferenceJson,
  type TorchResultJson,
} from "./golden-util.js";

// GOLDEN_CASES=a,b (or a prefix ending in `*`) runs only those cases while developing; `npm test` runs all.
const FILTER = process.env.GOLDEN_CASES?.split(",").map((f) => f.trim()).filter(Boolean);
const CASES = discoverCases().filter((c) => !FILTER || FILTER.some((f) => (f.endsWith("*") ? c.startsWith(f.slice(0, -1)) : c === f)));
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const FORMATS = ["keras", "weights_h5", "h5"] as const;
// CI allows 90 minutes for the whole `.ci/run`; the golden pipeline takes about 15 of them on an idle
// machine of this kind and was seen over 30 on a loaded one.
const HOOK_TIMEOUT_MS = 65 * 60_000;
const PYTHON_STAGE_TIMEOUT_MS = 60 * 60_000;
const CLI_TIMEOUT_MS = 5 * 60_000;
const CLI_CONCURRENCY = 2;

interface PipelineState {
  setupErrors: string[];
  reference?: ProcResult;
  torch?: ProcResult;
  cli: Map<string, ProcResult>;
}

const state: PipelineState = { setupErrors: [], cli: new Map() };
/** Case name → whether every check of the case passed (filled by the per-case tests). */
const casePassed = new Map<string, boolean>();

function rel(p: string): string {
  const r = path.relative(REPO_ROOT, p);
  return r.startsWith("..") || path.isAbsolute(r) ? p : r.split(path.sep).join("/");
}

beforeAll(async () => {
  if (CASES.length === 0) return;
  const t0 = Date.now();
  for (const f of ["dist/cli/main.js", "dist/index.js"]) {
    if (!existsSync(path.join(REPO_ROOT, f))) {
      state.setupErrors.push(`${f} is missing: build first (npm run build; npm test does it)`);
    }
  }
  if (!existsSync(venvPython())) {
    state.setupErrors.push(
      `Python venv missing: ${rel(venvPython())} does not exist. Create it with ` +
        `\`node scripts/ensure-venv.mjs\` (npm test runs it); it installs scripts/python-requirements.txt into ${rel(venvDir())}/.`,
    );
  }
  if (state.setupErrors.length) return;

  mkdirSync(WORK_DIR, { recursive: true });
  for (const name of CASES) {
    rmSync(path.join(caseWorkDir(name), "out"), { recursive: true, force: true });
    rmSync(path.join(caseWorkDir(name), "torch"), { recursive: true, force: true });
  }

  // Three stages, pipelined. The Keras reference (one Python process) and the CLI runs do not depend on
  // each other; the torch stage (one Python process) takes a case as soon as both are done with it, so
  // it runs while the reference is still working on later cases.
  const torchStage = startProcess(
    venvPython(),
    [path.join(HARNESS_DIR, "torch_stage.py"), "--golden", GOLDEN_DIR, "--work", WORK_DIR, "--cases-from-stdin"],
    { env: pythonEnv(), timeoutMs: PYTHON_STAGE_TIMEOUT_MS, logFile: path.join(LOG_DIR, "torch_stage.log") },
  );
  const referenceDone = new Set<string>();
  const cliDone = new Set<string>();
  // Called after each of the two sets gains the case (each gains it once): the second call sends it.
  const sendIfReady = (name: string) => {
    if (referenceDone.has(name) && cliDone.has(name)) torchStage.writeLine(name);
  };

  // A case with `compile_from` compiles the file real Keras saved from its source (keras/model.keras or
  // keras/model.h5), and one whose CLI arguments name such a file (`--weights`) reads it: their CLI
  // runs wait for the reference to finish that case.
  const savedFrom = (name: string): boolean => {
    try {
      const spec = readCase(name);
      return spec.compile_from !== undefined || (spec.cli_args ?? []).some((a) => a.startsWith("golden/.work/"));
    } catch {
      return false;
    }
  };
  const cliRun = async (name: string) => {
    let args: string[];
    let input: string;
    try {
      const spec = readCase(name);
      args = spec.cli_args ?? [];
      input = spec.compile_from ? `golden/.work/${name}/keras/model.${spec.compile_from}` : `golden/${name}/src`;
    } catch (e) {
      state.cli.set(name, { code: null, signal: null, stdout: "", stderr: "", ms: 0, error: `case.json: ${String(e)}` });
      return;
    }
    const r = await runProcess(
      process.execPath,
      [CLI, "convert", input, "-o", `golden/.work/${name}/out`, ...args],
      { cwd: REPO_ROOT, timeoutMs: CLI_TIMEOUT_MS, logFile: path.join(LOG_DIR, `cli-${name}.log`) },
    );
    state.cli.set(name, r);
  };
  const cliQueue = new AsyncQueue<string>(CLI_CONCURRENCY, async (name) => {
    try {
      await cliRun(name);
    } finally {
      cliDone.add(name);
      sendIfReady(name);
    }
  });
  for (const name of CASES) if (!savedFrom(name)) cliQueue.push(name);

  const onReferenceDone = (name: string) => {
    if (referenceDone.has(name)) return;
    referenceDone.add(name);
    if (savedFrom(name)) cliQueue.push(name);
    sendIfReady(name);
  };
  state.reference = await runProcess(
    venvPython(),
    [path.join(HARNESS_DIR, "reference.py"), "--golden", GOLDEN_DIR, "--work", WORK_DIR, ...CASES],
    {
      env: pythonEnv(),
      timeoutMs: PYTHON_STAGE_TIMEOUT_MS,
      logFile: path.join(LOG_DIR, "reference.log"),
      onStdoutLine: (line) => {
        const name = referenceCaseDone(line, CASES);
        if (name) onReferenceDone(name);
      },
    },
  );
  // A reference that stopped early leaves cases unreported: they go on without reference.json, and
  // their tests report the reference's failure.
  for (const name of CASES) onReferenceDone(name);
  await cliQueue.idle();
  const tRef = Date.now();
  torchStage.endInput();
  state.torch = await torchStage.done;
  console.log(
    `golden: ${CASES.length} case(s); reference + CLI ${((tRef - t0) / 1000).toFixed(1)} s ` +
      `(reference exit ${state.reference.code}), torch stage (overlapping them) ${(state.torch.ms / 1000).toFixed(1)} s ` +
      `(exit ${state.torch.code}); logs in ${rel(LOG_DIR)}/`,
  );
}, HOOK_TIMEOUT_MS);

function stageFailure(what: string, r: ProcResult | undefined): string {
  if (!r) return `${what} did not run`;
  const how = r.timedOut ? "timed out" : r.error ? `could not start (${r.error})` : `exited ${r.code ?? r.signal}`;
  return `${what} ${how}; stderr:\n${tail(r.stderr || r.stdout)}`;
}

/**
 * ONNX Runtime's basic-level PadFusion folds a zero `Pad` into a following `MaxPool`'s pads and then
 * rejects its own result ("Pad should be smaller than kernel"); the model itself is valid. Only for
 * that error, run the model as exported, with graph optimizations off.
 */
async function openSession(file: string, spec: CaseSpec): Promise<ort.InferenceSession> {
  if (spec.onnx_runtime_optimizations === false) return ort.InferenceSession.create(file, { graphOptimizationLevel: "disabled" });
  try {
    return await ort.InferenceSession.create(file);
  } catch (error) {
    if (!/Pad should be smaller than kernel/.test(String(error))) throw error;
    return ort.InferenceSession.create(file, { graphOptimizationLevel: "disabled" });
  }
}

async function checkOnnx(
  name: string,
  spec: CaseSpec,
  ref: ReferenceJson,
  model: ManifestModel,
  tr: TorchResultJson,
): Promise<string[]> {
  const problems: string[] = [];
  const w = caseWorkDir(name);
  const tol = spec.tolerance ?? DEFAULT_TOLERANCE;
  const refInputs = ref.inputs ?? [];
  const refOutputs = ref.outputs ?? [];
  const session = await openSession(path.join(w, "torch", tr.onnx.file!), spec);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [pos, inputName] of session.inputNames.entries()) {
      const idx = tr.onnx.inputs.find((i) => i.name === inputName)?.input_index ?? pos;
      const ri = refInputs[idx];
      const mi = model.inputs[idx];
      if (!ri || !mi) {
        problems.push(`onnxruntime: ONNX input ${inputName} has no Keras input / manifest entry #${idx}`);
        continue;
      }
      const t = transpose(readBin(path.join(w, ri.file), ri.dtype, ri.shape), ri.shape, mi.permute);
      feeds[inputName] = new ort.Tensor(ortType(ri.dtype) as "float32", t.data as Float32Array, t.shape);
    }
    if (problems.length) return problems;
    const results = await session.run(feeds);
    const covered = new Set<number>();
    for (const o of tr.onnx.outputs) {
      const got = results[o.name];
      const ro = refOutputs[o.keras_index];
      const mo = model.outputs[o.manifest_index];
      if (!got || !ro || !mo) {
        problems.push(`onnxruntime: output ${o.name} missing (session outputs: ${session.outputNames.join(", ")})`);
        continue;
      }
      covered.add(o.keras_index);
      const expected = transpose(readBin(path.join(w, ro.file), ro.dtype, ro.shape), ro.shape, mo.permute);
      const dims = got.dims.map(Number);
      if (dims.join(",") !== expected.shape.join(",")) {
        problems.push(
          `onnxruntime: output ${ro.name} has shape [${dims}], Keras [${ro.shape}] permuted by [${mo.permute}] is [${expected.shape}]`,
        );
        continue;
      }
      const cmp = compareArrays(got.data as ArrayLike<number | bigint>, expected.data as ArrayLike<number | bigint>);
      if (!(cmp.scaled <= tol)) {
        problems.push(
          `onnxruntime: output ${ro.name} differs from Keras: max |Δ| ${cmp.maxAbs.toExponential(3)}, scaled ` +
            `${cmp.scaled.toExponential(3)} > tolerance ${tol} (exporter ${tr.onnx.exporter})`,
        );
      }
    }
    for (let i = 0; i < refOutputs.length; i++) {
      if (!covered.has(i)) problems.push(`onnxruntime: Keras output ${refOutputs[i]!.name} is not an ONNX output`);
    }
  } finally {
    await session.release();
  }
  return problems;
}

function checkVocabulary(w: string, outDir: string, ref: ReferenceJson, model: ManifestModel): string[] {
  const problems: string[] = [];
  for (const [i, ri] of (ref.inputs ?? []).entries()) {
    const mi = model.inputs[i];
    if (!ri.strings_file) continue;
    if (!mi?.boundary) {
      problems.push(`manifest: input ${i} takes strings in Keras but has no \`boundary\` entry`);
      continue;
    }
    const vocab = readJsonIfExists<{ models: Record<string, Record<string, { class: string; vocabulary: (string | number | null)[] | null; settings: Record<string, unknown> }>> }>(path.join(outDir, mi.boundary.vocabulary));
    const entry = vocab?.models[model.class]?.[mi.name];
    if (!entry) {
      problems.push(`vocabulary: ${mi.boundary.vocabulary} has no entry for ${model.class}.${mi.name}`);
      continue;
    }
    // An adapted layer's vocabulary comes from the .keras file, through the weights script.
    if (entry.vocabulary === null && "saved_asset" in entry) {
      const extracted = readJsonIfExists<{ models: Record<string, Record<string, { vocabulary: string[] }>> }>(path.join(w, "torch", "keras_vocab.json"));
      const list = extracted?.models[model.class]?.[mi.name]?.vocabulary;
      if (!list) {
        problems.push(`vocabulary: the weights script wrote no vocabulary of ${model.class}.${mi.name} from the .keras file (torch/keras_vocab.json)`);
        continue;
      }
      entry.vocabulary = list;
    }
    const strings = (readJsonIfExists<unknown[]>(path.join(w, ri.strings_file)) ?? []).flat(Infinity) as string[];
    const mapped = indicesFromVocabulary(entry, strings);
    if (!mapped) continue;
    const keras = Array.from(readBin(path.join(w, ri.file), ri.dtype, ri.shape) as ArrayLike<number | bigint>, Number);
    const wrong = mapped.findIndex((v, k) => v !== keras[k]);
    if (mapped.length !== keras.length || wrong >= 0) {
      problems.push(`vocabulary: ${mi.boundary.vocabulary} maps ${JSON.stringify(strings[wrong])} to ${mapped[wrong]}, Keras' ${entry.class} to ${keras[wrong]}`);
    }
  }
  return problems;
}

async function checkCase(name: string): Promise<string[]> {
  if (state.setupErrors.length) return [...state.setupErrors];
  const problems: string[] = [];
  const w = caseWorkDir(name);
  const outDir = path.join(w, "out");
  const spec = readCase(name);
  const tol = spec.tolerance ?? DEFAULT_TOLERANCE;

  // 1. The Keras reference.
  const ref = readJsonIfExists<ReferenceJson>(path.join(w, "reference.json"));
  if (!ref) problems.push(`reference: no reference.json. ${stageFailure("reference.py", state.reference)}`);
  else if (!ref.ok) problems.push(`reference (real Keras) failed: ${ref.error}\n${tail(ref.traceback ?? "", 2000)}`);

  // 2. The CLI and its manifest.
  const cli = state.cli.get(name);
  if (!cli || cli.code !== 0) {
    problems.push(
      `CLI: \`keras2torch convert ${spec.compile_from ? `golden/.work/${name}/keras/model.${spec.compile_from}` : `golden/${name}/src`} -o golden/.work/${name}/out\` ` +
        (cli ? (cli.timedOut ? "timed out" : cli.error ? `could not run: ${cli.error}` : `exited ${cli.code ?? cli.signal}`) : "did not run") +
        (cli ? `\n${tail(`${cli.stdout}\n${cli.stderr}`.trim(), 3000)}` : ""),
    );
  }
  let model: ManifestModel | undefined;
  const manifest = readJsonIfExists<Manifest>(path.join(outDir, "keras2torch.json"));
  if (!manifest) problems.push("CLI wrote no keras2torch.json");
  else {
    // A case compiled from a saved file (compile_from) has input model.keras / model.h5 and module model.py.
    const entries = manifest.files.filter((f) => f.input === spec.module || f.module === spec.module);
    if (entries.length !== 1) {
      problems.push(`manifest: ${entries.length} file entries for input ${spec.module} (expected 1)`);
    } else {
      const primaries = (entries[0]!.models ?? []).filter((m) => m.primary);
      if (primaries.length !== 1) problems.push(`manifest: ${primaries.length} primary models for ${spec.module} (expected exactly 1)`);
      else model = primaries[0];
    }
  }

  // 2b. The string boundary: the vocabulary file maps the strings Keras got to the indices the module takes.
  if (ref?.ok && model) problems.push(...checkVocabulary(w, outDir, ref, model));

  // 3. Loading each Keras file into the generated module (eager PyTorch), and the ONNX export.
  const tr = readJsonIfExists<TorchResultJson>(path.join(w, "torch", "result.json"));
  if (!tr) problems.push(`torch stage: no result.json. ${stageFailure("torch_stage.py", state.torch)}`);
  else {
    const before = problems.length;
    for (const fmt of FORMATS) {
      const f = tr.formats[fmt];
      if (!f) {
        problems.push(`${fmt}: no result`);
        continue;
      }
      if (!f.ok) {
        if (f.error !== "not run") problems.push(`${fmt} weights → PyTorch: ${f.error}`);
        continue;
      }
      if (ref?.outputs && f.outputs.length !== ref.outputs.length) {
        problems.push(`${fmt}: compared ${f.outputs.length} outputs, Keras has ${ref.outputs.length}`);
      }
      for (const o of f.outputs) {
        if (o.scaled === null || !(o.scaled <= tol)) {
          problems.push(
            `${fmt} weights, eager PyTorch: output ${o.name} differs from Keras: max |Δ| ${o.max_abs}, scaled ${o.scaled} > tolerance ${tol}`,
          );
        }
      }
    }
    if (tr.onnx.error && tr.onnx.error !== "not run") problems.push(`ONNX export failed: ${tr.onnx.error}`);
    if (problems.length === before && !tr.ok) problems.push(`torch stage: ${tr.error}`);
  }

  // 4. onnxruntime-node on the exported model.
  if (ref?.ok && model && tr && !tr.onnx.error && tr.onnx.file) {
    try {
      problems.push(...(await checkOnnx(name, spec, ref, model, tr)));
    } catch (e) {
      problems.push(`onnxruntime: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else if (tr && !tr.onnx.file) {
    problems.push("onnxruntime: no model.onnx to run");
  }

  // 5. The generated files against the reviewed snapshot.
  if (!existsSync(outDir)) problems.push(`snapshot: the CLI wrote no ${rel(outDir)}/`);
  else problems.push(...checkSnapshot(outDir, path.join(GOLDEN_DIR, name, "expected"), UPDATE).map((p) => `snapshot: ${p}`));

  return problems;
}

describe("golden cases", () => {
  it("has golden cases", () => {
    expect(CASES.length, "no folder with a case.json in golden/").toBeGreaterThan(0);
  });

  it.each(CASES)("%s", async (name) => {
    let problems: string[];
    try {
      problems = await checkCase(name);
    } catch (e) {
      problems = [`harness error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`];
    }
    casePassed.set(name, problems.length === 0);
    if (problems.length) expect.fail(`golden case ${name}:\n- ${problems.join("\n- ")}`);
  });

  // Coverage is a property of the whole suite, so it is checked when every case runs.
  it.runIf(!FILTER)("every registered rule is used by at least one case", async () => {
    expect(state.setupErrors).toEqual([]);
    const index = path.join(REPO_ROOT, "dist", "index.js");
    const mod = (await import(pathToFileURL(index).href)) as {
      listRules?: () => { name: string; kerasClasses: string[] }[];
    };
    expect(typeof mod.listRules, "dist/index.js must export listRules()").toBe("function");
    const rules = mod.listRules!();
    expect(rules.length, "listRules() returned no rules").toBeGreaterThan(0);

    const usedByPassing = new Set<string>();
    const usedAnywhere = new Set<string>();
    for (const name of CASES) {
      const manifest = readJsonIfExists<Manifest>(path.join(caseWorkDir(name), "out", "keras2torch.json"));
      for (const file of manifest?.files ?? []) {
        for (const m of file.models ?? []) {
          for (const cls of m.keras_classes ?? []) {
            usedAnywhere.add(cls);
            if (casePassed.get(name) === true) usedByPassing.add(cls);
          }
        }
      }
    }
    const uncovered = rules.flatMap((r) =>
      r.kerasClasses
        .filter((c) => !usedByPassing.has(c))
        .map((c) => `${r.name}: ${c}${usedAnywhere.has(c) ? " (used only by failing cases)" : " (no case uses it)"}`),
    );
    expect(uncovered, "Keras classes of registered rules that no passing golden case uses").toEqual([]);
  });
});
