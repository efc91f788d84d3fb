import { formatPython } from "../dist/emit/format.js";
import { compile } from "../dist/index.js";
import { readFileSync } from "node:fs";
const t0 = (f, n = 2000) => { for (let i = 0; i < 200; i++) f(); const t = performance.now(); for (let i = 0; i < n; i++) f(); return ((performance.now() - t) / n * 1000).toFixed(1) + " us"; };
console.log("x = 1", t0(() => formatPython("x = 1\n")));
const r = compile(readFileSync("golden/mnist_cnn/src/model.py", "utf8"), { path: "model.py" });
const mod = r.files[0].text; const w = r.files[1].text.split("# ---------------------------------------------------------------------------\n# keras2torch weights runtime")[0];
console.log("module", mod.length, t0(() => formatPython(mod), 500));
console.log("weights head", w.length, t0(() => formatPython(w), 500));
