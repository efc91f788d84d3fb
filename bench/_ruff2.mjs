import { formatPython } from "../dist/emit/format.js";
import { compile } from "../dist/index.js";
import { readFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path"; import { tmpdir } from "node:os";
import { writeCorpus } from "./corpus.mjs";
import Parser from "tree-sitter"; import Python from "tree-sitter-python";
const dir = mkdtempSync(join(tmpdir(), "w-"));
const texts = writeCorpus(dir, 300).map((p) => readFileSync(join(dir, p), "utf8"));
const parser = new Parser(); parser.setLanguage(Python);
const RS = "# ---------------------------------------------------------------------------\n# keras2torch weights runtime";
const outs = texts.map((t) => compile(t, { path: "m.py" }));
for (const o of outs) for (const f of o.files) formatPython(f.text.split(RS)[0]);
const best = (n, fn) => { let b = Infinity; for (let i = 0; i < n; i++) { const t = performance.now(); fn(); b = Math.min(b, performance.now() - t); } return b; };
const rows = texts.map((t, i) => {
  const [m, w] = outs[i].files.map((f) => f.text.split(RS)[0]);
  return { parse: best(5, () => parser.parse(t)), mod: m ? best(5, () => formatPython(m)) : 0, w: w ? best(5, () => formatPython(w)) : 0, tiny: best(5, () => formatPython("x = 1\n")) };
});
const med = (k) => { const s = rows.map((r) => r[k]).sort((a, b) => a - b); return s[s.length >> 1].toFixed(3); };
console.log("parse", med("parse"), "module", med("mod"), "weights head", med("w"), "x=1", med("tiny"));
