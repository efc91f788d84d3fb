import { parseFlat } from "../dist/frontend/flat-tree.js";
import { trainingCorpus } from "./training-corpus.mjs";
import Parser from "tree-sitter";
import Python from "tree-sitter-python";
const files = trainingCorpus(120);
const p = new Parser(); p.setLanguage(Python);
for (let r = 0; r < 5; r++) {
  let t = performance.now(); for (const f of files) p.parse(f.text); const bare = performance.now() - t;
  t = performance.now(); for (const f of files) parseFlat(f.text); const flat = performance.now() - t;
  console.log(`bare ${bare.toFixed(1)} flat ${flat.toFixed(1)} ratio ${(flat / bare).toFixed(2)}`);
}
