// Keras applications compiled from Keras' own source: finding that source (--keras-path, a Python's Keras,
// the diagnostics when there is none), and what the frontend makes of an application.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KerasPathError, kerasPackageIn, locateKeras } from "../src/cli/keras-path.js";
import { compile } from "../src/compile.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "bin", "keras2torch.js");
const SITE = join(ROOT, ".venv", "lib", readdirSync(join(ROOT, ".venv", "lib")).find((d) => d.startsWith("python3"))!, "site-packages");
const KERAS = join(SITE, "keras");
const VENV_PYTHON = join(ROOT, ".venv", "bin", "python");
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "keras2torch-apps-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A stand-in Python: a shell script that prints `stdout` (and exits `code`), whatever it is asked. */
function fakePython(name: string, stdout: string, code = 0): string {
  const path = join(work, name);
  writeFileSync(path, `#!/bin/sh\nprintf '%s' '${stdout}'\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return path;
}

const TRANSFER = `import keras
from keras import layers

base = keras.applications.MobileNetV2(input_shape=(32, 32, 3), include_top=False, weights="imagenet")
base.trainable = False
inputs = keras.Input(shape=(32, 32, 3))
x = keras.applications.mobilenet_v2.preprocess_input(inputs)
x = base(x, training=False)
outputs = layers.Dense(5)(layers.GlobalAveragePooling2D()(x))
model = keras.Model(inputs, outputs)
`;

describe("locating the Keras source", () => {
  it("takes --keras-path as the keras package folder or the site-packages folder holding it", () => {
    expect(locateKeras({ kerasPath: KERAS })).toEqual({ root: KERAS });
    expect(locateKeras({ kerasPath: SITE })).toEqual({ root: KERAS });
    expect(kerasPackageIn(work)).toBeNull();
  });

  it("refuses a --keras-path that is not a Keras 3 source tree, saying what to give", () => {
    expect(() => locateKeras({ kerasPath: work })).toThrow(KerasPathError);
    expect(() => locateKeras({ kerasPath: work })).toThrow(/no keras\/src\/applications\/ there\); give the `keras` package folder/);
    expect(() => locateKeras({ kerasPath: join(work, "missing") })).toThrow(/no such folder/);
  });

  it("asks a Python where its Keras is: --python, else KERAS2TORCH_PYTHON", () => {
    expect(locateKeras({ python: VENV_PYTHON })).toEqual({ root: KERAS });
    expect(locateKeras({ env: { ...process.env, KERAS2TORCH_PYTHON: VENV_PYTHON, VIRTUAL_ENV: "" } })).toEqual({ root: KERAS });
    // --python wins over the environment.
    const none = fakePython("no-keras-python", "");
    expect(locateKeras({ python: none, env: { ...process.env, KERAS2TORCH_PYTHON: VENV_PYTHON } })).toEqual({ problem: `no Keras was found: Keras is not installed in \`${none}\`` });
  });

  it("says why a Python gave no Keras: missing, failing, not Keras 3", () => {
    expect(locateKeras({ python: join(work, "nope") })).toEqual({ problem: `no Keras was found: the Python \`${join(work, "nope")}\` does not exist` });
    expect((locateKeras({ python: fakePython("failing-python", "", 3) }) as { problem: string }).problem).toMatch(/^no Keras was found: `.*failing-python` failed/);
    const old = join(work, "keras2");
    mkdirSync(old, { recursive: true });
    const keras2 = fakePython("keras2-python", old);
    expect(locateKeras({ python: keras2 })).toEqual({ problem: `the Keras in \`${keras2}\` (${old}) is not Keras 3 (it has no src/applications/)` });
  });
});

describe("compiling applications", () => {
  it("without a Keras source tree, reports each application name once, saying how to point at one", () => {
    const result = compile(TRANSFER, { path: "model.py", keras: { problem: "no Keras was found: Keras is not installed in `python3`" } });
    const missing = result.diagnostics.filter((d) => d.code === "unresolved-import");
    expect(missing.map((d) => d.range.line)).toEqual([4, 7]);
    expect(missing[0]!.message).toContain("`keras.applications.MobileNetV2` is defined by Keras' own source");
    expect(missing[0]!.message).toContain("Keras is not installed in `python3`");
    expect(missing[0]!.message).toMatch(/--keras-path DIR .* --python PY or KERAS2TORCH_PYTHON/);
    expect(compile(TRANSFER, { path: "model.py" }).diagnostics.some((d) => d.code === "unresolved-import" && /no Keras source tree was given/.test(d.message))).toBe(true);
  });

  it("makes the backbone a class of its own, named after the application and built with the call's arguments, frozen in the user's model", () => {
    const result = compile(TRANSFER, { path: "model.py", keras: { root: KERAS } });
    expect(result.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
    expect(result.models.map((m) => m.class)).toEqual(["MobileNetV2", "Model"]);
    const module = result.files[0]!.text;
    expect(module).toContain("Keras' `MobileNetV2(input_shape=(32, 32, 3), include_top=False, weights='imagenet')`, compiled from `keras/src/applications/mobilenet_v2.py`.");
    expect(module).toMatch(/self\.mobilenetv2_1_00_224 = MobileNetV2\(\)/);
    expect(module).toContain("self.mobilenetv2_1_00_224.requires_grad_(False)  # trainable = False in Keras");
    // preprocess_input is PyTorch arithmetic on the channels-first input.
    expect(module).toContain("x = x / 127.5 - 1.0");
    // weights="imagenet" is not downloaded, said once, at the user's call.
    const info = result.diagnostics.filter((d) => d.code === "pretrained-weights");
    expect(info).toHaveLength(1);
    expect(info[0]!.range).toMatchObject({ file: "model.py", line: 4 });
  });

  it("builds an application on a tensor of the user's graph (input_tensor=): its model starts at the user's Input", () => {
    const source = `import keras
from keras import layers

inputs = keras.Input(shape=(32, 32, 3))
x = layers.Rescaling(1 / 255)(inputs)
base = keras.applications.MobileNetV2(input_tensor=x, include_top=False, weights=None, pooling="avg")
model = keras.Sequential([base, layers.Dense(3)])
`;
    const result = compile(source, { path: "model.py", keras: { root: KERAS } });
    expect(result.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
    expect(result.models.map((m) => m.class)).toEqual(["MobileNetV2", "Model"]);
    // Keras' get_source_inputs(x) is the user's Input, so the Rescaling before it is the backbone's first step.
    const backbone = result.files[0]!.text.split("class Model(")[0]!;
    expect(backbone).toMatch(/def forward\(self, x\):\n\s+x = x \* 0\.00392156862745098  # model\.py:5\n\s+x = self\.Conv1\(/);
  });

  it("gives Keras 2 scripts the functions of an applications module Keras 3 no longer exports (imagenet_utils.correct_pad)", () => {
    // keras.io's mobilevit.py pads before a strided depthwise convolution as MobileNetV2 does.
    const source = `import keras
import tensorflow as tf
from keras import layers
from keras.applications import imagenet_utils

inputs = keras.Input(shape=(15, 16, 3))
x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(inputs, 3))(inputs)
x = layers.DepthwiseConv2D(3, strides=2, padding="valid")(x)
if tf.math.equal(x.shape[-1], 3):
    x = layers.Conv2D(4, 1)(x)
model = keras.Model(inputs, x)
`;
    const result = compile(source, { path: "model.py", keras: { root: KERAS } });
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    // (15, 16): adjust (0, 1), so ((1, 1), (0, 1)); ZeroPad2d lists the width first.
    expect(result.files[0]!.text).toContain("nn.ZeroPad2d((0, 1, 1, 1))");
    expect(result.files[0]!.text).toMatch(/nn\.Conv2d\(3, 4, kernel_size=1\)/);
  });

  it("reports Keras' own argument checks at the user's call, with Keras' message", () => {
    const result = compile("from keras.applications import MobileNetV2\nmodel = MobileNetV2(input_shape=(16, 16, 3), weights=None, include_top=False)\n", { path: "model.py", keras: { root: KERAS } });
    const raised = result.diagnostics.find((d) => d.code === "invalid-model");
    expect(raised?.message).toMatch(/^Keras raises ValueError: Input size must be at least 32x32; Received: input_shape=\(16, 16, 3\) \(in Keras' keras\/src\/applications\/imagenet_utils\.py:\d+\)$/);
    expect(raised?.range).toMatchObject({ file: "model.py", line: 2 });
  });

  it("builds the network for the arguments given (alpha, pooling, include_preprocessing, ...)", () => {
    const text = `from keras.applications import MobileNetV2, MobileNetV3Small
a = MobileNetV2(input_shape=(32, 32, 3), alpha=0.5, include_top=False, pooling="max", weights=None)
b = MobileNetV3Small(input_shape=(32, 32, 3), include_top=False, pooling="avg", include_preprocessing=False, minimalistic=True, weights=None)
`;
    const result = compile(text, { path: "model.py", keras: { root: KERAS } });
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const [v2, v3] = result.models;
    expect(v2!.class).toBe("MobileNetV2");
    expect(v2!.outputs[0]!.keras_shape).toEqual([null, 1280]); // real Keras: (None, 1280)
    expect(v3!.class).toBe("MobileNetV3Small");
    expect(v3!.outputs[0]!.keras_shape).toEqual([null, 576]); // real Keras: (None, 576)
    const module = result.files[0]!.text;
    expect(module).toContain("alpha=0.5, include_top=False, pooling='max', weights=None)`");
    // alpha 0.5 halves the first block's filters (16 instead of 32); no Rescaling without include_preprocessing.
    expect(module).toMatch(/self\.Conv1 = nn\.Conv2d\(3, 16,/);
    expect(module).not.toMatch(/\/ 255|\* 0\.00392/);
  });

  it("resolves keras.src.applications imports and tf.keras spellings alike", () => {
    for (const text of [
      "from keras.src.applications.vgg16 import VGG16\nmodel = VGG16(weights=None, input_shape=(32, 32, 3), classes=4)\n",
      "import tensorflow as tf\nmodel = tf.keras.applications.vgg16.VGG16(weights=None, input_shape=(32, 32, 3), classes=4)\n",
    ]) {
      const result = compile(text, { path: "model.py", keras: { root: KERAS } });
      expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(result.models.map((m) => m.class)).toEqual(["VGG16"]);
    }
  });
});

describe("the CLI", () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: "utf8", timeout: 120_000, env: { ...process.env, NO_COLOR: "1", KERAS2TORCH_PYTHON: "" } });

  it("finds keras2torch's venv's Keras by default, and takes --python and --keras-path", () => {
    writeFileSync(join(work, "transfer.py"), TRANSFER);
    expect(cli("convert", "transfer.py", "-o", "out0").status).toBe(0);
    expect(cli("convert", "transfer.py", "-o", "out1", "--python", VENV_PYTHON).status).toBe(0);
    expect(cli("convert", "transfer.py", "-o", "out2", "--keras-path", KERAS).status).toBe(0);
  });

  it("a --keras-path that is not Keras is a usage error", () => {
    const run = cli("convert", "transfer.py", "-o", "out3", "--keras-path", work);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("not a Keras 3 source tree");
  });

  it("no Keras: exit 1 with the diagnostic at the application; files without applications never ask Python", () => {
    const run = cli("convert", "transfer.py", "-o", "out4", "--python", join(work, "nope"));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/transfer\.py:4:8: error unresolved-import: `keras\.applications\.MobileNetV2` is defined by Keras' own source.*--keras-path DIR/);
    writeFileSync(join(work, "plain.py"), "import keras\nmodel = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n");
    expect(cli("convert", "plain.py", "-o", "out5", "--python", join(work, "nope")).status).toBe(0);
  });
});
