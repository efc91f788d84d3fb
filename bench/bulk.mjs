// Bulk benchmark (issue 11): compiles a generated corpus (bench/corpus.mjs, BENCH_FILES files, 300 by
// default) and reports
// - per file, in one process: tree-sitter's bare parse, keras2torch's whole compile, and where the time
//   goes (parse + scan; evaluation, lowering, emission and formatting), as medians, and the median ratio
//   of compile to bare parse; next to it, what ruff would cost on the whole module (the compiler gives
//   ruff only the lines it would break: src/emit/format.ts);
// - the CLI on the whole corpus with one worker and with all cores: files/s, ms/file, peak resident
//   memory of the process tree (the CLI and its worker processes, sampled every 20 ms);
// - the CLI's fixed cost: one small file.
// Both CLI runs must write the same bytes.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import Parser from "tree-sitter";
import Python from "tree-sitter-python";
import { compile } from "../dist/index.js";
import { formatPython } from "../dist/emit/format.js";
import { SourceFile } from "../dist/frontend/parse.js";
import { writeCorpus } from "./corpus.mjs";
import { asWorker, flagsNote, rerunWithWorkerFlags } from "./worker-flags.mjs";

const root = new URL("..", import.meta.url).pathname;
const RUNTIME_START = "# ---------------------------------------------------------------------------\n# keras2torch weights runtime";
const count = Number(process.env.BENCH_FILES ?? 300);
const work = mkdtempSync(join(tmpdir(), "keras2torch-bulk-"));
const input = join(work, "in");
const paths = writeCorpus(input, count);
const texts = paths.map((p) => readFileSync(join(input, p), "utf8"));
const kb = texts.reduce((n, t) => n + t.length, 0) / 1024;
if (!asWorker) console.log(`corpus: ${count} files, ${kb.toFixed(0)} KB, ${paths.filter((p) => p.startsWith("resnet")).length} ResNet-50-sized Functional files`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const time = (fn) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};
/** The fastest of `n` runs: the least disturbed by other processes on a busy machine. */
const best = (n, fn) => Math.min(...Array.from({ length: n }, () => time(fn)));

// ---- In one process ----
const parser = new Parser();
parser.setLanguage(Python);
for (const [k, text] of texts.entries()) compile(text, { path: paths[k] }); // warm-up: parser, ruff, templates
const rows = texts.map((text, k) => {
  const path = paths[k];
  const parse = best(3, () => parser.parse(text));
  const source = best(3, () => new SourceFile(path, text));
  let result;
  const total = best(3, () => (result = compile(text, { path })));
  // ruff on the whole generated module: what formatting cost before the compiler gave ruff only the lines
  // it breaks (formatting the output again costs what formatting its input would). The weights script is
  // left out: its generated part goes to ruff only when ruff would change it, which it does not here.
  const generated = result.files.slice(0, 1).map((f) => f.text.split(RUNTIME_START)[0]);
  const format = best(3, () => {
    for (const text of generated) formatPython(text);
  });
  return { path, parse, source, total, format, rest: Math.max(0, total - source) };
});
const med = (key) => median(rows.map((r) => r[key]));
const ratio = median(rows.map((r) => r.total / r.parse));
console.log(`\nper file, one process ${flagsNote} (median of ${count} files, each the best of 3):`);
console.log(`  tree-sitter bare parse           ${med("parse").toFixed(2)} ms`);
console.log(`  keras2torch compile              ${med("total").toFixed(2)} ms  (${ratio.toFixed(1)}x the bare parse, median of per-file ratios)`);
console.log(`    parse + source scan            ${med("source").toFixed(2)} ms`);
console.log(`    the rest (evaluation to ruff)  ${med("rest").toFixed(2)} ms`);
console.log(`  ruff on the whole module         ${med("format").toFixed(2)} ms (not spent: ruff sees only the lines it breaks)`);
for (const kind of [...new Set(paths.map((p) => p.split("/")[0]))]) {
  const of = rows.filter((r) => r.path.startsWith(kind + "/"));
  console.log(`  ${kind.padEnd(15)} ${String(of.length).padStart(3)} files: compile ${median(of.map((r) => r.total)).toFixed(2)} ms, parse ${median(of.map((r) => r.parse)).toFixed(2)} ms, ruff on the module ${median(of.map((r) => r.format)).toFixed(2)} ms`);
}
const inProcess = rows.reduce((n, r) => n + r.total, 0);
console.log(`  sum: ${(inProcess / 1000).toFixed(2)} s, ${(count / (inProcess / 1000)).toFixed(0)} files/s`);

// The same under the CLI workers' V8 flags, in a child (which stops here).
rerunWithWorkerFlags(new URL(import.meta.url).pathname, { BENCH_CLI: "0" });

// BENCH_CLI=0: the in-process figures only.
if (process.env.BENCH_CLI === "0") {
  rmSync(work, { recursive: true, force: true });
  process.exit(process.exitCode ?? 0);
}

// ---- The CLI ----
/** Resident memory (MB) of `pid` and all its descendants, from /proc. */
function treeRss(pid) {
  const children = new Map();
  const rss = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      rss.set(Number(entry), (Number(fields[21]) * 4096) / 2 ** 20);
      children.set(Number(fields[1]), [...(children.get(Number(fields[1])) ?? []), Number(entry)]);
    } catch {
      // the process ended while being read
    }
  }
  let total = 0;
  for (const stack = [pid]; stack.length; ) {
    const p = stack.pop();
    total += rss.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

// CPU time (user + system) of the whole process tree, from GNU time, which counts the reaped worker
// processes too. Unlike wall time it hardly depends on what else the machine runs, so it shows what a
// second worker costs: with perfect scaling, two workers use the same CPU time as one.
const gnuTime = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;

async function cli(label, args) {
  const argv = [join(root, "bin", "keras2torch.js"), "convert", ...args, "-o", join(work, label), "-q"];
  const cpuFile = join(work, `${label}.cpu`);
  const child = gnuTime ? spawn(gnuTime, ["-f", "%U %S", "-o", cpuFile, process.execPath, ...argv], { stdio: "ignore" }) : spawn(process.execPath, argv, { stdio: "ignore" });
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, treeRss(child.pid))), 20);
  const start = performance.now();
  const code = await new Promise((resolve) => child.on("exit", resolve));
  clearInterval(timer);
  const cpu = gnuTime ? readFileSync(cpuFile, "utf8").trim().split("\n").pop().split(" ").reduce((a, b) => a + Number(b), 0) * 1000 : NaN;
  return { code, ms: performance.now() - start, peak, cpu };
}

const cores = availableParallelism();
console.log(`\nthe CLI (${cores} cores):`);
const single = await cli("single", [join(input, paths[0])]);
console.log(`  one small file: ${single.ms.toFixed(0)} ms, CPU ${single.cpu.toFixed(0)} ms (start-up of node, a worker process and its warm-up, writing)`);
// Each configuration runs three times, alternating, into fresh folders; the fastest run of each is
// reported (the least disturbed by the rest of the machine, as for the per-file figures above).
const ROUNDS = Number(process.env.BENCH_CLI_ROUNDS ?? 3);
const configs = [
  ["jobs1", 1],
  [`jobs${cores}`, cores],
];
const results = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [label, jobs] of configs) {
    const r = await cli(`${label}-${round}`, [input, "--jobs", String(jobs)]);
    if (!results[label] || r.ms < results[label].ms) results[label] = { ...r, round };
  }
}
for (const [label, jobs] of configs) {
  const r = results[label];
  console.log(`  --jobs ${jobs}: ${(r.ms / 1000).toFixed(2)} s, ${(count / (r.ms / 1000)).toFixed(0)} files/s, ${(r.ms / count).toFixed(2)} ms/file, CPU ${(r.cpu / 1000).toFixed(2)} s, peak RSS ${r.peak.toFixed(0)} MB, exit ${r.code} (best of ${ROUNDS})`);
}
const all = results[`jobs${cores}`];
console.log(`  speed-up with ${cores} workers: ${(results.jobs1.ms / all.ms).toFixed(2)}x wall time on this machine as it is`);
// The all-cores run cannot take less wall time than its CPU time spread over every core; a one-worker run
// already spends more than one core's worth (V8's compiler and GC threads, the main process).
console.log(`  CPU time with ${cores} workers / with one: ${(all.cpu / results.jobs1.cpu).toFixed(2)}; the one-worker run used ${(results.jobs1.cpu / results.jobs1.ms).toFixed(2)} cores, so on ${cores} free cores the speed-up is at most ${(results.jobs1.ms / (all.cpu / cores)).toFixed(2)}x`);
const manifest = (label) => readFileSync(join(work, `${label}-${results[label].round}`, "keras2torch.json"), "utf8");
if (manifest("jobs1") !== manifest(`jobs${cores}`)) throw new Error("the worker pool changed the output");
rmSync(work, { recursive: true, force: true });
