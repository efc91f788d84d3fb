import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../dist/index.js";
const files = [];
for (const d of readdirSync("/tmp/bc")) for (const f of readdirSync(join("/tmp/bc", d))) if (!d.startsWith("resnet")) files.push([join(d, f), readFileSync(join("/tmp/bc", d, f), "utf8")]);
let t = performance.now();
for (const [p, s] of files) compile(s, { path: p });
console.log("round 1", (performance.now() - t).toFixed(0), "ms; ruff", globalThis.__ft.toFixed(1), "ms in", globalThis.__fn, "calls");
for (let r = 2; r <= 4; r++) {
  globalThis.__ft = 0; globalThis.__fn = 0; t = performance.now();
  for (const [p, s] of files) compile(s, { path: p });
  console.log("round", r, (performance.now() - t).toFixed(0), "ms; ruff", globalThis.__ft.toFixed(1), "ms in", globalThis.__fn, "calls");
}
