import Parser from "tree-sitter";
import Python from "tree-sitter-python";
import { readFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path"; import { tmpdir } from "node:os";
import { writeCorpus } from "./corpus.mjs";
import { SyntaxForest } from "../dist/frontend/syntax.js";
const dir = mkdtempSync(join(tmpdir(), "w-"));
const texts = writeCorpus(dir, 300).map((p) => readFileSync(join(dir, p), "utf8"));
const parser = new Parser(); parser.setLanguage(Python);
const trees = texts.map((t) => parser.parse(t));
function walk(tree, reads) {
  const c = tree.walk(); let n = 0; let s = 0;
  for (;;) {
    n++; s += reads(c);
    if (c.gotoFirstChild()) continue;
    for (;;) { if (c.gotoNextSibling()) break; if (!c.gotoParent()) return n; }
  }
}
const variants = {
  nav: () => 0,
  typeId: (c) => c.nodeTypeId,
  start: (c) => c.startIndex,
  startEnd: (c) => c.startIndex + c.endIndex,
  field: (c) => c.currentFieldId,
  all4: (c) => c.nodeTypeId + c.startIndex + c.endIndex + c.currentFieldId,
};
const total = (f) => { let best = Infinity; for (let k = 0; k < 7; k++) { const t = performance.now(); for (const tr of trees) f(tr); best = Math.min(best, performance.now() - t); } return best; };
const nodes = trees.reduce((n, t) => n + walk(t, () => 0), 0);
console.log("nodes", nodes);
console.log("parse", (total((tr, i) => 0) , ""), ((() => { let best = Infinity; for (let k = 0; k < 5; k++) { const t = performance.now(); for (const x of texts) parser.parse(x); best = Math.min(best, performance.now() - t); } return best; })() * 1e6 / nodes).toFixed(0), "ns/node");
for (const [k, v] of Object.entries(variants)) console.log(k, (total((tr) => walk(tr, v)) * 1e6 / nodes).toFixed(0), "ns/node");
console.log("forest", (total((tr) => new SyntaxForest(tr, "")) * 1e6 / nodes).toFixed(0), "ns/node");
