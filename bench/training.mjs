// Training-script benchmark (issue 8): a corpus of real-shaped training scripts that the repo generates
// (data loading, vocabularies, generators and callbacks, the model, fit, custom training loops and
// sampling loops around it), each compiled in one process against tree-sitter's bare parse of the same
// text. Reports the median and worst ratio, the slowest files, and how fast a file that exhausts the
// evaluation budget is stopped. Goals: median within 3x the bare parse, no file over 1 s, the budget hit
// in under 0.5 s.
import { performance } from "node:perf_hooks";
import Parser from "tree-sitter";
import Python from "tree-sitter-python";
import { compile } from "../dist/index.js";
import { trainingCorpus } from "./training-corpus.mjs";
import { asWorker, flagsNote, rerunWithWorkerFlags } from "./worker-flags.mjs";

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const best = (n, fn) => Math.min(...Array.from({ length: n }, () => { const t = performance.now(); fn(); return performance.now() - t; }));

const files = trainingCorpus(Number(process.env.BENCH_FILES ?? 120));
const parser = new Parser();
parser.setLanguage(Python);
// Warm-up: every file once, as bench/bulk.mjs does, so that the figure is the per-file cost of a long
// run rather than of V8's first look at the code (BENCH_WARMUP=10 warms up with the first 10 files only,
// as this benchmark did before 2026-12-04).
for (const f of files.slice(0, Number(process.env.BENCH_WARMUP ?? files.length))) compile(f.text, { path: f.name });
const rows = files.map((f) => {
  let result;
  const total = best(3, () => (result = compile(f.text, { path: f.name })));
  const parse = best(3, () => parser.parse(f.text));
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  return { name: f.name, total, parse, ratio: total / parse, errors: errors.length, first: errors[0]?.message };
});
const budgetFile = `import keras\nn = sum([i * j for i in range(100000) for j in range(100000)])\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2 + 0 * n)])\n`;
let budget;
const budgetMs = best(3, () => (budget = compile(budgetFile, { path: "budget.py" })));

const kb = files.reduce((n, f) => n + f.text.length, 0) / 1024;
if (!asWorker) console.log(`training scripts: ${files.length} files, ${kb.toFixed(0)} KB (3 data loaders x 3 models x 3 training styles)`);
console.log(`\n${flagsNote}:`);
console.log(`compile per file: median ${median(rows.map((r) => r.total)).toFixed(2)} ms, max ${Math.max(...rows.map((r) => r.total)).toFixed(1)} ms; bare parse median ${median(rows.map((r) => r.parse)).toFixed(2)} ms`);
console.log(`ratio to bare parse: median ${median(rows.map((r) => r.ratio)).toFixed(1)}x, worst ${Math.max(...rows.map((r) => r.ratio)).toFixed(1)}x`);
console.log(`files over 1 s: ${rows.filter((r) => r.total > 1000).length}; files with an error diagnostic: ${rows.filter((r) => r.errors).length}`);
for (const r of rows.filter((x) => x.errors).slice(0, 5)) console.log(`  ${r.name}: ${r.first}`);
console.log(`slowest: ${[...rows].sort((a, b) => b.total - a.total).slice(0, 3).map((r) => `${r.name} ${r.total.toFixed(1)} ms`).join(", ")}`);
console.log(`a file that exhausts the evaluation budget: stopped in ${budgetMs.toFixed(0)} ms (${budget.diagnostics.find((d) => d.severity === "error")?.message.slice(0, 60)}…)`);
rerunWithWorkerFlags(new URL(import.meta.url).pathname);
