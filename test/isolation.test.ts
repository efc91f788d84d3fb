// Isolation and path safety of `keras2torch convert`, run as a user runs it (a child process on
// temporary folders): a hostile file (memory, time, stack, size, special files, symbolic links, odd
// names) fails alone with a located error in the manifest; every other file is translated as if it
// were not there; the output does not depend on --jobs; and nothing is written outside -o or over an
// input, whatever symbolic links -o or the inputs involve. The deadline and the memory limit are
// lowered for the tests through KERAS2TORCH_FILE_TIMEOUT_MS and KERAS2TORCH_FILE_MEMORY_MB.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Manifest, ManifestFile } from "../src/manifest.js";
import { writeTree, listFiles } from "./cli-util.js";
import { deliver, removeRunTemporaries } from "../src/cli/output.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "bin", "keras2torch.js");
const STACK = /^\s+at .+:\d+:\d+\)?$/m;
let work: string;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function cli(args: string[], env: Record<string, string> = {}): Run {
  const started = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: "utf8", timeout: 60_000, env: { ...process.env, NO_COLOR: "1", ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

const tree = (root: string, files: Record<string, string>): string => writeTree(work, root, files);

const manifestOf = (out: string): Manifest => JSON.parse(readFileSync(join(work, out, "keras2torch.json"), "utf8")) as Manifest;
const entryOf = (m: Manifest, input: string): ManifestFile => {
  const entry = m.files.find((f) => f.input === input);
  expect(entry, `manifest entry for ${JSON.stringify(input)} in ${m.files.map((f) => JSON.stringify(f.input)).join(", ")}`).toBeDefined();
  return entry!;
};
const read = (path: string) => readFileSync(join(work, path), "utf8");
const mkfifo = (path: string) => spawnSync("mkfifo", [join(work, path)]).status === 0;

const model = (units: number) => `import keras
from keras import layers

inputs = keras.Input(shape=(8,))
model = keras.Model(inputs, layers.Dense(${units}, name="out")(inputs))
`;

/** Doubles a list 60 times: without limits, gigabytes. */
/** Only what a model depends on is evaluated: each hostile loop sizes a layer. */
const USES = (name: string) => `import keras\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(len(${name}))])\n`;
const MEMORY_HOG = `x = [0]\nfor _ in range(60):\n    x = x + x\n${USES("x")}`;
/** Copies a 900 KB string 100 000 times: minutes. */
const SLOW = `s = "a" * 900000\nfor i in range(100000):\n    t = (s + "b")[1:]\n${USES("t")}`;

const LIMITS = { KERAS2TORCH_FILE_TIMEOUT_MS: "5000", KERAS2TORCH_FILE_MEMORY_MB: "96" };
const GOOD = Array.from({ length: 6 }, (_, i) => `good${i}.py`);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "keras2torch-isolation-"));
  const built = join(ROOT, "dist", "cli", "main.js");
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((i) => (i.isDirectory() ? newest(join(dir, i.name)) : statSync(join(dir, i.name)).mtimeMs)));
  if (!existsSync(built) || statSync(built).mtimeMs < newest(join(ROOT, "src"))) spawnSync("npx", ["tsc", "-p", "."], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  expect(existsSync(built)).toBe(true);
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("hostile files among normal ones", () => {
  const runs: Record<string, Run> = {};
  beforeAll(() => {
    const files: Record<string, string> = { "sub/deep.py": `x = ${"[".repeat(5000)}${"]".repeat(5000)}\n`, "hog.py": MEMORY_HOG, "slow.py": SLOW };
    for (const [i, name] of GOOD.entries()) files[name] = model(i + 1);
    files["sub/nested.py"] = model(9);
    files["big.py"] = `# ${"x".repeat(6 * 1024 * 1024)}\n`;
    files["new\nline.py"] = model(2);
    tree("hostile", files);
    tree("elsewhere", { "secret.py": model(3) });
    expect(mkfifo("hostile/fifo.py"), "mkfifo").toBe(true);
    symlinkSync("/dev/zero", join(work, "hostile/zero.py"));
    symlinkSync("loop.py", join(work, "hostile/loop.py"));
    symlinkSync("..", join(work, "hostile/sub/up"));
    symlinkSync(join(work, "elsewhere/secret.py"), join(work, "hostile/leave.py"));
    symlinkSync("good0.py", join(work, "hostile/alias.py"));
    runs.j1 = cli(["convert", "hostile", "-o", "out_j1", "--jobs", "1"], LIMITS);
    runs.j3 = cli(["convert", "hostile", "-o", "out_j3", "--jobs", "3"], LIMITS);
  }, 120_000);

  it("exits 1, with no stack trace, in bounded time", () => {
    for (const run of Object.values(runs)) {
      expect(run.status, run.stderr.slice(-2000)).toBe(1);
      expect(run.stderr).not.toMatch(STACK);
      expect(run.stderr).not.toMatch(/internal error/);
      expect(run.ms).toBeLessThan(45_000);
    }
  });

  it("translates every other file as if the hostile ones were not there", () => {
    const files = listFiles(join(work, "out_j1"));
    const modules = ["alias.py", ...GOOD, "sub/nested.py"];
    expect(files).toEqual([...modules.flatMap((m) => [m, m.replace(/\.py$/, "_weights.py")]), ".gitattributes", "keras2torch.json", "keras2torch_runtime.py"].sort());
    const m = manifestOf("out_j1");
    for (const name of modules) expect(entryOf(m, name).diagnostics, name).toEqual([]);
    expect(read("out_j1/good5.py")).toMatch(/nn\.Linear\(8, 6\)/);
  });

  it("gives every hostile input a manifest entry with a located error", () => {
    const m = manifestOf("out_j1");
    const expected: Record<string, [string, RegExp]> = {
      "hog.py": ["resource-limit", /memory|MAX_|limit/],
      "slow.py": ["resource-limit", /took longer than 5 s/],
      "sub/deep.py": ["resource-limit", /stack|deep|MAX_/i],
      "big.py": ["resource-limit", /6\.0 MB.*above 5 MB/],
      "fifo.py": ["unreadable-input", /FIFO/],
      "zero.py": ["unreadable-input", /outside the input folder/],
      "loop.py": ["unreadable-input", /loop/],
      "sub/up": ["unreadable-input", /symbolic link loop/],
      "leave.py": ["unreadable-input", /outside the input folder/],
      "new\nline.py": ["unsupported-input", /control character/],
    };
    for (const [input, [code, message]] of Object.entries(expected)) {
      const errors = entryOf(m, input).diagnostics.filter((d) => d.severity === "error");
      expect(errors.length, input).toBeGreaterThanOrEqual(1);
      expect(errors[0], input).toMatchObject({ code, file: input, message: expect.stringMatching(message) });
      expect(errors[0]!.line).toBeGreaterThanOrEqual(1);
      expect(errors[0]!.column).toBeGreaterThanOrEqual(1);
    }
    expect(m.files).toHaveLength(7 + 1 + Object.keys(expected).length);
    // A newline in a file name is escaped on the terminal: one diagnostic, one line.
    expect(runs.j1!.stderr).toMatch(/^hostile\/new\\x0aline\.py:1:1: error unsupported-input: /m);
  });

  it("writes the same bytes with --jobs 1 and --jobs 3", () => {
    const files = listFiles(join(work, "out_j1"));
    expect(listFiles(join(work, "out_j3"))).toEqual(files);
    for (const f of files) expect(read(`out_j3/${f}`), f).toBe(read(`out_j1/${f}`));
  });

  it("reads nothing through the links and writes nothing outside -o", () => {
    expect(listFiles(join(work, "elsewhere"))).toEqual(["secret.py"]);
    expect(readdirSync(work).sort()).toEqual(["elsewhere", "hostile", "out_j1", "out_j3"]);
  });
});

describe("a crash", () => {
  it("of the process compiling a file costs only that file; a replacement compiles the rest", () => {
    const files: Record<string, string> = { "crash.py": model(1) };
    for (let i = 0; i < 5; i++) files[`m${i}.py`] = model(i + 2);
    tree("crashing", files);
    // KERAS2TORCH_TEST_ABORT_ON makes the worker abort on that file, as V8 does on some out-of-memory paths.
    for (const jobs of ["1", "2"]) {
      const r = cli(["convert", "crashing", "-o", `out_crash_${jobs}`, "--jobs", jobs], { KERAS2TORCH_TEST_ABORT_ON: "crash.py" });
      expect(r.status, r.stderr).toBe(1);
      const m = manifestOf(`out_crash_${jobs}`);
      expect(entryOf(m, "crash.py").diagnostics.map((d) => [d.severity, d.code, d.line, d.column])).toEqual([["error", "resource-limit", 1, 1]]);
      for (let i = 0; i < 5; i++) expect(read(`out_crash_${jobs}/m${i}.py`)).toMatch(new RegExp(`nn\\.Linear\\(8, ${i + 2}\\)`));
      expect(existsSync(join(work, `out_crash_${jobs}/crash.py`))).toBe(false);
    }
  });
});

describe("special files as arguments", () => {
  it("a FIFO given as the only input is refused at once (exit 2: nothing could be read)", () => {
    expect(mkfifo("pipe.py")).toBe(true);
    const r = cli(["convert", "pipe.py", "-o", "out_pipe"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^pipe\.py:1:1: error unreadable-input: it is a FIFO/m);
    expect(r.ms).toBeLessThan(10_000);
    expect(existsSync(join(work, "out_pipe"))).toBe(false);
  });

  it("a link to /dev/zero given as an input is refused, and the other input is translated", () => {
    symlinkSync("/dev/zero", join(work, "zero_arg.py"));
    tree("one", { "m.py": model(4) });
    const r = cli(["convert", "zero_arg.py", "one/m.py", "-o", "out_zero"]);
    expect(r.status).toBe(1);
    expect(entryOf(manifestOf("out_zero"), "zero_arg.py").diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([["unreadable-input", 1, 1]]);
    expect(read("out_zero/m.py")).toMatch(/nn\.Linear\(8, 4\)/);
  });
});

describe("-o is never an input, nor a way out", () => {
  const usage = (r: Run, message: RegExp) => {
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/internal error|EEXIST|ENOTDIR/);
    expect(r.stderr).not.toMatch(STACK);
  };

  it("an -o that is a symbolic link to the input folder is refused and the sources are untouched", () => {
    tree("src_link", { "model.py": model(2) });
    symlinkSync("src_link", join(work, "out_link"));
    usage(cli(["convert", "src_link", "-o", "out_link"]), /would overwrite the input/);
    expect(listFiles(join(work, "src_link"))).toEqual(["model.py"]);
    expect(read("src_link/model.py")).toBe(model(2));
  });

  it("an -o that names an existing file is a usage error", () => {
    tree("src_file", { "model.py": model(2) });
    writeFileSync(join(work, "taken.txt"), "keep\n");
    usage(cli(["convert", "src_file", "-o", "taken.txt"]), /existing file, not a folder/);
    expect(read("taken.txt")).toBe("keep\n");
    usage(cli(["convert", "src_file", "-o", "taken.txt/out"]), /taken\.txt is an existing file, not a folder/);
    expect(read("taken.txt")).toBe("keep\n");
  });

  it("an -o that is the input file itself is a usage error", () => {
    tree("src_self", { "model.py": model(2) });
    usage(cli(["convert", "src_self/model.py", "-o", "src_self/model.py"]), /would overwrite the input/);
    expect(read("src_self/model.py")).toBe(model(2));
  });

  it("an -o whose subfolder links outside it is refused: nothing is written through the link", () => {
    tree("src_deep", { "pkg/model.py": model(2) });
    mkdirSync(join(work, "victim"));
    mkdirSync(join(work, "out_escape"));
    symlinkSync(join(work, "victim"), join(work, "out_escape/pkg"));
    usage(cli(["convert", "src_deep", "-o", "out_escape"]), /symbolic link leading out of the output folder/);
    expect(readdirSync(join(work, "victim"))).toEqual([]);
  });

  it("an output file planted as a link to an input is replaced, not written through", () => {
    tree("src_plant", { "model.py": model(2) });
    mkdirSync(join(work, "out_plant"));
    writeFileSync(join(work, "precious.py"), "# precious\n");
    symlinkSync(join(work, "precious.py"), join(work, "out_plant/model_weights.py"));
    const r = cli(["convert", "src_plant", "-o", "out_plant"]);
    expect(r.status).toBe(0);
    expect(read("precious.py")).toBe("# precious\n");
    expect(read("out_plant/model_weights.py")).toMatch(/state_dict|import/);
  });
});

describe("an output that cannot be written", () => {
  it("is an error on its file; the other files are written and no temporary file is left", () => {
    tree("src_blocked", { "a.py": model(2), "b.py": model(3) });
    mkdirSync(join(work, "out_blocked/a.py"), { recursive: true });
    const r = cli(["convert", "src_blocked", "-o", "out_blocked"]);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(STACK);
    const a = entryOf(manifestOf("out_blocked"), "a.py");
    expect(a.diagnostics.map((d) => [d.severity, d.code, d.line])).toEqual([["error", "internal-error", 1]]);
    expect(a.diagnostics[0]!.message).toMatch(/cannot write its output/);
    expect(a.module).toBeUndefined();
    expect(read("out_blocked/b.py")).toMatch(/nn\.Linear\(8, 3\)/);
    expect(listFiles(join(work, "out_blocked")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("temporary files", () => {
  it("left by an interrupted write of this run's outputs are removed; other files are left alone", () => {
    tree("src_tmp", { "a.py": model(2), "pkg/b.py": MEMORY_HOG });
    tree("out_tmp", { "a.py.4242.tmp": "half a module", "pkg/b_weights.py.17.tmp": "half a script", "pkg/b.py.tmp": "mine", "notes.txt.99.tmp": "mine too" });
    const r = cli(["convert", "src_tmp", "-o", "out_tmp"], LIMITS);
    expect(r.status).toBe(1);
    expect(entryOf(manifestOf("out_tmp"), "pkg/b.py").diagnostics.map((d) => d.code)).toContain("resource-limit");
    expect(listFiles(join(work, "out_tmp")).filter((f) => f.endsWith(".tmp"))).toEqual(["notes.txt.99.tmp", "pkg/b.py.tmp"]);
  });

  it("a run's writes create their temporary files in the process's own folder, which the run removes", () => {
    const out = join(work, "out_tmp_own");
    mkdirSync(out);
    deliver({ dir: out, check: false, run: 4242 }, [{ path: "a.py", text: "a\n" }, { path: "pkg/b.py", text: "b\n" }]);
    expect(read("out_tmp_own/pkg/b.py")).toBe("b\n");
    // One folder for this process, emptied by the renames; nothing next to the outputs.
    const folders = readdirSync(out).filter((f) => f.startsWith(".keras2torch-tmp-4242-"));
    expect(folders.length).toBe(1);
    expect(readdirSync(join(out, folders[0]!))).toEqual([]);
    expect(listFiles(out).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    removeRunTemporaries(out, 4242);
    expect(readdirSync(out).sort()).toEqual(["a.py", "pkg"]);
  });

  it("folders that killed runs left are removed; a running run's folder and other folders are left alone", () => {
    tree("src_tmp_runs", { "a.py": model(2) });
    // A process that has exited: its id names a run that was killed.
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    tree("out_tmp_runs", {
      [`.keras2torch-tmp-${dead}-aB3xYz/7`]: "half a module",
      [`.keras2torch-tmp-${process.pid}-Qr8sTu/0`]: "a write still going on",
      ".keras2torch-tmp-mine/keep.txt": "not a run's",
    });
    expect(cli(["convert", "src_tmp_runs", "-o", "out_tmp_runs"]).status).toBe(0);
    expect(readdirSync(join(work, "out_tmp_runs")).filter((f) => f.startsWith(".keras2torch-tmp")).sort()).toEqual([`.keras2torch-tmp-${process.pid}-Qr8sTu`, ".keras2torch-tmp-mine"]);
    expect(read("out_tmp_runs/a.py")).toMatch(/nn\.Linear\(8, 2\)/);
  });
});

describe("diagnostics stay bounded", () => {
  it("lists at most 100 diagnostics per file, then one that counts the rest", () => {
    const lines = ["import keras", "from keras import layers", "inputs = keras.Input(shape=(8,))", "x = inputs"];
    for (let i = 0; i < 250; i++) lines.push(`x = layers.Dense(N${i})(x)`);
    lines.push("model = keras.Model(inputs, x)");
    tree("many", { "many.py": lines.join("\n") + "\n" });
    const r = cli(["convert", "many", "-o", "out_many"]);
    expect(r.status).toBe(1);
    const d = entryOf(manifestOf("out_many"), "many.py").diagnostics;
    expect(d).toHaveLength(101);
    expect(d[100]).toMatchObject({ severity: "error", code: "resource-limit", message: expect.stringMatching(/^150 more diagnostics \(150 errors\) not listed/), line: 105 });
  });

  it("a 1 MB line is compiled, and its code frame is cut to a readable width", () => {
    tree("wide", { "wide.py": `x = [1, "${"a".repeat(1_000_000)}" +]\n`, "ok.py": model(2) });
    const r = cli(["convert", "wide", "-o", "out_wide"]);
    expect(r.status).toBe(1);
    const errors = entryOf(manifestOf("out_wide"), "wide.py").diagnostics;
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.every((e) => e.message.length <= 1_001)).toBe(true);
    for (const line of r.stderr.split("\n")) expect(line.length).toBeLessThan(1_200);
    expect(read("out_wide/ok.py")).toMatch(/nn\.Linear/);
  });
});
