// `keras2torch weights`, the TypeScript converter, against the generated Python weights script.
//
// Conformance vectors (test/conformance/vectors/*.json): real Keras-saved files — the shared fixtures
// (real Keras 2.x saves) and files real Keras 3.15.1 saves for a few golden cases (made here, in one
// Python process, by the golden harness with seeded values) — each with its source and the sha256 of
// every output tensor's bytes, as the generated Python weights script writes them. Both converters run
// on every vector; their tensors must match the vector and each other bit for bit (the files too: both
// write safetensors' layout). `UPDATE_CONFORMANCE=1` rewrites the vectors from the Python script's output.
//
// Also: each transform op against numpy (test/conformance/transforms.json, made once by numpy), and
// each kind of bad file, with the exit code and message of both converters.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource, weightsMain } from "../src/cli/weights.js";
import { savedModuleLabel } from "../src/cli/read-input.js";
import { compile, compileSaved } from "../src/compile.js";
import { readSavedModel, type SavedModel } from "../src/frontend/saved-file.js";
import { convertWeights, ConversionError, formatReport, STREAM, streamPlan, type Report } from "../src/weights/convert.js";
import type { TransformJson } from "../src/weights/mapping.js";
import { layout } from "../src/weights/safetensors.js";
import { applyTransforms, transposeColumns } from "../src/weights/transforms.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "bin", "keras2torch.js");
const PYTHON = join(ROOT, ".venv", "bin", "python");
const CONFORMANCE = join(ROOT, "test", "conformance");
const VECTORS = join(CONFORMANCE, "vectors");
const FIXTURES = [resolve(ROOT, "..", "shared", "fixtures", "keras-files"), "/work/shared/fixtures/keras-files"].find((d) => existsSync(d))!;
const UPDATE = process.env.UPDATE_CONFORMANCE === "1";

/** Golden cases whose Keras 3 files are vectors: constants (BatchNorm), reshape (depthwise, attention), permute_rows, GRU gates, drifted names, subclass paths. */
const GOLDEN = ["batchnorm_conv2d", "depthwise_separable", "flatten_dense_nonsquare", "recurrent_layers", "multi_head_attention", "name_drift", "subclass_weight_paths"];
const FORMATS = { keras: "model.keras", weights_h5: "model.weights.h5", h5: "model.h5" } as const;

interface VectorSpec {
  name: string;
  description: string;
  /** `fixtures/<file>` or `golden/<case>/<file>` (made by the test). */
  file: string;
  /** The source: `fixtures/<file>` (its stored architecture), `golden/<case>/src/model.py` or `test/...py`. */
  source: string;
  args?: string[];
}

const SPECS: VectorSpec[] = [
  ...["k2.2.2_lstm_full.h5", "k2.10_bilstm_full.h5", "k2.10_conv1d_bigru_full.h5", "k2.12_conv_autoencoder_full.h5", "tf2.15_conv1d_bn.keras"].map((f) => ({
    name: `fixture_${f.replace(/\.(h5|keras)$/, "").replace(/\./g, "_")}`,
    description: `real ${f}, compiled from the architecture stored in it`,
    file: `fixtures/${f}`,
    source: `fixtures/${f}`,
  })),
  { name: "fixture_k2_2_2_lstm_full_from_source", description: "real k2.2.2_lstm_full.h5 with its architecture written as a .py source", file: "fixtures/k2.2.2_lstm_full.h5", source: "test/fixture-models/k2.2.2_lstm_full.py" },
  { name: "fixture_k2_1_5_cnn_weights_only", description: "real Keras 2.1.5 save_weights file (drifted names conv2d_1, dense_1, dense_2; `:0` suffixes; Flatten→Dense rows permuted)", file: "fixtures/k2.1.5_cnn_weights_only.h5", source: "test/conformance/sources/cnn_weights_only.py" },
  {
    name: "synthetic_stored_dtypes",
    description: "a Keras 3 .weights.h5 written by h5py with float16, float64 and bfloat16 datasets, NaN, ±Inf, float16 subnormals, a float64 beyond float32's range",
    file: "synthetic/dense_dtypes.weights.h5",
    source: "test/conformance/sources/dense_dtypes.py",
  },
  ...GOLDEN.flatMap((c) =>
    Object.entries(FORMATS).map(([fmt, file]) => ({
      name: `golden_${c}_${fmt}`,
      description: `golden case ${c}: its ${file} as real Keras 3.15.1 saves it (golden harness, seeded values)`,
      file: `golden/${c}/${file}`,
      source: `golden/${c}/src/model.py`,
      args: (JSON.parse(readFileSync(join(ROOT, "golden", c, "case.json"), "utf8")) as { cli_args?: string[] }).cli_args ?? [],
    })),
  ),
];

interface Vector {
  description: string;
  file: string;
  source: string;
  args: string[];
  model: string;
  /** Every output tensor: safetensors dtype, shape, sha256 of its bytes. */
  tensors: Record<string, { dtype: string; shape: number[]; sha256: string }>;
}

let work: string;

/** Tensors of a .safetensors file: key → dtype, shape, sha256 of the bytes. */
function tensorsOf(path: string): Vector["tensors"] {
  const data = readFileSync(path);
  const n = Number(data.readBigUInt64LE(0));
  const header = JSON.parse(data.subarray(8, 8 + n).toString("utf8")) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out: Vector["tensors"] = {};
  for (const [key, info] of Object.entries(header)) {
    if (key === "__metadata__") continue;
    const bytes = data.subarray(8 + n + info.data_offsets[0], 8 + n + info.data_offsets[1]);
    out[key] = { dtype: info.dtype, shape: info.shape, sha256: createHash("sha256").update(bytes).digest("hex") };
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const filePath = (ref: string) =>
  ref.startsWith("fixtures/") ? join(FIXTURES, ref.slice(9)) : ref.startsWith("golden/") && !ref.endsWith(".py") ? join(work, "keras-files", ref.slice(7).replace("/", "/keras/")) : ref.startsWith("synthetic/") ? join(work, "keras-files", ref) : join(ROOT, ref);

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: "utf8", timeout: 120_000, env: { ...process.env, NO_COLOR: "1" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `keras2torch weights ARGS` in this process (the CLI's own code, without starting Node again). */
async function weightsCli(...args: string[]) {
  let stderr = "";
  let stdout = "";
  const write = { err: process.stderr.write, out: process.stdout.write };
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  try {
    const status = await weightsMain(args);
    return { status, stdout, stderr };
  } finally {
    process.stderr.write = write.err;
    process.stdout.write = write.out;
  }
}

function python(args: string[]) {
  const r = spawnSync(PYTHON, args, { cwd: ROOT, encoding: "utf8", timeout: 300_000, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "3", KERAS_BACKEND: "tensorflow" } });
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  return r;
}

/** The weights script `convert` writes for each source: one `convert` run over a folder of them all. */
const scripts = new Map<string, string>();
function convertSources(specs: { source: string; args?: string[] }[]): void {
  const todo = [...new Set(specs.map((s) => s.source))].filter((s) => !scripts.has(s));
  if (specs.some((s) => s.args?.length)) throw new Error("a vector with convert arguments needs a convert run of its own");
  if (!todo.length) return;
  const run = `run${scripts.size}`;
  const srcs = join(work, run, "srcs");
  todo.forEach((source, i) => {
    mkdirSync(join(srcs, String(i)), { recursive: true });
    copyFileSync(filePath(source), join(srcs, String(i), basename(source)));
  });
  const out = join(work, run, "out");
  const r = cli("convert", srcs, "-o", out, "-q");
  expect(r.status, r.stderr).toBe(0);
  const manifest = JSON.parse(readFileSync(join(out, "keras2torch.json"), "utf8")) as { files: { input: string; weights_script?: string }[] };
  todo.forEach((source, i) => {
    const file = manifest.files.find((f) => f.input === `${i}/${basename(source)}`)!;
    scripts.set(source, join(out, file.weights_script!));
  });
}
const weightsScript = (spec: { source: string }) => scripts.get(spec.source)!;

interface PyJob {
  script: string;
  args: string[];
}

/** Runs the jobs' weights scripts in one Python process; exit code and stderr of each. */
function runScripts(jobs: PyJob[]): { code: number; stderr: string; stdout: string }[] {
  const jobsPath = join(work, `jobs-${Math.random().toString(36).slice(2)}.json`);
  const resultsPath = jobsPath.replace("jobs-", "results-");
  writeFileSync(jobsPath, JSON.stringify(jobs));
  python([join(CONFORMANCE, "run_weights_scripts.py"), jobsPath, resultsPath]);
  return JSON.parse(readFileSync(resultsPath, "utf8"));
}

async function tsConvert(spec: VectorSpec, output: string, model?: string): Promise<Report> {
  const result = await compileSource(filePath(spec.source), { inputShapes: [], set: {}, ioLayout: "channels-first", entry: undefined });
  const name = model ?? result.weights!.primary;
  return convertWeights({ name, mapping: result.weights!.models[name]!, kerasFile: filePath(spec.file), output });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "k2t-wconv-"));
  // Real Keras 3 saves of the golden cases, and two bad files, in one Python process.
  python([join(CONFORMANCE, "make_keras_files.py"), join(work, "keras-files"), ...GOLDEN]);
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("conformance vectors: the TypeScript converter and the generated Python script give the same tensors", () => {
  const results = new Map<string, { code: number; stderr: string }>();
  beforeAll(() => {
    convertSources(SPECS);
    const jobs = SPECS.map((spec) => ({ script: weightsScript(spec), args: [filePath(spec.file), join(work, `${spec.name}.py.safetensors`)] }));
    runScripts(jobs).forEach((r, i) => results.set(SPECS[i]!.name, r));
  }, 300_000);

  for (const spec of SPECS) {
    it(spec.name, async () => {
      const py = results.get(spec.name)!;
      expect(py.code, py.stderr).toBe(0);
      const pyOut = join(work, `${spec.name}.py.safetensors`);
      const tsOut = join(work, `${spec.name}.ts.safetensors`);
      const report = await tsConvert(spec, tsOut);
      const pyTensors = tensorsOf(pyOut);
      const tsTensors = tensorsOf(tsOut);
      const vectorPath = join(VECTORS, `${spec.name}.json`);
      if (UPDATE) {
        const vector: Vector = { description: spec.description, file: spec.file, source: spec.source, args: spec.args ?? [], model: report.model, tensors: pyTensors };
        writeFileSync(vectorPath, JSON.stringify(vector, null, 1) + "\n");
      }
      const vector = JSON.parse(readFileSync(vectorPath, "utf8")) as Vector;
      expect(report.model).toBe(vector.model);
      expect(pyTensors).toEqual(vector.tensors);
      expect(tsTensors).toEqual(vector.tensors);
      if (spec.name === "synthetic_stored_dtypes") expect(report.warnings.join("\n")).toMatch(/layers\/dense\/vars\/0 \(for `\w+\.weight`\) has non-finite values: 1 \+Inf, 1 -Inf/);
      // Drifted legacy names are matched by order and shape, and said so.
      if (spec.name === "golden_name_drift_h5" || spec.name === "fixture_k2_1_5_cnn_weights_only") expect([...report.strategies.values()].some(([, how]) => how === "order+shape")).toBe(true);
      if (spec.file.endsWith(".keras") || spec.file.endsWith(".weights.h5")) expect(report.rows.every((r) => r.strategy === "path" || r.strategy === "constant")).toBe(true);
      // The same layout too: the files are the same bytes.
      expect(readFileSync(tsOut).equals(readFileSync(pyOut))).toBe(true);
    });
  }

  it("every vector on disk is one of these (none left over)", () => {
    const names = readdirSync(VECTORS).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, "")).sort();
    expect(names).toEqual(SPECS.map((s) => s.name).sort());
  });
});

describe("streamed transposes (blocks of rows written in place) give the same bytes", () => {
  // Small blocks so that the golden cases' Dense kernels take the streaming path, as big ones do: a
  // block of a few rows transposed in pieces of a few output rows, each run written where it lands;
  // and one block per tensor, transposed in small pieces.
  const saved = { ...STREAM };
  afterAll(() => Object.assign(STREAM, saved));
  const settings = [
    { blockBytes: 64, pieceBytes: 4 << 20, minRunElements: 1 },
    { blockBytes: 256, pieceBytes: 64, minRunElements: 1 },
    { blockBytes: 128 << 20, pieceBytes: 64, minRunElements: 1024 },
  ];
  for (const spec of SPECS) {
    it(spec.name, async () => {
      for (const [i, setting] of settings.entries()) {
        Object.assign(STREAM, setting);
        const out = join(work, `${spec.name}.streamed${i}.safetensors`);
        await tsConvert(spec, out);
        expect(tensorsOf(out), JSON.stringify(setting)).toEqual((JSON.parse(readFileSync(join(VECTORS, `${spec.name}.json`), "utf8")) as Vector).tensors);
      }
    });
  }
});

describe("the source is compiled for its mapping only", () => {
  it("gives the mapping `convert` gives, without printing the module or the weights script", async () => {
    for (const source of ["test/conformance/sources/cnn_weights_only.py", "fixtures/k2.10_bilstm_full.h5"]) {
      const result = await compileSource(filePath(source), { inputShapes: [], set: {}, ioLayout: "channels-first", entry: undefined });
      expect(result.files.map((f) => f.text)).toEqual(["", ""]);
      const full = source.endsWith(".py")
        ? compile(readFileSync(filePath(source), "utf8"), { path: basename(source) })
        : compileSaved(((await readSavedModel(filePath(source))) as { saved: SavedModel }).saved, { path: basename(source), modulePath: savedModuleLabel(basename(source)) });
      expect(full.files.every((f) => f.text.length > 0)).toBe(true);
      expect(result.weights).toEqual(full.weights);
      expect(result.diagnostics).toEqual(full.diagnostics);
    }
  });
});

describe("the blocked transpose of a Dense kernel", () => {
  it("is the transpose, a piece of output rows at a time, for any number of rows (strips of 16 and the rest)", () => {
    for (const [rows, cols] of [[1, 1], [16, 3], [17, 5], [40, 33], [5, 64]] as const) {
      const src = Float32Array.from({ length: rows * cols }, (_v, i) => i * 0.5 - 7);
      const want = applyTransforms(src, [rows, cols], [["transpose", [1, 0]]]).data;
      const got = new Float32Array(rows * cols);
      for (let a0 = 0; a0 < cols; a0 += 3) {
        const a1 = Math.min(cols, a0 + 3);
        const piece = new Float32Array((a1 - a0) * rows);
        expect(transposeColumns(src, rows, cols, a0, a1, piece)).toBe(0);
        got.set(piece, a0 * rows);
      }
      expect(got).toEqual(want);
    }
  });

  it("finds NaN and ±Inf as it copies (the sum of x * 0 is NaN)", () => {
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      const src = new Float32Array(17 * 4).fill(1);
      src[16 * 4 + 2] = bad; // in the rows after the last whole strip of 16
      expect(transposeColumns(src, 17, 4, 0, 4, new Float32Array(68))).toBeNaN();
      expect(transposeColumns(src, 17, 4, 0, 2, new Float32Array(34))).toBe(0); // another column
    }
  });

  it("streams transposes and tensors that stay in place; reads conv kernels whole", () => {
    const saved = { ...STREAM };
    try {
      Object.assign(STREAM, { blockBytes: 4 << 20, minRunElements: 1024 });
      expect(streamPlan([8192, 1024], [["transpose", [1, 0]]])).toMatchObject({ blockRows: 1024, inner: 1, outer: 1024 });
      expect(streamPlan([300, 70], [["transpose", [1, 0]]])).toMatchObject({ blockRows: 300 }); // one block
      expect(streamPlan([8192, 1024], [])).toMatchObject({ blockRows: 1024, outer: 1 });
      expect(streamPlan([3, 3, 512, 512], [["transpose", [3, 2, 0, 1]]])).toBeNull(); // runs of 3 elements
      expect(streamPlan([24, 5], [["permute_rows", [2, 3, 4], [2, 0, 1]]])).toBeNull();
      expect(streamPlan([], [])).toBeNull();
    } finally {
      Object.assign(STREAM, saved);
    }
  });
});

describe("keras2torch weights on the command line", () => {
  it("converts, prints the strategy that matched each legacy layer with --verbose, and leaves no temporary file", () => {
    const out = join(work, "cli");
    mkdirSync(out, { recursive: true });
    const r = cli("weights", join(FIXTURES, "k2.1.5_cnn_weights_only.h5"), "--source", join(CONFORMANCE, "sources", "cnn_weights_only.py"), "-o", join(out, "cnn.safetensors"), "--verbose");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("legacy layer matching:");
    expect(r.stdout).toMatch(/conv2d\s+<- conv2d_1\s+\[order\+shape\]/);
    expect(r.stdout).toMatch(/dense_1\s+<- dense_2\s+\[order\+shape\]/);
    expect(r.stdout).toContain("permute_rows((13, 13, 32), (2, 0, 1)) then transpose((1, 0))");
    expect(r.stdout).toContain("wrote 6 tensors of");
    expect(readdirSync(out)).toEqual(["cnn.safetensors"]);
    expect(tensorsOf(join(out, "cnn.safetensors"))).toEqual((JSON.parse(readFileSync(join(VECTORS, "fixture_k2_1_5_cnn_weights_only.json"), "utf8")) as Vector).tensors);
  });

  it("takes the architecture from KERAS_FILE itself when --source is left out", () => {
    const r = cli("weights", join(FIXTURES, "k2.12_conv_autoencoder_full.h5"), "-o", join(work, "auto.safetensors"));
    expect(r.status, r.stderr).toBe(0);
    expect(tensorsOf(join(work, "auto.safetensors"))).toEqual((JSON.parse(readFileSync(join(VECTORS, "fixture_k2_12_conv_autoencoder_full.json"), "utf8")) as Vector).tensors);
  });

  it("refuses usage errors with exit code 2", async () => {
    expect((await weightsCli()).status).toBe(2);
    expect((await weightsCli(join(FIXTURES, "k2.2.2_lstm_full.h5"))).stderr).toContain("-o OUT.safetensors");
    const pt = await weightsCli(join(FIXTURES, "k2.2.2_lstm_full.h5"), "-o", join(work, "x.pt"));
    expect(pt.status).toBe(2);
    expect(pt.stderr).toContain("must end in .safetensors");
    const model = await weightsCli(join(FIXTURES, "k2.2.2_lstm_full.h5"), "-o", join(work, "x.safetensors"), "--model", "Nope");
    expect(model.status).toBe(2);
    expect(model.stderr).toContain("unknown model `Nope`");
    expect((await weightsCli("--help")).stdout).toContain("Usage: keras2torch weights");
    expect(cli("--help").stdout).toContain("keras2torch weights KERAS_FILE --source SRC");
  });
});

describe("bad files: a clear error naming the file, the weights script's exit code, nothing written", () => {
  interface Bad {
    name: string;
    make: () => string;
    source: string;
    code: number;
    message: RegExp;
  }
  const cnnSource = "test/conformance/sources/cnn_weights_only.py";
  const bad = (n: string) => join(work, "bad", n);
  const BAD: Bad[] = [
    {
      name: "truncated HDF5",
      make: () => {
        const data = readFileSync(join(FIXTURES, "k2.10_bilstm_full.h5"));
        writeFileSync(bad("truncated.h5"), data.subarray(0, Math.floor(data.length * 0.6)));
        return bad("truncated.h5");
      },
      source: "fixtures/k2.10_bilstm_full.h5",
      code: 2,
      message: /truncated\.h5: damaged HDF5 file: .*truncated/,
    },
    {
      name: "corrupt HDF5 (superblock overwritten)",
      make: () => {
        const data = Buffer.from(readFileSync(join(FIXTURES, "k2.1.5_cnn_weights_only.h5")));
        data.fill(0xff, 8, 96);
        writeFileSync(bad("corrupt.h5"), data);
        return bad("corrupt.h5");
      },
      source: cnnSource,
      code: 2,
      message: /corrupt\.h5: damaged HDF5 file: /,
    },
    {
      name: "a zip without model.weights.h5",
      make: () => join(work, "keras-files", "bad", "no_weights.keras"),
      source: cnnSource,
      code: 2,
      message: /no_weights\.keras: a zip file without model\.weights\.h5, not a \.keras model/,
    },
    {
      name: "a .keras whose model.weights.h5 fails its CRC-32",
      make: () => {
        const data = Buffer.from(readFileSync(join(FIXTURES, "tf2.15_conv1d_bn.keras")));
        const at = Math.floor(data.length / 2);
        data[at] = data[at]! ^ 0x40;
        writeFileSync(bad("crc.keras"), data);
        return bad("crc.keras");
      },
      source: "fixtures/tf2.15_conv1d_bn.keras",
      code: 2,
      message: /crc\.keras: damaged zip file: .*(CRC|crc|invalid)/,
    },
    {
      name: "a weights file for a different model",
      make: () => join(FIXTURES, "k2.1.5_cnn_weights_only.h5"),
      source: "fixtures/k2.2.2_lstm_full.h5",
      code: 1,
      message: /k2\.1\.5_cnn_weights_only\.h5: cannot build the state_dict of `K222LstmFull` \(\d+ problem\(s\)\):\n {2}- legacy layer name\(s\) `lstm_3`, `dense_3` not found in the file \(file layers with weights: conv2d_1, dense_1, dense_2\), and matching by order and shape failed:\n {2}- {3}cannot match by order: 2 expected layer\(s\)/,
    },
    {
      name: "a Keras 3 file for a different model (every missing and unexpected tensor listed)",
      make: () => join(work, "keras-files", "batchnorm_conv2d", "keras", "model.weights.h5"),
      source: "golden/depthwise_separable/src/model.py",
      code: 1,
      message: /model\.weights\.h5: cannot build the state_dict of `\w+` \(\d+ problem\(s\)\):(\n {2}- (missing|unexpected|mis-shaped): .*)+\n$/,
    },
    {
      name: "a global heap entry that would hang HDF5 (index 0, size 0)",
      make: () => {
        const data = Buffer.from(readFileSync(join(work, "keras-files", "batchnorm_conv2d", "keras", "model.weights.h5")));
        const at = data.indexOf("GCOL");
        expect(at).toBeGreaterThanOrEqual(0);
        data.fill(0, at + 16, at + 32);
        writeFileSync(bad("heap.weights.h5"), data);
        return bad("heap.weights.h5");
      },
      source: "golden/batchnorm_conv2d/src/model.py",
      code: 2,
      message: /heap\.weights\.h5: damaged HDF5 file: the global heap collection at byte \d+ has an empty entry at byte \d+, which would make the HDF5 library loop forever/,
    },
    {
      name: "a file that is not a Keras file at all",
      make: () => {
        writeFileSync(bad("notes.h5"), "these are not weights\n");
        return bad("notes.h5");
      },
      source: cnnSource,
      code: 2,
      message: /notes\.h5: not an HDF5 or \.keras file/,
    },
    {
      name: "an HDF5 file that is not a Keras weights file",
      make: () => join(work, "keras-files", "bad", "not_keras.h5"),
      source: cnnSource,
      code: 2,
      message: /not_keras\.h5: HDF5 file with neither a `layer_names` attribute \(legacy Keras\) nor a `layers`\/`vars` group \(Keras 3\); not a Keras weights file/,
    },
    {
      name: "an empty file",
      make: () => {
        writeFileSync(bad("empty.keras"), "");
        return bad("empty.keras");
      },
      source: cnnSource,
      code: 2,
      message: /empty\.keras: is empty \(0 bytes\)/,
    },
  ];

  const files = new Map<string, string>();
  const py = new Map<string, { code: number; stderr: string }>();
  beforeAll(() => {
    mkdirSync(join(work, "bad"), { recursive: true });
    for (const b of BAD) files.set(b.name, b.make());
    convertSources(BAD);
    const jobs = BAD.map((b, i) => ({ script: weightsScript(b), args: [files.get(b.name)!, join(work, "bad-out", `py${i}.safetensors`)] }));
    mkdirSync(join(work, "bad-out"), { recursive: true });
    runScripts(jobs).forEach((r, i) => py.set(BAD[i]!.name, r));
  }, 300_000);

  BAD.forEach((b, i) => {
    it(b.name, async () => {
      const out = join(work, "bad-out", `ts${i}.safetensors`);
      const source = filePath(b.source);
      const r = await weightsCli( files.get(b.name)!, "--source", source, "-o", out);
      expect(r.stderr).toMatch(b.message);
      expect(r.stderr).toMatch(/^keras2torch weights: error: /);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.status).toBe(b.code);
      // The Python script agrees on the exit code.
      expect(py.get(b.name)!.code, py.get(b.name)!.stderr).toBe(b.code);
      // Nothing written, no temporary file left.
      expect(readdirSync(join(work, "bad-out")).filter((f) => f.startsWith(`ts${i}`) || f.startsWith(`.ts${i}`))).toEqual([]);
    });
  });
});

describe("transforms: numpy's semantics (vectors made once by numpy)", () => {
  const cases = (JSON.parse(readFileSync(join(CONFORMANCE, "transforms.json"), "utf8")) as { cases: { name: string; shape: number[]; transforms: TransformJson[]; out_shape?: number[]; out?: number[]; error?: string }[] }).cases;
  for (const c of cases) {
    it(c.name, () => {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const input = Float32Array.from({ length: n }, (_v, i) => i * 0.5 - 3);
      if (c.error) {
        expect(() => applyTransforms(input, c.shape, c.transforms)).toThrow(c.error);
        return;
      }
      const { data, shape } = applyTransforms(input, c.shape, c.transforms);
      expect(shape).toEqual(c.out_shape);
      expect([...data]).toEqual(c.out);
    });
  }
});

describe("safetensors layout", () => {
  it("sorts I64 before F32, then by name, and pads the header with spaces to 8 bytes", () => {
    const { header, entries } = layout([
      { key: "b.w", dtype: "F32", shape: [3] },
      { key: "a.num", dtype: "I64", shape: [] },
      { key: "z", dtype: "F32", shape: [2, 2] },
      { key: "a", dtype: "F32", shape: [0] },
    ]);
    // What Python's safetensors 0.x save_file writes for these tensors (metadata {"format": "pt"}).
    const json = '{"__metadata__":{"format":"pt"},"a.num":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[0],"data_offsets":[8,8]},"b.w":{"dtype":"F32","shape":[3],"data_offsets":[8,20]},"z":{"dtype":"F32","shape":[2,2],"data_offsets":[20,36]}}  ';
    expect(Number(header.readBigUInt64LE(0))).toBe(256);
    expect(header.subarray(8).toString()).toBe(json);
    expect(entries.map((e) => e.key)).toEqual(["a.num", "a", "b.w", "z"]);
  });
});

describe("in-process errors are ConversionErrors", () => {
  it("a missing file", async () => {
    const spec: VectorSpec = { name: "x", description: "", file: "test/conformance/does-not-exist.h5", source: "test/conformance/sources/cnn_weights_only.py" };
    await expect(tsConvert(spec, join(work, "missing.safetensors"))).rejects.toThrow(ConversionError);
  });
  it("formatReport prints one row per tensor", async () => {
    const spec = SPECS.find((s) => s.name === "fixture_k2_2_2_lstm_full")!;
    const report = await tsConvert(spec, join(work, "r.safetensors"));
    const text = formatReport(report);
    expect(text.split("\n").filter((l) => l.includes("lstm_3[")).length).toBe(3);
  });
});
