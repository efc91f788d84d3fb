import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const ruff = createRequire(import.meta.url)("@astral-sh/ruff-wasm-nodejs");
const ws = new ruff.Workspace({ "line-length": 120 }, ruff.PositionEncoding.Utf16);
const mod = readFileSync("/tmp/ex/mnist_cnn.py", "utf8");
const tiny = "x = 1\n";
for (const [name, text] of [["tiny", tiny], ["module", mod], ["tiny", tiny], ["module", mod]]) {
  for (let i = 0; i < 200; i++) ws.format(text);
  const t = performance.now(); for (let i = 0; i < 1000; i++) ws.format(text); console.log(name, text.length, ((performance.now() - t)).toFixed(3), "us/call");
}
