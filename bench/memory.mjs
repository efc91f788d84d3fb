// Peak-memory benchmark: a 100-file bulk run in which 10 files are hostile (runaway allocations, endless
// loops, deep nesting, a 5 MB script). Samples the resident memory of the whole process tree (the CLI
// and its worker processes) every 20 ms and reports the peak against the documented bound,
// jobs × (FILE_HEAP_MB + FILE_YOUNG_HEAP_MB + CHILD_OVERHEAD_MB) plus the main process.
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostile } from "../scripts/hostile-files.mjs";
import { CHILD_OVERHEAD_MB, FILE_HEAP_MB, FILE_YOUNG_HEAP_MB } from "../dist/cli/limits.js";

const root = new URL("..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "keras2torch-memory-"));
const input = join(work, "in");
mkdirSync(input);
const sources = readdirSync(join(root, "golden"))
  .filter((c) => c !== "harness")
  .map((c) => join(root, "golden", c, "src", "model.py"))
  .filter((p) => {
    try {
      return readFileSync(p).length > 0;
    } catch {
      return false;
    }
  });
for (let i = 0; i < 90; i++) cpSync(sources[i % sources.length], join(input, `model_${String(i).padStart(2, "0")}.py`));
for (const [name, text] of Object.entries(hostile)) writeFileSync(join(input, name), text);

/** Resident memory (MB) of `pid` and all its descendants, from /proc. */
function treeRss(pid) {
  const children = new Map();
  const rss = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const parent = Number(fields[1]);
      rss.set(Number(entry), (Number(fields[21]) * 4096) / 2 ** 20);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
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

async function run(jobs) {
  const child = spawn(process.execPath, [join(root, "bin", "keras2torch.js"), "convert", input, "-o", join(work, `out${jobs}`), "-q", "--jobs", String(jobs)], { stdio: "ignore" });
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, treeRss(child.pid))), 20);
  const start = Date.now();
  const code = await new Promise((resolve) => child.on("exit", resolve));
  clearInterval(timer);
  const manifest = JSON.parse(readFileSync(join(work, `out${jobs}`, "keras2torch.json"), "utf8"));
  const bound = jobs * (FILE_HEAP_MB + FILE_YOUNG_HEAP_MB + CHILD_OVERHEAD_MB) + CHILD_OVERHEAD_MB;
  const entries = manifest.files?.length ?? Object.keys(manifest).length;
  console.log(`--jobs ${jobs}: exit ${code}, ${entries} manifest entries, ${((Date.now() - start) / 1000).toFixed(1)} s, peak ${peak.toFixed(0)} MB (bound ${bound} MB)`);
}

for (const jobs of (process.env.JOBS ?? "1,2").split(",").map(Number)) await run(jobs);
rmSync(work, { recursive: true, force: true });
