import { formatPython } from "../dist/emit/format.js";
import { compile } from "../dist/index.js";
import { SourceFile } from "../dist/frontend/parse.js";
import { buildProgram } from "../dist/frontend/program.js";
import { readFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path"; import { tmpdir } from "node:os";
import { writeCorpus } from "./corpus.mjs";
import { trainingCorpus } from "./training-corpus.mjs";
import Parser from "tree-sitter"; import Python from "tree-sitter-python";
let texts;
if (process.argv[2] === "training") texts = trainingCorpus(120).map((f) => f.text);
else { const dir = mkdtempSync(join(tmpdir(), "w-")); texts = writeCorpus(dir, 300).map((p) => readFileSync(join(dir, p), "utf8")); }
const parser = new Parser(); parser.setLanguage(Python);
const RS = "# ---------------------------------------------------------------------------\n# keras2torch weights runtime";
const none = { resolve: () => null };
for (let k = 0; k < 2; k++) for (const t of texts) compile(t, { path: "m.py" });
const best = (n, fn) => { let b = Infinity; for (let i = 0; i < n; i++) { const t = performance.now(); fn(); b = Math.min(b, performance.now() - t); } return b; };
const rows = texts.map((t) => {
  const out = compile(t, { path: "m.py" }).files.map((f) => f.text.split(RS)[0]);
  const parse = best(5, () => parser.parse(t));
  const src = best(5, () => new SourceFile("m.py", t));
  const front = best(5, () => buildProgram(new SourceFile("m.py", t), none, {}));
  const total = best(5, () => compile(t, { path: "m.py" }));
  const ruff = best(5, () => { for (const o of out) formatPython(o); });
  return { parse, mirror: src - parse, evaluate: front - src, ruff, rest: total - front - ruff, total, ratio: total / parse };
});
const med = (k) => { const s = rows.map((r) => r[k]).sort((a, b) => a - b); return s[s.length >> 1]; };
const p = med("parse");
for (const k of ["parse", "mirror", "evaluate", "ruff", "rest", "total", "ratio"]) console.log(k.padEnd(9), med(k).toFixed(3), k === "ratio" ? "" : `(${(med(k) / p).toFixed(2)}x parse)`);
