// `keras2torch verify`, run as a user runs it (`node bin/keras2torch.js verify ...`) against the pinned
// venv's real Keras and PyTorch, on the bundled example model (examples/mnist_cnn.py) with weights that
// Keras saved here. Few batch sizes and repeats keep it fast; each verify run is two Python processes.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pythonEnv, venvPython } from "./golden-util.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "bin", "keras2torch.js");
const EXAMPLE = join(ROOT, "examples", "mnist_cnn.py");
const SOURCE = readFileSync(EXAMPLE, "utf8").split("\n");
const lineOf = (text: string) => SOURCE.findIndex((l) => l.includes(text)) + 1;

let work = "";
let weights = "";

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function verify(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, "verify", EXAMPLE, "--weights", weights, "--python", venvPython(), ...args], {
      cwd: work,
      env: { ...pythonEnv(), NO_COLOR: "1", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
}

const json = (run: Run) => {
  expect(run.stdout, run.stderr).toMatch(/^\{/);
  return JSON.parse(run.stdout);
};

beforeAll(() => {
  const python = venvPython();
  // A missing venv fails the tests, never skips them.
  expect(existsSync(python), `${python} is missing; run \`node scripts/ensure-venv.mjs\``).toBe(true);
  work = mkdtempSync(join(tmpdir(), "k2t-verify-test-"));
  weights = join(work, "trained.keras");
  // "Trained" weights: the example's model with seeded random values, saved by Keras itself.
  const script = `import runpy, sys
import numpy as np
scope = runpy.run_path(sys.argv[1], run_name="make_weights")
model = scope["model"]
rng = np.random.default_rng(7)
model.set_weights([(rng.standard_normal(w.shape) * 0.1).astype("float32") for w in model.get_weights()])
model.save(sys.argv[2])
`;
  writeFileSync(join(work, "make_weights.py"), script);
  const run = spawnSync(python, [join(work, "make_weights.py"), EXAMPLE, weights], { encoding: "utf8", env: pythonEnv(), timeout: 120_000 });
  expect(run.status, run.stderr.slice(-3000)).toBe(0);
  // One converted folder, copied and broken on purpose by the tests below.
  const convert = spawnSync(process.execPath, [BIN, "convert", EXAMPLE, "-o", join(work, "out"), "-q"], { encoding: "utf8" });
  expect(convert.status, convert.stderr).toBe(0);
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("keras2torch verify", () => {
  it("passes a correct conversion, with gradients, readiness and speed for two batch sizes", async () => {
    const run = await verify(["--batch", "1,4", "--warmup", "1", "--repeats", "3", "--grad", "--compile-backend", "eager", "--json"]);
    expect(run.status, run.stderr).toBe(0);
    const report = json(run);
    expect(report.ok).toBe(true);
    expect(report.keras.backend).toBe("tensorflow");
    expect(report.inputs).toEqual([[4, 28, 28, 1]]);
    expect(report.outputs).toHaveLength(1);
    expect(report.outputs[0]).toMatchObject({ name: "dense", keras_shape: [4, 10], torch_shape: [4, 10], ok: true });
    expect(report.outputs[0].max_abs).toBeLessThan(1e-5);
    // Every layer is paired and agrees; nothing drifts.
    expect(report.layers.map((l: { name: string }) => l.name)).toEqual(["conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "flatten", "dropout", "dense"]);
    expect(report.layers.every((l: { ok: boolean }) => l.ok)).toBe(true);
    expect(report.first_drift).toBeNull();
    // Gradients of every weight, paired through the mapping.
    expect(report.grad.ok).toBe(true);
    expect(report.grad.tensors.map((t: { key: string }) => t.key)).toEqual(["conv2d.weight", "conv2d.bias", "conv2d_1.weight", "conv2d_1.bias", "dense.weight", "dense.bias"]);
    expect(report.readiness.compile_fullgraph.ok).toBe(true);
    expect(report.readiness.export.ok).toBe(true);
    // Speed: both batch sizes, each side, median and spread, and the ratio.
    expect(report.speed.map((s: { batch: number }) => s.batch)).toEqual([1, 4]);
    for (const row of report.speed) {
      for (const side of [row.keras, row.eager, row.compiled]) {
        expect(side.repeats).toBe(3);
        expect(side.median_ms).toBeGreaterThan(0);
        expect(side.p25_ms).toBeLessThanOrEqual(side.p75_ms);
      }
      expect(row.ratio_eager).toBeCloseTo(row.keras.median_ms / row.eager.median_ms, 6);
    }
  });

  it("names the layer whose weight was corrupted as the first drifting one, with its lines in both files", async () => {
    const out = join(work, "corrupt");
    cpSync(join(work, "out"), out, { recursive: true });
    // The second conv's kernel loses its (kh, kw) order: a plausible mapping bug in one layer.
    const script = join(out, "mnist_cnn_weights.py");
    const text = readFileSync(script, "utf8");
    const broken = text.replace(/("conv2d_1\.weight", [^\n]*\("transpose", )\(3, 2, 0, 1\)/, "$1(3, 2, 1, 0)");
    expect(broken).not.toBe(text);
    writeFileSync(script, broken);
    const run = await verify(["-o", out, "--reuse", "--batch", "2", "--no-speed", "--no-toolchain"]);
    expect(run.status, run.stderr).toBe(1);
    const generated = readFileSync(join(out, "mnist_cnn.py"), "utf8").split("\n");
    const moduleLine = generated.findIndex((l) => l.includes("x = F.relu(self.conv2d_1(x))")) + 1;
    const sourceLine = lineOf("layers.Conv2D(64");
    expect(moduleLine).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/dense\s+\(2, 10\)\s+\(2, 10\)\s+\S+\s+\S+\s+DIFFERS/);
    expect(run.stdout).toContain(`First drifting layer: conv2d_1 (Conv2D) at mnist_cnn.py:${sourceLine}, generated corrupt/mnist_cnn.py:${moduleLine}`);
    // The layers before it agree.
    expect(run.stdout).toMatch(/conv2d\s+Conv2D\s+mnist_cnn\.py:\d+\s+\S+\s+\S+\s+\S+\s+ok/);
    expect(run.stdout).toMatch(/FAIL: output dense out of tolerance/);
  });

  it("--grad names the tensor whose gradient was broken on purpose", async () => {
    const out = join(work, "badgrad");
    cpSync(join(work, "out"), out, { recursive: true });
    // The forward pass is untouched; only dense.bias' gradient is doubled.
    const module = join(out, "mnist_cnn.py");
    const text = readFileSync(module, "utf8");
    const broken = text.replace(/^( +)(self\.dense = nn\.Linear\([^\n]*)$/m, "$1$2\n$1self.dense.bias.register_hook(lambda g: g * 2)");
    expect(broken).not.toBe(text);
    writeFileSync(module, broken);
    const report = json(await verify(["-o", out, "--reuse", "--batch", "2", "--no-speed", "--no-toolchain", "--grad", "--json"]));
    expect(report.ok).toBe(false);
    expect(report.outputs[0].ok).toBe(true);
    expect(report.grad.ok).toBe(false);
    expect(report.grad.first_difference).toMatchObject({ key: "dense.bias", layer: "dense", ok: false });
    expect(report.grad.tensors.filter((t: { ok: boolean }) => !t.ok).map((t: { key: string }) => t.key)).toEqual(["dense.bias"]);
  });

  it("says exactly which package is missing and how to install it", async () => {
    // A Python that cannot import the named modules: a sitecustomize that blocks them, on PYTHONPATH.
    const block = join(work, "block");
    const site = `import os, sys
_BLOCKED = set(filter(None, os.environ.get("K2T_TEST_BLOCK", "").split(",")))
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in _BLOCKED:
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return None
sys.meta_path.insert(0, _Block())
`;
    mkdirSync(block, { recursive: true });
    writeFileSync(join(block, "sitecustomize.py"), site);
    const wrapper = join(block, "python");
    writeFileSync(wrapper, `#!/bin/sh\nPYTHONPATH="${block}" exec "${venvPython()}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    const cases: [string, string[]][] = [
      ["keras", ["`keras` is not installed", "the Keras side needs it", "-m pip install keras"]],
      ["torch", ["`torch` is not installed", "the PyTorch side needs it", "-m pip install torch"]],
      ["h5py", ["`h5py` is not installed", "the PyTorch side needs it", "-m pip install h5py"]],
      ["tensorflow", ["`tensorflow` is not installed", "Keras' backend (KERAS_BACKEND=tensorflow) needs it", "-m pip install tensorflow"]],
      ["numpy", ["`numpy` is not installed", "verify needs it", "-m pip install numpy"]],
    ];
    const runs = await Promise.all(cases.map(([module]) => verify(["--python", wrapper], { K2T_TEST_BLOCK: module })));
    runs.forEach((run, i) => {
      const [module, parts] = cases[i]!;
      expect(run.status, `${module}: ${run.stderr}`).toBe(2);
      for (const part of parts) expect(run.stderr, module).toContain(part);
      expect(run.stderr).toContain(`installed in ${wrapper}`);
      expect(run.stderr.match(/is not installed/g), module).toHaveLength(1);
      expect(run.stdout).toBe("");
    });
    // Several at once are all named.
    const both = await verify(["--python", wrapper], { K2T_TEST_BLOCK: "torch,h5py" });
    expect(both.stderr).toContain("`torch` is not installed");
    expect(both.stderr).toContain("`h5py` is not installed");
    // A Python that does not exist.
    const none = await verify(["--python", join(work, "no-such-python")]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain("not found");
  });
});
