// Tests of the bulk-migration and review workflow (issue 11), run as a user runs them: globs, --check,
// reports, GitHub annotations, the progress bar and summary, the config file and the library API.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sourceLineMap } from "../src/emit/source-map.js";
import { shortDiff } from "../src/cli/diff.js";
import { globBase, globMatcher } from "../src/cli/glob.js";
import type { Manifest } from "../src/manifest.js";
import { writeTree, listFiles, MLP, CNN, WITH_WARNING } from "./cli-util.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "bin", "keras2torch.js");
let work: string;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Run {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...options.env };
  delete env.CI;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: options.cwd ?? work, encoding: "utf8", timeout: 120_000, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tree = (root: string, files: Record<string, string>): string => writeTree(work, root, files);

const read = (path: string) => readFileSync(join(work, path), "utf8");
const manifestOf = (out: string) => JSON.parse(read(`${out}/keras2torch.json`)) as Manifest;

const UNSUPPORTED = `import keras
from keras import layers

inputs = keras.Input(shape=(16, 16, 3))
x = layers.Conv2D(4, 3, name="conv")(inputs)
x = keras.layers.Discretization([0.5])(x)
model = keras.Model(inputs, layers.Dense(2)(layers.Flatten()(x)))
`;

const NO_MODEL = `"""Helpers only."""
SCALE = 2
`;

const PROJECT = {
  "top.py": MLP,
  "a/b.py": CNN,
  "a/notes.py": NO_MODEL,
  "a/warn.py": WITH_WARNING,
  "a/deeper/c.py": MLP,
  "docs/readme.txt": "not Python\n",
};

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "keras2torch-bulk-test-"));
  const built = join(ROOT, "dist", "cli", "main.js");
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((i) => (i.isDirectory() ? newest(join(dir, i.name)) : statSync(join(dir, i.name)).mtimeMs)));
  if (!existsSync(built) || statSync(built).mtimeMs < newest(join(ROOT, "src"))) spawnSync("npx", ["tsc", "-p", "."], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  expect(existsSync(built)).toBe(true);
  tree("proj", PROJECT);
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("glob inputs", () => {
  it("matches like a shell glob: * within a segment, ** across, [..], {a,b}", () => {
    expect(globBase("models/**/*.py")).toBe("models");
    expect(globBase("src/a/*.py")).toBe("src/a");
    expect(globBase("*.py")).toBe(".");
    const m = globMatcher("**/*.py");
    expect(["a.py", "x/a.py", "x/y/a.py"].every(m)).toBe(true);
    expect(m("a.txt")).toBe(false);
    const one = globMatcher("*.py");
    expect([one("a.py"), one("x/a.py")]).toEqual([true, false]);
    expect(globMatcher("{top,a/b}.py")("a/b.py")).toBe(true);
    expect(globMatcher("a/[bw]*.py")("a/warn.py")).toBe(true);
    expect(globMatcher("a/[!bw]*.py")("a/warn.py")).toBe(false);
    expect(globMatcher("a.py")("aXpy")).toBe(false);
  });

  it("a quoted glob is walked from its folder part and the tree under it is mirrored under -o", () => {
    const r = cli(["convert", "proj/**/*.py", "-o", "out_glob"]);
    expect(r.status).toBe(0);
    expect(manifestOf("out_glob").files.map((f) => f.input)).toEqual(["a/b.py", "a/deeper/c.py", "a/notes.py", "a/warn.py", "top.py"]);
    expect(listFiles(join(work, "out_glob"))).toEqual([
      ".gitattributes",
      "a/b.py",
      "a/b_weights.py",
      "a/deeper/c.py",
      "a/deeper/c_weights.py",
      "a/warn.py",
      "a/warn_weights.py",
      "keras2torch.json",
      "keras2torch_runtime.py",
      "top.py",
      "top_weights.py",
    ]);
    // The same bytes as the folder argument gives.
    expect(cli(["convert", "proj", "-o", "out_dir"]).status).toBe(0);
    for (const f of listFiles(join(work, "out_dir"))) expect(read(`out_glob/${f}`), f).toBe(read(`out_dir/${f}`));
  });

  it("a glob below the top keeps paths relative to its own folder part", () => {
    const r = cli(["convert", "proj/a/*.py", "-o", "out_glob_a"]);
    expect(r.status).toBe(0);
    expect(manifestOf("out_glob_a").files.map((f) => f.input)).toEqual(["b.py", "notes.py", "warn.py"]);
  });

  it("a glob that matches nothing, or whose folder does not exist, is a usage error", () => {
    const none = cli(["convert", "proj/**/*_nothing.py", "-o", "out_none"]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/matches no \.py file/);
    const missing = cli(["convert", "nowhere/*.py", "-o", "out_none"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/the folder `nowhere` does not exist/);
    expect(existsSync(join(work, "out_none"))).toBe(false);
  });

  it("an -o that is the glob's folder would overwrite inputs and is refused", () => {
    const r = cli(["convert", "proj/a/*.py", "-o", "proj/a"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/input folder|would overwrite/);
    expect(listFiles(join(work, "proj"))).toEqual(Object.keys(PROJECT).sort());
  });
});

describe("trustworthy output", () => {
  it("leaves no temporary file behind and writes nothing but the outputs", () => {
    expect(cli(["convert", "proj", "-o", "out_clean", "--jobs", "2"]).status).toBe(0);
    expect(listFiles(join(work, "out_clean")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    // The workers' temporary folders (output.ts) are gone too.
    expect(readdirSync(join(work, "out_clean")).filter((f) => f.startsWith(".keras2torch-tmp"))).toEqual([]);
    expect(listFiles(join(work, "proj"))).toEqual(Object.keys(PROJECT).sort());
  });

  it("writes no time stamp or absolute path into what it writes", () => {
    expect(cli(["convert", "proj", "-o", "out_stamp", "--report", "stamp.json", "--report", "stamp.md", "--report", "stamp.html"]).status).toBe(0);
    const texts = [...listFiles(join(work, "out_stamp")).map((f) => read(`out_stamp/${f}`)), read("stamp.json"), read("stamp.md"), read("stamp.html")];
    for (const text of texts) {
      expect(text).not.toContain(work);
      expect(text).not.toMatch(/20\d\d-\d\d-\d\dT|\d\d:\d\d:\d\d/);
    }
  });
});

describe("--check", () => {
  beforeAll(() => {
    tree("chk", { "m.py": MLP, "sub/c.py": CNN, "gone.py": MLP });
    expect(cli(["convert", "chk", "-o", "out_chk"]).status).toBe(0);
  });

  it("exits 0 when the output is up to date, and writes nothing", () => {
    const before = listFiles(join(work, "out_chk")).map((f) => [f, statSync(join(work, "out_chk", f)).mtimeMs]);
    const r = cli(["convert", "chk", "-o", "out_chk", "--check"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/--check: out_chk is up to date/);
    expect(listFiles(join(work, "out_chk")).map((f) => [f, statSync(join(work, "out_chk", f)).mtimeMs])).toEqual(before);
  });

  it("exits 1 listing changed, missing and no-longer-produced files with a short diff, and writes nothing", () => {
    rmSync(join(work, "chk", "gone.py"));
    writeFileSync(join(work, "out_chk", "m.py"), read("out_chk/m.py").replace("nn.Linear(16, 3)", "nn.Linear(16, 4)"));
    rmSync(join(work, "out_chk", "sub", "c_weights.py"));
    writeFileSync(join(work, "out_chk", "__init__.py"), "# hand-written, not ours\n");
    const before = listFiles(join(work, "out_chk"));
    const r = cli(["convert", "chk", "-o", "out_chk", "--check"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stale: keras2torch\.json \(changed\)/);
    expect(r.stderr).toMatch(/stale: m\.py \(changed\)\n--- a\/m\.py\n\+\+\+ b\/m\.py\n@@ /);
    expect(r.stderr).toMatch(/^-.*nn\.Linear\(16, 4\)/m);
    expect(r.stderr).toMatch(/^\+.*nn\.Linear\(16, 3\)/m);
    expect(r.stderr).toMatch(/stale: sub\/c_weights\.py \(missing\)/);
    expect(r.stderr).toMatch(/stale: gone\.py \(extra\)/);
    expect(r.stderr).toMatch(/stale: gone_weights\.py \(extra\)/);
    expect(r.stderr).not.toMatch(/__init__\.py/);
    // .gitattributes lists gone.py no more.
    expect(r.stderr).toMatch(/stale: \.gitattributes \(changed\)/);
    expect(r.stderr).toMatch(/--check: 6 stale files in out_chk/);
    expect(r.stderr).toMatch(/keras2torch: checked out_chk\n[^]* {2}stale +6\n {2}time /);
    expect(listFiles(join(work, "out_chk"))).toEqual(before);
    // Regenerating brings it back in sync (the hand-written file stays, the extra ones are the user's to delete).
    expect(cli(["convert", "chk", "-o", "out_chk"]).status).toBe(0);
    rmSync(join(work, "out_chk", "gone.py"));
    rmSync(join(work, "out_chk", "gone_weights.py"));
    expect(cli(["convert", "chk", "-o", "out_chk", "--check"]).status).toBe(0);
  });

  it("on an output folder that does not exist, every file is missing and the folder is not created", () => {
    const r = cli(["convert", "chk", "-o", "out_chk_none", "--check", "-q"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stale: m\.py \(missing\)/);
    expect(existsSync(join(work, "out_chk_none"))).toBe(false);
  });

  it("a short diff shows the changed lines with context and is cut", () => {
    const old = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    const next = old.replace("line 20", "LINE 20");
    expect(shortDiff(old, next, "x.py")).toBe(["--- a/x.py", "+++ b/x.py", "@@ -19,5 +19,5 @@", " line 18", " line 19", "-line 20", "+LINE 20", " line 21", " line 22"].join("\n"));
    const many = shortDiff(old, old.replace(/line/g, "L"), "x.py").split("\n");
    expect(many.length).toBe(16);
    expect(many.at(-1)).toMatch(/^… \d+ more lines$/);
  });
});

describe("progress and summary", () => {
  it("prints a summary table (files by status, models, diagnostics by severity, time) and no bar when stderr is not a terminal", () => {
    const r = cli(["convert", "proj", "-o", "out_sum"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/keras2torch: wrote out_sum\n {2}files +5 \(4 translated, 1 without a model, 0 failed\)\n {2}models +4\n {2}errors +0\n {2}warnings +1\n {2}info +1\n {2}time +\d+\.\d\d s\n$/);
    expect(r.stderr).not.toContain("\r");
  });

  it("--progress draws the bar; CI=1 and --quiet keep it off", () => {
    const r = cli(["convert", "proj", "-o", "out_bar", "--progress"]);
    expect(r.stderr).toMatch(/\r\x1b\[2K\[#+\] 5\/5 /);
    const quiet = cli(["convert", "proj", "-o", "out_bar", "-q"]);
    expect(quiet.stderr).toBe("");
  });
});

describe("--report and --format github", () => {
  let run: Run;
  beforeAll(() => {
    tree("rep", { "good.py": MLP, "a/warn.py": WITH_WARNING, "bad.py": UNSUPPORTED, "notes.py": NO_MODEL });
    run = cli(["convert", "rep", "-o", "out_rep", "--report", "rep.json", "--report", "reports/rep.md", "--format", "github"]);
  });

  it("writes a JSON report with each file's status, models and diagnostics", () => {
    expect(run.status).toBe(1);
    const report = JSON.parse(read("rep.json")) as { version: number; counts: Record<string, number>; files: { input: string; status: string; models: { class: string }[] }[] };
    expect(report.version).toBe(1);
    expect(report.counts).toMatchObject({ files: 4, error: 1, warning: 1, info: 1 });
    expect(report.files.map((f) => [f.input, f.status])).toEqual([
      ["a/warn.py", "translated"],
      ["bad.py", "translated"],
      ["good.py", "translated"],
      ["notes.py", "no-model"],
    ]);
    expect(report.files[2]!.models.map((m) => m.class)).toEqual(["Mlp"]);
  });

  it("writes a Markdown report that fits a pull-request comment", () => {
    const md = read("reports/rep.md");
    expect(md).toMatch(/^### keras2torch: 4 files, 3 models, 1 error, 1 warning, 1 info\n/);
    expect(md).toContain("| file | status | models | diagnostics |");
    expect(md).toContain("| `good.py` | ✅ translated | `Mlp` | — |");
    expect(md).toContain("| `notes.py` | ℹ️ no-model | — | 1 info |");
    expect(md).toMatch(/\| `a\/warn\.py` \| ⚠️ translated \| `Model` \| 1 warning \|/);
    expect(md).toMatch(/\| `bad\.py` \| ❌ translated \| `Model` \| 1 error \|/);
    expect(md).toMatch(/- \*\*error\*\* `unsupported-layer` `bad\.py:6:\d+`: /);
    expect(md.length).toBeLessThan(65_536);
  });

  it("a Markdown report of a huge run stays under GitHub's comment limit and says what it left out", async () => {
    const { renderReport } = await import("../src/cli/reports.js");
    const entry = (i: number) => ({
      input: `pkg/very/long/path/to/model_${i}.py`,
      module: `pkg/very/long/path/to/model_${i}.py`,
      diagnostics: [{ severity: "warning" as const, code: "unsupported-construct" as const, message: "x".repeat(300), file: `m${i}.py`, line: 1, column: 1, end_line: 1, end_column: 2 }],
      models: [{ names: ["model"], class: `Model${i}`, primary: true, line: 1, inputs: [], outputs: [], keras_classes: [] }],
    });
    const files = Array.from({ length: 3000 }, (_, i) => ({ entry: entry(i), real: "", status: "translated" as const }));
    const md = renderReport("md", {
      out: "/o",
      manifest: { version: 1, files: files.map((f) => f.entry) },
      files,
      diagnostics: [],
      counts: { files: 3000, models: 3000, error: 0, warning: 3000, info: 0 },
      stale: [],
      exitCode: 0,
      elapsedMs: 0,
    });
    expect(md.length).toBeLessThan(65_536);
    expect(md).toMatch(/… and \d+ more files; the JSON report/);
    expect(md).toMatch(/<\/details>\n$/);
  });

  it("emits GitHub Actions annotations on stdout: error, warning and notice", () => {
    expect(run.stdout).toMatch(/^::error file=rep\/bad\.py,line=6,col=\d+,endLine=6,endColumn=\d+,title=keras2torch unsupported-layer::.+$/m);
    expect(run.stdout).toMatch(/^::warning file=rep\/a\/warn\.py,line=5,col=1,endLine=7,title=keras2torch unsupported-construct::.+$/m);
    expect(run.stdout).toMatch(/^::notice file=rep\/notes\.py,line=1,col=1,.*::no Keras model/m);
    expect(run.stderr).not.toMatch(/^rep\/bad\.py:6/m);
  });

  it("reports are the same bytes on every run", () => {
    const first = read("rep.json") + read("reports/rep.md");
    cli(["convert", "rep", "-o", "out_rep", "--report", "rep.json", "--report", "reports/rep.md", "-j", "2"]);
    expect(read("rep.json") + read("reports/rep.md")).toBe(first);
  });

  it("an unknown report extension or --format is a usage error", () => {
    expect(cli(["convert", "rep", "-o", "out_rep2", "--report", "r.txt"]).status).toBe(2);
    expect(cli(["convert", "rep", "-o", "out_rep2", "--format", "xml"]).status).toBe(2);
    expect(existsSync(join(work, "out_rep2"))).toBe(false);
  });

  it("--check with --format github annotates stale files", () => {
    writeFileSync(join(work, "out_rep", "good.py"), "# edited\n");
    const r = cli(["convert", "rep", "-o", "out_rep", "--check", "--format", "github"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^::error file=out_rep\/good\.py,title=keras2torch --check::out_rep\/good\.py is stale \(changed\)/m);
  });

  it("--help describes every option", () => {
    const help = cli(["--help"]).stdout;
    for (const option of ["--check", "--report FILE", "--format FORMAT", "--config FILE", "--no-config", "--progress", "--no-progress", "glob"]) expect(help).toContain(option);
  });
});

describe("config file", () => {
  it("keras2torch.config.json supplies inputs, out, per-file entries, layout and reports; flags override it", () => {
    tree("cfg", {
      "models/a/b.py": CNN,
      "models/top.py": MLP,
      "keras2torch.config.json": JSON.stringify({
        inputs: ["models"],
        out: "torch_out",
        entries: { "a/b.py": "build_model(num_classes=3)" },
        ioLayout: "keras",
        reports: ["report.md"],
      }),
    });
    const cwd = join(work, "cfg");
    const r = cli(["convert"], { cwd });
    expect(r.status).toBe(0);
    const b = read("cfg/torch_out/a/b.py");
    expect(b).toMatch(/nn\.Linear\(1352, 3\)/);
    // keras layout: the class takes NHWC and permutes inside.
    expect(manifestOf("cfg/torch_out").files.find((f) => f.input === "a/b.py")!.models[0]!.inputs[0]!.torch_shape).toEqual([null, 28, 28, 1]);
    expect(existsSync(join(cwd, "report.md"))).toBe(true);
    // Flags win: another -o, another layout.
    const o = cli(["convert", "-o", "elsewhere", "--io-layout", "channels-first"], { cwd });
    expect(o.status).toBe(0);
    expect(manifestOf("cfg/elsewhere").files.find((f) => f.input === "a/b.py")!.models[0]!.inputs[0]!.torch_shape).toEqual([null, 1, 28, 28]);
    // --no-config ignores it.
    expect(cli(["convert", "--no-config"], { cwd }).status).toBe(2);
  });

  it('reads a "keras2torch" key in package.json', () => {
    tree("pkg", { "src/m.py": MLP, "package.json": JSON.stringify({ name: "x", keras2torch: { inputs: ["src"], out: "gen" } }) });
    expect(cli(["convert"], { cwd: join(work, "pkg") }).status).toBe(0);
    expect(existsSync(join(work, "pkg", "gen", "m.py"))).toBe(true);
  });

  it("an unknown key or a wrong type is a usage error", () => {
    tree("badcfg", { "m.py": MLP, "keras2torch.config.json": JSON.stringify({ output: "x" }) });
    const r = cli(["convert", "m.py", "-o", "o"], { cwd: join(work, "badcfg") });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown key `output`/);
    tree("badcfg2", { "m.py": MLP, "keras2torch.config.json": JSON.stringify({ jobs: "2" }) });
    expect(cli(["convert", "m.py", "-o", "o"], { cwd: join(work, "badcfg2") }).stderr).toMatch(/`jobs` has the wrong type/);
  });

  it("an entry given for one file that is not in it is an error on that file", () => {
    tree("cfgentry", { "m.py": MLP, "keras2torch.config.json": JSON.stringify({ entries: { "m.py": "nothing_here" } }) });
    const r = cli(["convert", "m.py", "-o", "o"], { cwd: join(work, "cfgentry") });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error entry-not-found: the entry `nothing_here` given for this file/);
  });
});

describe("library API", () => {
  it('import { compile, convertFiles } from "keras2torch" works and returns the run', () => {
    const script = `
import { compile, convertFiles } from "keras2torch";
const one = compile(${JSON.stringify(MLP)}, { path: "m.py" });
const run = await convertFiles([${JSON.stringify(join(work, "proj"))}], { out: ${JSON.stringify(join(work, "out_api"))}, jobs: 1 });
console.log(JSON.stringify({ files: one.files.map((f) => f.path), exit: run.exitCode, counts: run.counts, statuses: run.files.map((f) => f.status) }));
`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({
      files: ["m.py", "m_weights.py"],
      exit: 0,
      counts: { files: 5, models: 4, error: 0, warning: 1, info: 1 },
      statuses: ["translated", "translated", "no-model", "translated", "translated"],
    });
    expect(cli(["convert", "proj", "-o", "out_api_cli"]).status).toBe(0);
    for (const f of listFiles(join(work, "out_api_cli"))) expect(read(`out_api/${f}`), f).toBe(read(`out_api_cli/${f}`));
  });

  it("is typed: a TypeScript caller type-checks against dist/index.d.ts, and a wrong use does not", () => {
    // Inside the package (its package.json names it keras2torch), so the import resolves to this build.
    const dir = mkdtempSync(join(ROOT, ".api-typecheck-"));
    try {
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true, noEmit: true, skipLibCheck: true, types: ["node"] }, include: ["*.ts"] }));
      writeFileSync(
        join(dir, "ok.ts"),
        `import { compile, convertFiles, renderReport, type ConvertResult, type FileStatus } from "keras2torch";
const one = compile("x = 1\\n", { path: "x.py" });
const paths: string[] = one.files.map((f) => f.path);
const run: ConvertResult = await convertFiles(["models/"], { out: "out", check: true, jobs: 2, ioLayout: "keras", entries: { "a.py": "model" } });
const status: FileStatus = run.files[0]!.status;
const code: 0 | 1 | 2 = run.exitCode;
const md: string = renderReport("md", run);
console.log(paths, status, code, md, run.stale.map((s) => s.reason), run.counts.warning);
`,
      );
      const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
      const ok = spawnSync(process.execPath, [tsc, "-p", dir], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
      expect(ok.stdout + ok.stderr).toBe("");
      writeFileSync(join(dir, "bad.ts"), `import { convertFiles } from "keras2torch";\nawait convertFiles(["m.py"], { output: "out" });\n`);
      const bad = spawnSync(process.execPath, [tsc, "-p", dir], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
      expect(bad.stdout).toMatch(/bad\.ts.*'output' does not exist/s);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("the README's migration script runs", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const block = /```js\n(\/\/ migrate\.mjs[\s\S]*?)```/.exec(readme);
    expect(block, "a ```js block starting with // migrate.mjs in README.md").not.toBeNull();
    tree("legacy", { "models/cnn.py": CNN, "models/mlp.py": MLP, "models/util.py": NO_MODEL });
    // Run from the user's project folder, with the package import pointed at this checkout's build.
    const script = block![1]!.replace(/from "keras2torch"/g, `from ${JSON.stringify(pathToFileURL(join(ROOT, "dist", "index.js")).href)}`);
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: join(work, "legacy"), encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(work, "legacy", "torch_models", "cnn.py"))).toBe(true);
    expect(existsSync(join(work, "legacy", "migration.md"))).toBe(true);
  });
});

describe("source line map of a generated module", () => {
  it("gives every line of a statement ruff wrapped the location in its trailing comment", () => {
    const generated = [
      "class M(nn.Module):",
      "    def forward(self, x):",
      "        y = torch.cat(",
      "            [x, x],",
      "            dim=-1,",
      "        )  # model.py:12",
      "        if x.shape[0] > 1:  # model.py:13",
      "            y = y + 1  # other.py:4",
      "        return y",
      "",
    ].join("\n");
    const map = sourceLineMap(generated);
    expect(map.map((l) => (l ? `${l.file}:${l.line}` : null))).toEqual([null, null, "model.py:12", "model.py:12", "model.py:12", "model.py:12", "model.py:13", "other.py:4", null, null]);
  });
});
