// Byte-identity guard for speed work: compiles every golden case's source with the built CLI, the way
// test/golden.test.ts does (case.json cli_args; `compile_from` cases read golden/.work/<case>/keras/model.*,
// which the golden reference stage writes), and compares the output folder with golden/<case>/expected/
// byte for byte (as the harness does: a standalone script's runtime is a marker, the shared runtime and .gitattributes are left out).
// Runs no Keras and no PyTorch. `node scripts/check-snapshots.mjs [case ...]`; CHECK_JOBS=N (default 2).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatPython } from "../dist/emit/format.js";
import { RUNTIME_FILE } from "../dist/emit/files.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const GOLDEN = path.join(ROOT, "golden");
const CLI = path.join(ROOT, "bin", "keras2torch.js");
const JOBS = Number(process.env.CHECK_JOBS ?? 2);
const RUNTIME = formatPython(readFileSync(path.join(ROOT, "templates", "weights_runtime.py"), "utf8"));
const RUNTIME_MARKER = "# (the static runtime, templates/weights_runtime.py formatted, follows here)\n";

const wanted = process.argv.slice(2);
const cases = readdirSync(GOLDEN, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith(".") && d.name !== "harness" && existsSync(path.join(GOLDEN, d.name, "case.json")))
  .map((d) => d.name)
  .filter((n) => !wanted.length || wanted.includes(n))
  .sort();

function listFiles(dir) {
  const out = [];
  const walk = (rel) => {
    for (const d of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        if (d.name !== "__pycache__") walk(r);
      } else if (d.isFile() && !d.name.endsWith(".pyc")) out.push(r);
    }
  };
  if (existsSync(dir) && statSync(dir).isDirectory()) walk("");
  return out.sort();
}

// As test/golden-util.ts: a standalone weights script's runtime is stored as a marker; the shared runtime
// and .gitattributes are derived files, left out of the snapshots.
const DERIVED = new Set([RUNTIME_FILE, ".gitattributes"]);

function snapshotText(file, text) {
  if (!file.endsWith("_weights.py") || !text.endsWith(RUNTIME)) return text;
  return text.slice(0, text.length - RUNTIME.length) + RUNTIME_MARKER;
}

function run(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.stdout.resume();
    child.on("close", (code) => resolve({ code, err }));
  });
}

const work = mkdtempSync(path.join(tmpdir(), "keras2torch-snapshots-"));
const failures = [];
let skipped = 0;
async function check(name) {
  const spec = JSON.parse(readFileSync(path.join(GOLDEN, name, "case.json"), "utf8"));
  const input = spec.compile_from ? path.join("golden", ".work", name, "keras", `model.${spec.compile_from}`) : path.join("golden", name, "src");
  if (!existsSync(path.join(ROOT, input))) {
    skipped++;
    console.log(`skipped ${name}: ${input} is missing (the golden reference stage writes it)`);
    return;
  }
  const out = path.join(work, name);
  await run([CLI, "convert", input, "-o", out, ...(spec.cli_args ?? [])]);
  const expected = path.join(GOLDEN, name, "expected");
  const got = listFiles(out).filter((f) => !DERIVED.has(f));
  const want = listFiles(expected);
  const problems = [];
  for (const f of want.filter((f) => !got.includes(f))) problems.push(`${f}: not generated`);
  for (const f of got.filter((f) => !want.includes(f))) problems.push(`${f}: not in the snapshot`);
  for (const f of got.filter((f) => want.includes(f))) {
    if (snapshotText(f, readFileSync(path.join(out, f), "utf8")) !== readFileSync(path.join(expected, f), "utf8")) problems.push(`${f}: differs`);
  }
  if (problems.length) failures.push(`${name}: ${problems.join("; ")}`);
}

const queue = [...cases];
await Promise.all(Array.from({ length: JOBS }, async () => {
  while (queue.length) await check(queue.shift());
}));
rmSync(work, { recursive: true, force: true });
for (const f of failures) console.log(`DIFFERS ${f}`);
console.log(`${cases.length - skipped - failures.length} of ${cases.length} cases byte-identical${skipped ? `, ${skipped} skipped` : ""}, ${failures.length} differ`);
process.exit(failures.length ? 1 : 0);
