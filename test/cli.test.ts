// Unit tests of the `keras2torch` command line, run as a user runs it: `node bin/keras2torch.js` in a
// child process, on temporary folders. They check the output contract (CONTRACT.md): where files go,
// the manifest, exit codes and the terminal diagnostics.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32 } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Manifest, ManifestFile } from "../src/manifest.js";
import { writeTree, listFiles, MLP, CNN, WITH_WARNING } from "./cli-util.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "bin", "keras2torch.js");
let work: string;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `cwd` = the temporary work folder, so printed paths are relative to it. */
function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: "utf8", timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes `files` (path relative to `root` → content) and returns `root`. */
const tree = (root: string, files: Record<string, string>): string => writeTree(work, root, files);


const manifestOf = (out: string): Manifest => JSON.parse(readFileSync(join(work, out, "keras2torch.json"), "utf8")) as Manifest;
const fileEntry = (m: Manifest, input: string): ManifestFile => {
  const entry = m.files.find((f) => f.input === input);
  expect(entry, `manifest entry for ${input} in ${m.files.map((f) => f.input).join(", ")}`).toBeDefined();
  return entry!;
};
const read = (path: string) => readFileSync(join(work, path), "utf8");
/** A JavaScript stack frame, e.g. `    at run (file:///…/main.js:12:3)`. */
const STACK = /^\s+at .+:\d+:\d+\)?$/m;

const NO_MODEL = `"""Helpers only."""
SCALE = 2


def double(v):
    return v * SCALE
`;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "keras2torch-cli-test-"));
  // The CLI runs from dist/: build it when it is missing or older than a source file.
  const built = join(ROOT, "dist", "cli", "main.js");
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((i) => (i.isDirectory() ? newest(join(dir, i.name)) : statSync(join(dir, i.name)).mtimeMs)));
  if (!existsSync(built) || statSync(built).mtimeMs < newest(join(ROOT, "src"))) {
    // tsc still emits on type errors; whether dist/ works is what the tests below find out.
    spawnSync("npx", ["tsc", "-p", "."], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  }
  expect(existsSync(built), "dist/cli/main.js (run `npx tsc -p .`)").toBe(true);
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("usage", () => {
  it("--help and --version exit 0", () => {
    const help = cli("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/keras2torch convert INPUT\.\.\. -o OUT/);
    expect(help.stdout).toMatch(/--entry/);
    const version = cli("--version");
    expect(version.status).toBe(0);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it.each([
    ["no arguments", [], /usage/i],
    ["an unknown command", ["frobnicate", "x.py"], /unknown command `frobnicate`/],
    ["a missing -o", ["convert", "."], /-o OUT/],
    ["an unknown option", ["convert", ".", "-o", "out", "--bogus"], /--bogus/],
    ["a malformed --input-shape", ["convert", ".", "-o", "out", "--input-shape", "28;28"], /--input-shape `28;28` must be sizes separated by commas/],
    ["a missing input", ["convert", "does_not_exist.py", "-o", "out"], /does_not_exist\.py.*does not exist/],
  ])("%s exits 2 with a message and no stack trace", (_, args, message) => {
    const r = cli(...args);
    expect(r.status).toBe(2);
    const all = r.stdout + r.stderr;
    expect(all).toMatch(message);
    expect(all).not.toMatch(STACK);
    expect(all).not.toMatch(/internal error/);
    expect(existsSync(join(work, "out"))).toBe(false);
  });
});

describe("a folder of inputs", () => {
  let run: Run;
  let manifest: Manifest;
  beforeAll(() => {
    tree("proj", {
      "top.py": MLP,
      "a/b.py": CNN,
      "a/notes.py": NO_MODEL,
      "a/warn.py": WITH_WARNING,
      ".hidden/secret.py": MLP,
      "a/__pycache__/cached.py": MLP,
      "node_modules/pkg/mod.py": MLP,
      "myvenv/pyvenv.cfg": "home = /usr/bin\n",
      "myvenv/lib/python3.11/site-packages/lib.py": MLP,
      "README.md": "# not Python\n",
    });
    run = cli("convert", "proj", "-o", "out_proj");
    manifest = manifestOf("out_proj");
  });

  it("exits 0 with warnings and info only", () => {
    expect(run.status).toBe(0);
    const severities = new Set(manifest.files.flatMap((f) => f.diagnostics.map((d) => d.severity)));
    expect([...severities].sort()).toEqual(["info", "warning"]);
    expect(run.stderr).toMatch(/^proj\/a\/warn\.py:5:1: warning unsupported-construct: /m);
  });

  it("maps a/b.py to OUT/a/b.py and OUT/a/b_weights.py, skipping hidden folders, caches, node_modules and virtualenvs", () => {
    expect(listFiles(join(work, "out_proj"))).toEqual([".gitattributes", "a/b.py", "a/b_weights.py", "a/warn.py", "a/warn_weights.py", "keras2torch.json", "keras2torch_runtime.py", "top.py", "top_weights.py"]);
    expect(manifest.files.map((f) => f.input)).toEqual(["a/b.py", "a/notes.py", "a/warn.py", "top.py"]);
  });

  it("writes the manifest in the contract's shape", () => {
    expect(manifest.version).toBe(1);
    const inputs = manifest.files.map((f) => f.input);
    expect(inputs).toEqual([...inputs].sort());
    for (const f of manifest.files) {
      for (const path of [f.input, f.module, f.weights_script]) if (path !== undefined) expect(path).not.toMatch(/\\|^\/|^\.\.?\//);
      for (const d of f.diagnostics) {
        expect(Object.keys(d).sort()).toEqual(["code", "column", "end_column", "end_line", "file", "line", "message", "severity"]);
        expect(["error", "warning", "info"]).toContain(d.severity);
        for (const n of [d.line, d.column, d.end_line, d.end_column]) expect(Number.isInteger(n) && n >= 1).toBe(true);
      }
    }
    const b = fileEntry(manifest, "a/b.py");
    expect(b).toMatchObject({ module: "a/b.py", weights_script: "a/b_weights.py", diagnostics: [] });
    expect(b.models).toEqual([
      {
        names: ["model", "build_model"],
        class: "SmallCnn",
        primary: true,
        line: expect.any(Number),
        inputs: [{ name: "image", keras_shape: [null, 28, 28, 1], torch_shape: [null, 1, 28, 28], dtype: "float32", permute: [0, 3, 1, 2] }],
        outputs: [{ name: "classifier", keras_shape: [null, 10], torch_shape: [null, 10], permute: [0, 1] }],
        keras_classes: expect.any(Array),
      },
    ]);
    const top = fileEntry(manifest, "top.py");
    expect(top.models!.map((m) => [m.names, m.class, m.primary, m.line])).toEqual([[["model"], "Mlp", true, 7]]);
    expect(top.models![0]!.inputs).toEqual([{ name: "features", keras_shape: [null, 8], torch_shape: [null, 8], dtype: "float32", permute: [0, 1] }]);
    const warn = fileEntry(manifest, "a/warn.py").diagnostics;
    expect(warn).toEqual([
      { severity: "warning", code: "unsupported-construct", message: expect.stringMatching(/match/), file: "a/warn.py", line: 5, column: 1, end_line: 7, end_column: 17 },
    ]);
  });

  it("marks exactly one primary model per file that has models", () => {
    for (const f of manifest.files) if (f.models?.length) expect(f.models.filter((m) => m.primary), f.input).toHaveLength(1);
  });

  it("gives a file with no model a manifest entry with an info no-model diagnostic and no module", () => {
    const notes = fileEntry(manifest, "a/notes.py");
    expect(notes.models ?? []).toEqual([]);
    expect(notes.module).toBeUndefined();
    expect(notes.weights_script).toBeUndefined();
    expect(notes.diagnostics.map((d) => [d.severity, d.code, d.file])).toEqual([["info", "no-model", "a/notes.py"]]);
    expect(existsSync(join(work, "out_proj", "a", "notes.py"))).toBe(false);
  });

  it("writes modules named after the Keras layers", () => {
    const module = read("out_proj/a/b.py");
    expect(module).toMatch(/class SmallCnn\(nn\.Module\):/);
    expect(module).toMatch(/self\.conv = nn\.Conv2d\(1, 8, kernel_size=3\)\s+# a\/b\.py:9/);
    expect(module).toMatch(/self\.classifier = nn\.Linear\(1352, 10\)/);
  });

  it("is deterministic: a second run writes byte-identical files", () => {
    const again = cli("convert", "proj", "-o", "out_proj_again");
    expect(again.status).toBe(0);
    const files = listFiles(join(work, "out_proj"));
    expect(listFiles(join(work, "out_proj_again"))).toEqual(files);
    for (const f of files) expect(read(`out_proj_again/${f}`), f).toBe(read(`out_proj/${f}`));
  });

  it("writes the same bytes with worker threads (--jobs 2) as with one thread", () => {
    const one = cli("convert", "proj", "-o", "out_j1", "--jobs", "1");
    const two = cli("convert", "proj", "-o", "out_j2", "--jobs", "2");
    expect([one.status, two.status]).toEqual([0, 0]);
    const files = listFiles(join(work, "out_j1"));
    expect(listFiles(join(work, "out_j2"))).toEqual(files);
    for (const f of files) expect(read(`out_j2/${f}`), f).toBe(read(`out_j1/${f}`));
    expect(cli("convert", "proj", "-o", "out_j0", "--jobs", "0").status).toBe(2);
  });
});

describe("bad input", () => {
  let run: Run;
  let manifest: Manifest;
  beforeAll(() => {
    tree("bad", {
      "good.py": MLP,
      "broken.py": "import keras\n\ndef f(:\n    pass\n",
      "unsupported.py": `import keras
from keras import layers

inputs = keras.Input(shape=(16, 16, 3))
x = layers.Conv2D(4, 3, name="conv")(inputs)
x = keras.layers.Discretization([0.5])(x)
model = keras.Model(inputs, layers.Dense(2)(layers.Flatten()(x)))
`,
      "unknown.py": `import os
import keras
from keras import layers

inputs = keras.Input(shape=(8,))
x = layers.Dense(NUM_UNITS, name="a")(inputs)
units = int(os.environ["U"])
y = layers.Dense(units * 2, name="b")(inputs)
model = keras.Model(inputs, [x, y])
`,
      "saved.keras": "PK not really a zip",
    });
    tree("loose", { "legacy.h5": "\x89HDF\r\n\x1a\n" });
    run = cli("convert", "bad", "loose/legacy.h5", "-o", "out_bad");
    manifest = manifestOf("out_bad");
  });

  it("exits 1 and still writes every file that could be written", () => {
    expect(run.status).toBe(1);
    expect(run.stderr).not.toMatch(STACK);
    expect(listFiles(join(work, "out_bad"))).toEqual([
      ".gitattributes",
      "good.py",
      "good_weights.py",
      "keras2torch.json",
      "keras2torch_runtime.py",
      "unknown.py",
      "unknown_weights.py",
      "unsupported.py",
      "unsupported_weights.py",
    ]);
    expect(fileEntry(manifest, "good.py").diagnostics).toEqual([]);
    expect(read("out_bad/good.py")).toMatch(/class Mlp\(nn\.Module\)/);
  });

  it("reports a syntax error at its line:col and writes no module for that file", () => {
    const broken = fileEntry(manifest, "broken.py");
    expect(broken.diagnostics.map((d) => [d.severity, d.code, d.line, d.column])).toEqual([["error", "syntax-error", 3, 7]]);
    expect(broken.module).toBeUndefined();
    expect(broken.models ?? []).toEqual([]);
    expect(run.stderr).toMatch(/^bad\/broken\.py:3:7: error syntax-error: /m);
  });

  it("reports an unsupported layer at its line:col and raises NotImplementedError there in forward", () => {
    const d = fileEntry(manifest, "unsupported.py").diagnostics;
    expect(d.map((x) => [x.severity, x.code, x.line, x.column, x.end_line, x.end_column])).toEqual([["error", "unsupported-layer", 6, 5, 6, 39]]);
    expect(d[0]!.message).toMatch(/Discretization/);
    const module = read("out_bad/unsupported.py");
    expect(module).toMatch(/raise NotImplementedError\(\s*"[^"]*Discretization[^"]*unsupported\.py:6\b/);
    expect(module).toMatch(/self\.conv = nn\.Conv2d\(3, 4, kernel_size=3\)/);
  });

  it("reports an undefined name and an unknowable value at the argument", () => {
    const d = fileEntry(manifest, "unknown.py").diagnostics;
    expect(d.map((x) => [x.severity, x.line, x.column, x.end_line, x.end_column])).toEqual([
      ["error", 6, 18, 6, 27],
      ["error", 8, 18, 8, 27],
    ]);
    expect(d[0]!.code).toMatch(/^unknown-(name|value)$/);
    expect(d[0]!.message).toMatch(/NUM_UNITS/);
    expect(d[1]!.code).toBe("unknown-value");
    // Nothing is guessed: the forward refuses to run.
    expect(read("out_bad/unknown.py")).toMatch(/raise NotImplementedError\(/);
  });

  it("reports damaged saved model files as invalid-saved-model, from a folder or as an argument, and writes nothing for them", () => {
    for (const input of ["saved.keras", "legacy.h5"]) {
      const entry = fileEntry(manifest, input);
      expect(entry.diagnostics.map((d) => [d.severity, d.code])).toEqual([["error", "invalid-saved-model"]]);
      expect(entry.module).toBeUndefined();
    }
    expect(run.stderr).toMatch(/^bad\/saved\.keras:1:1: error invalid-saved-model: the zip is corrupt or truncated/m);
    // (Written as UTF-8 text, its `\x89` is two bytes: no HDF5 signature at all.)
    expect(run.stderr).toMatch(/^loose\/legacy\.h5:1:1: error invalid-saved-model: not a Keras model file/m);
  });

  it("prints FILE:LINE:COL: SEVERITY CODE: MESSAGE followed by a code frame", () => {
    const lines = run.stderr.split("\n");
    const head = lines.findIndex((l) => l.startsWith("bad/unsupported.py:6:5: error unsupported-layer: "));
    expect(head).toBeGreaterThanOrEqual(0);
    expect(lines[head + 1]).toBe("6 | x = keras.layers.Discretization([0.5])(x)");
    expect(lines[head + 2]).toBe(`  | ${" ".repeat(4)}${"^".repeat(34)}`);
    const name = lines.findIndex((l) => /^bad\/unknown\.py:6:18: error unknown-(name|value): /.test(l));
    expect(lines[name + 1]).toBe('6 | x = layers.Dense(NUM_UNITS, name="a")(inputs)');
    expect(lines[name + 2]).toBe(`  | ${" ".repeat(17)}^^^^^^^^^`);
    expect(run.stderr).not.toMatch(/\x1b\[/);
  });

  it("exits 2 when nothing could be read", () => {
    const h5 = cli("convert", "loose/legacy.h5", "-o", "out_nothing");
    expect(h5.status).toBe(2);
    expect(h5.stderr).toMatch(/legacy\.h5:1:1: error invalid-saved-model/);
    expect(h5.stderr).not.toMatch(STACK);
    tree("empty", { "notes.txt": "no python here\n" });
    const empty = cli("convert", "empty", "-o", "out_nothing");
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/no \.py files/);
    expect(existsSync(join(work, "out_nothing"))).toBe(false);
  });
});

describe("outputs never overwrite", () => {
  it("two inputs mapping to one output are output-collision diagnostics, and neither is written", () => {
    tree("col", { "first/model.py": MLP, "second/model.py": CNN, "out/model.py": "# precious\n" });
    const r = cli("convert", "col/first", "col/second", "-o", "col/out");
    expect(r.status).toBe(1);
    const m = manifestOf("col/out");
    expect(m.files).toHaveLength(2);
    for (const f of m.files) {
      expect(f.input).toBe("model.py");
      expect(f.diagnostics.map((d) => [d.severity, d.code])).toEqual([["error", "output-collision"]]);
      expect(f.module).toBeUndefined();
    }
    expect(read("col/out/model.py")).toBe("# precious\n");
    expect(existsSync(join(work, "col/out/model_weights.py"))).toBe(false);
    expect(r.stderr).toMatch(/^col\/first\/model\.py:1:1: error output-collision: /m);
    expect(r.stderr).toMatch(/^col\/second\/model\.py:1:1: error output-collision: /m);
  });

  it("a b_weights.py input next to b.py is an output collision", () => {
    tree("wcol", { "b.py": MLP, "b_weights.py": MLP, "c.py": MLP });
    const r = cli("convert", "wcol", "-o", "wcol_out");
    expect(r.status).toBe(1);
    const m = manifestOf("wcol_out");
    expect(fileEntry(m, "b.py").diagnostics.map((d) => d.code)).toEqual(["output-collision"]);
    expect(listFiles(join(work, "wcol_out"))).toEqual([".gitattributes", "c.py", "c_weights.py", "keras2torch.json", "keras2torch_runtime.py"]);
  });

  it("an -o that would write over an input is a usage error and nothing is written", () => {
    tree("self", { "model.py": MLP, "other.py": CNN });
    const before = listFiles(join(work, "self"));
    const r = cli("convert", "self", "-o", "self");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/would overwrite the input/);
    expect(r.stderr).not.toMatch(STACK);
    expect(listFiles(join(work, "self"))).toEqual(before);
    expect(read("self/model.py")).toBe(MLP);
    const file = cli("convert", "self/model.py", "-o", "self");
    expect(file.status).toBe(2);
    expect(listFiles(join(work, "self"))).toEqual(before);
  });
});

describe("re-running", () => {
  it("an -o inside the input folder is not walked as input on the next run", () => {
    tree("rerun", { "model.py": MLP });
    expect(cli("convert", "rerun", "-o", "rerun/out").status).toBe(0);
    const second = cli("convert", "rerun", "-o", "rerun/out");
    expect(second.status, second.stderr).toBe(0);
    expect(manifestOf("rerun/out").files.map((f) => f.input)).toEqual(["model.py"]);
  });

  it("a folder merely named env or venv is walked (only real virtualenvs are skipped)", () => {
    tree("envs", { "env/policy.py": MLP, "venv/model.py": MLP, "real/pyvenv.cfg": "home = /usr\n", "real/lib.py": MLP });
    expect(cli("convert", "envs", "-o", "envs_out").status).toBe(0);
    expect(manifestOf("envs_out").files.map((f) => f.input)).toEqual(["env/policy.py", "venv/model.py"]);
  });
});

describe("--entry", () => {
  beforeAll(() => {
    tree("entry", { "cnn.py": CNN });
  });

  it('"build_model(num_classes=3)" picks and parameterises the builder', () => {
    const r = cli("convert", "entry", "-o", "out_entry", "--entry", "build_model(num_classes=3)");
    expect(r.status).toBe(0);
    const models = fileEntry(manifestOf("out_entry"), "cnn.py").models!;
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ names: expect.arrayContaining(["build_model"]), class: "SmallCnn", primary: true });
    expect(models[0]!.outputs[0]!.keras_shape).toEqual([null, 3]);
    expect(read("out_entry/cnn.py")).toMatch(/self\.classifier = nn\.Linear\(1352, 3\)/);
  });

  it("on a folder, applies where the file defines it: the other files compile as they are, without an error", () => {
    tree("entry_folder", { "builders.py": CNN, "constants.py": "NUM_CLASSES = 3\n" });
    const r = cli("convert", "entry_folder", "-o", "out_entry_folder", "--entry", "build_model(num_classes=3)");
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/: error /);
    expect(fileEntry(manifestOf("out_entry_folder"), "builders.py").models).toHaveLength(1);
    expect(fileEntry(manifestOf("out_entry_folder"), "constants.py").models ?? []).toEqual([]);
  });

  it("that matches nothing is an entry-not-found error", () => {
    const r = cli("convert", "entry", "-o", "out_entry_missing", "--entry", "no_such_builder(1)");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error entry-not-found: .*no_such_builder\(1\)/);
    expect(r.stderr).not.toMatch(STACK);
  });
});

describe("imports between input files", () => {
  it("resolves an import that names the package the input root is inside (`from pkg.helpers import head`)", () => {
    tree("pkgroot/pkg", {
      "helpers.py": "from keras import layers\n\ndef head(x):\n    return layers.Dense(2)(x)\n",
      "net.py": "from keras import layers, Model\nfrom pkg.helpers import head\n\ninp = layers.Input((8,))\nmodel = Model(inp, head(inp))\n",
    });
    for (const inputs of [["pkgroot/pkg"], ["pkgroot/pkg/net.py", "pkgroot/pkg/helpers.py"], ["pkgroot"]]) {
      const r = cli("convert", ...inputs, "-o", `out_pkg_${inputs.length}_${inputs[0]!.length}`);
      expect(r.status, `${inputs.join(" ")}: ${r.stderr}`).toBe(0);
      expect(r.stderr).not.toMatch(/: error /);
    }
  });

  it("resolves `from blocks import ...` and `from .blocks import ...`; a missing relative import is unresolved-import", () => {
    tree("imp", {
      "pkg/__init__.py": "",
      "pkg/blocks.py": `from keras import layers


def conv_block(x, filters, name):
    return layers.Conv2D(filters, 3, padding="same", name=name)(x)
`,
      "pkg/abs_user.py": `import keras
from blocks import conv_block

inputs = keras.Input(shape=(8, 8, 3))
model = keras.Model(inputs, conv_block(inputs, 5, "abs_conv"))
`,
      "pkg/rel_user.py": `import keras
from .blocks import conv_block

inputs = keras.Input(shape=(8, 8, 3))
model = keras.Model(inputs, conv_block(inputs, 6, "rel_conv"))
`,
      "pkg/missing.py": `import keras
from .nowhere import conv_block

inputs = keras.Input(shape=(8, 8, 3))
model = keras.Model(inputs, conv_block(inputs, 6, "x"))
`,
    });
    const r = cli("convert", "imp", "-o", "out_imp");
    expect(r.status).toBe(1);
    expect(read("out_imp/pkg/abs_user.py")).toMatch(/self\.abs_conv = nn\.Conv2d\(3, 5, kernel_size=3, padding=1\)/);
    expect(read("out_imp/pkg/rel_user.py")).toMatch(/self\.rel_conv = nn\.Conv2d\(3, 6, kernel_size=3, padding=1\)/);
    const m = manifestOf("out_imp");
    expect(fileEntry(m, "pkg/abs_user.py").diagnostics).toEqual([]);
    expect(fileEntry(m, "pkg/rel_user.py").diagnostics).toEqual([]);
    const missing = fileEntry(m, "pkg/missing.py").diagnostics.find((d) => d.code === "unresolved-import");
    expect(missing).toMatchObject({ severity: "error", file: "pkg/missing.py", line: 2, column: 6, end_line: 2, end_column: 14 });
    expect(r.stderr).toMatch(/^imp\/pkg\/missing\.py:2:6: error unresolved-import: /m);
  });
});

/** A zip with these entries, stored uncompressed (the layout Keras writes a `.keras` file in). */
function storedZip(entries: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const data = Buffer.from(text);
    const fileName = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += 30 + fileName.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe("saved model files", () => {
  const FIXTURES = resolve(ROOT, "..", "shared", "fixtures", "keras-files");
  const fixtures = existsSync(FIXTURES) ? FIXTURES : "/work/shared/fixtures/keras-files";
  const KERAS3_SEQUENTIAL = JSON.stringify({
    module: "keras",
    class_name: "Sequential",
    config: {
      name: "sequential",
      layers: [
        { module: "keras.layers", class_name: "InputLayer", config: { batch_shape: [null, 4], dtype: "float32", name: "input_layer" } },
        { module: "keras.layers", class_name: "Dense", config: { name: "dense", units: 3, activation: "hard_sigmoid", use_bias: true, dtype: { module: "keras", class_name: "DTypePolicy", config: { name: "float32" } } } },
      ],
    },
  });

  it("compiles a .keras zip and a legacy .h5 from their stored architecture into module, weights script and manifest", () => {
    const run = cli("convert", join(fixtures, "tf2.15_conv1d_bn.keras"), join(fixtures, "k2.2.2_lstm_full.h5"), "-o", "out_saved");
    expect(run.status, run.stderr).toBe(0);
    expect(listFiles(join(work, "out_saved"))).toEqual([".gitattributes", "k2.2.2_lstm_full.py", "k2.2.2_lstm_full_weights.py", "keras2torch.json", "keras2torch_runtime.py", "tf2.15_conv1d_bn.py", "tf2.15_conv1d_bn_weights.py"]);
    const entry = fileEntry(manifestOf("out_saved"), "k2.2.2_lstm_full.h5");
    expect([entry.module, entry.weights_script]).toEqual(["k2.2.2_lstm_full.py", "k2.2.2_lstm_full_weights.py"]);
    expect(entry.diagnostics.map((d) => [d.severity, d.code])).toEqual([["info", "saved-model"]]);
    expect(entry.diagnostics[0]!.message).toMatch(/Keras 2 \(the file was saved by Keras 2\.2\.2\)/);
    expect(entry.models.map((m) => [m.class, m.names, m.inputs[0]!.keras_shape])).toEqual([["K222LstmFull", ["k2.2.2_lstm_full"], [null, 1, 200]]]);
    // Keras 2.2.2's LSTM: recurrent_activation='hard_sigmoid' is Keras 2's clip(0.2x + 0.5, 0, 1).
    expect(read("out_saved/k2.2.2_lstm_full.py")).toMatch(/recurrent_activation=keras2_hard_sigmoid/);
    expect(read("out_saved/k2.2.2_lstm_full.py")).toMatch(/def keras2_hard_sigmoid\(x\):/);
  });

  it("uses Keras 3's hard_sigmoid for a Keras 3 config, and reads metadata.json's keras_version", () => {
    tree("zips", { "k3.keras": "" });
    writeFileSync(join(work, "zips", "k3.keras"), storedZip({ "metadata.json": '{"keras_version": "3.15.1"}', "config.json": KERAS3_SEQUENTIAL }));
    const run = cli("convert", "zips/k3.keras", "-o", "out_k3");
    expect(run.status, run.stderr).toBe(0);
    expect(read("out_k3/k3.py")).toMatch(/F\.hardsigmoid\(self\.dense\(x\)\)/);
    writeFileSync(join(work, "zips", "k2.keras"), storedZip({ "metadata.json": '{"keras_version": "2.15.0"}', "config.json": KERAS3_SEQUENTIAL }));
    expect(cli("convert", "zips/k2.keras", "-o", "out_k2").status).toBe(0);
    expect(read("out_k2/k2.py")).toMatch(/keras2_hard_sigmoid\(self\.dense\(x\)\)/);
  });

  it("gives configs of Keras <= 2.2 that leave keys out that version's defaults", () => {
    // Keras 2.1 wrote a bare list; its LSTM/GRU defaulted to recurrent_activation='hard_sigmoid', GRU to reset_after=False.
    const config = JSON.stringify({
      class_name: "Sequential",
      config: [
        { class_name: "GRU", config: { name: "gru_1", units: 3, batch_input_shape: [null, 5, 2], return_sequences: true } },
        { class_name: "LSTM", config: { name: "lstm_1", units: 2, return_sequences: true } },
        // Keras 3 removed ThresholdedReLU; it is ReLU(threshold=theta).
        { class_name: "ThresholdedReLU", config: { name: "thresholded_re_lu_1", theta: 0.5 } },
      ],
    });
    tree("zips", { "readme.md": "" });
    writeFileSync(join(work, "zips", "k21.keras"), storedZip({ "metadata.json": '{"keras_version": "2.1.6"}', "config.json": config }));
    const run = cli("convert", "zips/k21.keras", "-o", "out_k21");
    expect(run.status, run.stderr).toBe(0);
    const module = read("out_k21/k21.py");
    expect(module).toMatch(/self\.gru_1 = KerasRNN\("gru", 2, 3, recurrent_activation=keras2_hard_sigmoid, reset_after=False\)/);
    expect(module).toMatch(/self\.lstm_1 = KerasRNN\("lstm", 3, 2, recurrent_activation=keras2_hard_sigmoid\)/);
    expect(module).toMatch(/keras_relu\(x, negative_slope=0\.0, max_value=None, threshold=0\.5\)/);
  });

  it("refuses bad files with a located error naming the problem, and writes nothing", () => {
    const lstm = readFileSync(join(fixtures, "k2.2.2_lstm_full.h5"));
    tree("badsaved", { "readme.md": "" });
    const files: Record<string, Buffer> = {
      "truncated.h5": lstm.subarray(0, 4000),
      "flipped.h5": Buffer.concat([lstm.subarray(0, 8), Buffer.alloc(200, 0xff), lstm.subarray(208)]),
      "notkeras.h5": Buffer.from("just some text, not HDF5\n"),
      "noconfig.keras": storedZip({ "model.weights.h5": "x", "metadata.json": "{}" }),
      "truncated.keras": storedZip({ "config.json": KERAS3_SEQUENTIAL }).subarray(0, 60),
      "badjson.keras": storedZip({ "config.json": "{not json" }),
      "weights_only.h5": readFileSync(join(fixtures, "k2.1.5_cnn_weights_only.h5")),
    };
    for (const [name, data] of Object.entries(files)) writeFileSync(join(work, "badsaved", name), data);
    const expected: Record<string, RegExp> = {
      "truncated.h5": /the HDF5 file is corrupt or truncated \(.*truncated file/,
      "flipped.h5": /the HDF5 file is corrupt or truncated/,
      "notkeras.h5": /not a Keras model file: it is neither a `\.keras` zip nor an HDF5 file/,
      "noconfig.keras": /the zip has no `config\.json`, so it is not a `\.keras` model file \(it holds `model\.weights\.h5`, `metadata\.json`\)/,
      "truncated.keras": /the zip is corrupt or truncated/,
      "badjson.keras": /its `config\.json` is not valid JSON/,
      "weights_only.h5": /it is a weights-only file \(`save_weights`\): it holds no architecture/,
    };
    for (const [name, message] of Object.entries(expected)) {
      const run = cli("convert", `badsaved/${name}`, "-o", `out_bad_${name}`);
      expect(run.status, `${name}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^badsaved/${name.replace(".", "\\.")}:1:1: error invalid-saved-model: ${message.source}`, "m"));
      expect(run.stderr).not.toMatch(STACK);
      expect(run.stderr).not.toMatch(/HDF5-DIAG/);
      expect(existsSync(join(work, `out_bad_${name}`)), name).toBe(false);
    }
  });

  it("refuses what a saved file cannot say, naming the stored layer: custom classes, Lambda bytecode, time_major=True", () => {
    const sequential = (layer: unknown) =>
      JSON.stringify({ class_name: "Sequential", config: { name: "s", layers: [{ class_name: "InputLayer", config: { batch_input_shape: [null, 3, 4], name: "x" } }, layer] } });
    const cases: [string, unknown, RegExp][] = [
      ["custom", { module: "my_project.layers", class_name: "MyDense", config: { name: "mine" }, registered_name: "my_project>MyDense" }, /layer `mine` \(MyDense\): `my_project>MyDense` \(module `my_project\.layers`\) is a custom class defined in user code/],
      ["lambda", { class_name: "Lambda", config: { name: "fn", function: ["4wEAAAAAAAAA", null, null] } }, /layer `fn` \(Lambda\): a `Lambda` layer is stored as Python bytecode, which keras2torch never runs or decodes/],
      ["time_major", { class_name: "LSTM", config: { name: "lstm_1", units: 2, time_major: true } }, /LSTM `lstm_1`: `time_major=True` \(Keras 2\) is not supported/],
    ];
    tree("zips", { "readme.md": "" });
    for (const [name, layer, message] of cases) {
      writeFileSync(join(work, "zips", `${name}.keras`), storedZip({ "metadata.json": '{"keras_version": "2.15.0"}', "config.json": sequential(layer) }));
      const run = cli("convert", `zips/${name}.keras`, "-o", `out_refused_${name}`);
      expect(run.status, `${name}: ${run.stderr}`).toBe(1);
      expect(run.stderr, name).toMatch(new RegExp(`^zips/${name}\\.keras:1:1: error [a-z-]+: ${message.source}`, "m"));
      expect(run.stderr).not.toMatch(STACK);
    }
  });

  it("compiles the source, not the saved file, when both give the same module", () => {
    tree("pair", { "net.py": MLP });
    writeFileSync(join(work, "pair", "net.keras"), storedZip({ "config.json": KERAS3_SEQUENTIAL }));
    const run = cli("convert", "pair", "-o", "out_pair");
    expect(run.status, run.stderr).toBe(0);
    const manifest = manifestOf("out_pair");
    expect(fileEntry(manifest, "net.py").module).toBe("net.py");
    expect(fileEntry(manifest, "net.keras").diagnostics.map((d) => [d.severity, d.code])).toEqual([["info", "saved-model"]]);
    expect(read("out_pair/net.py")).toMatch(/class Mlp/);
  });
});
