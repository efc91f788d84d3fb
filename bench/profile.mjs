// An in-process run over a bench corpus for CPU profiles: `node --cpu-prof --cpu-prof-dir=DIR bench/profile.mjs [bulk|training] [ROUNDS]`.
// Compiles every file ROUNDS times (default 3) after one warm-up round, and prints the CPU time of the timed rounds.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../dist/index.js";
import { writeCorpus } from "./corpus.mjs";
import { trainingCorpus } from "./training-corpus.mjs";

const [which = "bulk", rounds = "3"] = process.argv.slice(2);
let files;
if (which === "training") files = trainingCorpus(120);
else {
  const dir = mkdtempSync(join(tmpdir(), "keras2torch-profile-"));
  files = writeCorpus(dir, 300).map((p) => ({ name: p, text: readFileSync(join(dir, p), "utf8") }));
  rmSync(dir, { recursive: true, force: true });
}
// PROFILE_SKIP=resnet leaves out the files whose name starts with it (the median file is a small one).
if (process.env.PROFILE_SKIP) files = files.filter((f) => !f.name.startsWith(process.env.PROFILE_SKIP));
for (const f of files) compile(f.text, { path: f.name });
const cpu = process.cpuUsage();
const t = performance.now();
for (let r = 0; r < Number(rounds); r++) for (const f of files) compile(f.text, { path: f.name });
const used = process.cpuUsage(cpu);
console.log(`${which}: ${files.length} files x ${rounds} rounds: ${(performance.now() - t).toFixed(0)} ms wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU`);
