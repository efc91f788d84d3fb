// Byte-identity guard for speed work, in one process: compiles the bench corpora (bench/corpus.mjs,
// bench/training-corpus.mjs), every golden source, the examples and the fuzz cases with `compile()`, and
// records a digest of each result (files, diagnostics, models, mapping, layers). With `--save FILE` it
// writes the digests; with `--compare FILE` it reports every input whose result changed.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "../dist/index.js";
import { writeCorpus } from "../bench/corpus.mjs";
import { trainingCorpus } from "../bench/training-corpus.mjs";
import { hostile } from "./hostile-files.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const inputs = [];
const work = mkdtempSync(path.join(tmpdir(), "keras2torch-outputs-"));
for (const p of writeCorpus(work, 300)) inputs.push({ name: `bulk/${p}`, text: readFileSync(path.join(work, p), "utf8") });
rmSync(work, { recursive: true, force: true });
for (const f of trainingCorpus(120)) inputs.push({ name: `training/${f.name}`, text: f.text });
const golden = path.join(ROOT, "golden");
for (const c of readdirSync(golden).sort()) {
  const src = path.join(golden, c, "src");
  if (!existsSync(src)) continue;
  for (const f of readdirSync(src).filter((f) => f.endsWith(".py")).sort()) inputs.push({ name: `golden/${c}/${f}`, text: readFileSync(path.join(src, f), "utf8") });
}
for (const dir of ["examples", "test/fuzz-cases"]) {
  for (const f of readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith(".py")).sort()) inputs.push({ name: `${dir}/${f}`, text: readFileSync(path.join(ROOT, dir, f), "utf8") });
}

// Hostile files (bar the 5 MB one: slow, and only the input limit) and syntax near the nesting-depth limit.
for (const [name, text] of Object.entries(hostile)) if (name !== "five_mb.py") inputs.push({ name: `hostile/${name}`, text });
const withModel = (line) => `import keras\nfrom keras import layers\n${line}\nmodel = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2)])\n`;
for (const n of [998, 999, 1000, 1001, 5000]) {
  inputs.push({ name: `depth/unary_${n}.py`, text: withModel(`x = ${"-".repeat(n)}1`) });
  inputs.push({ name: `depth/ternary_${n}.py`, text: withModel(`x = 1${" if True else 1".repeat(n)}`) });
  inputs.push({ name: `depth/sum_${n}.py`, text: withModel(`x = ${Array.from({ length: n }, (_, i) => i).join(" + ")}`) });
  inputs.push({ name: `depth/pow_${n}.py`, text: withModel(`x = ${Array.from({ length: n }, () => "1").join(" ** ")}`) });
  inputs.push({ name: `depth/attr_${n}.py`, text: withModel(`x = layers${".a".repeat(n)}`) });
  inputs.push({ name: `depth/not_${n}.py`, text: withModel(`x = ${"not ".repeat(n)}1`) });
}
// Syntax errors and missing nodes.
for (const [i, line] of ["x = (1,", "def f(:\n    pass", "x = [1, 2", "model = keras.Sequential([layers.Dense(2)", "if x\n    y = 1", "x = 1 +", "class A(\n"].entries()) {
  inputs.push({ name: `errors/e${i}.py`, text: withModel(line) });
}

const digests = {};
for (const { name, text } of inputs) {
  const r = compile(text, { path: path.basename(name) });
  digests[name] = createHash("sha256").update(JSON.stringify([r.files, r.diagnostics, r.models, r.mapping, r.layers, r.entryFound])).digest("hex");
}
const [mode, file] = process.argv.slice(2);
if (mode === "--save") {
  writeFileSync(file, JSON.stringify(digests, null, 1));
  console.log(`${inputs.length} results saved to ${file}`);
} else if (mode === "--compare") {
  const before = JSON.parse(readFileSync(file, "utf8"));
  const changed = Object.keys(before).filter((k) => before[k] !== digests[k]);
  for (const k of changed) console.log(`CHANGED ${k}`);
  console.log(`${inputs.length - changed.length} of ${inputs.length} results identical, ${changed.length} changed`);
  process.exit(changed.length ? 1 : 0);
} else {
  console.log("usage: node scripts/check-outputs.mjs --save FILE | --compare FILE");
  process.exit(2);
}
