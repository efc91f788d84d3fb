// Size benchmark: conversion time must grow about linearly with the input. Compiles a long Sequential
// and mnist_cnn.py followed by many comment lines, and reports the time of each (run after a build).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { compile } from "../dist/index.js";

const root = new URL("..", import.meta.url).pathname;
const mnist = readFileSync(join(root, "golden", "mnist_cnn", "src", "model.py"), "utf8");
const sequential = (n) =>
  `import keras\nfrom keras import layers\nmodel = keras.Sequential([keras.Input(shape=(4,))] + [layers.Dense(4) for _ in range(${n})])\n`;
const comments = (n) => Array.from({ length: n }, (_, i) => `# comment line ${i}`).join("\n") + "\n";
const sizes = (process.env.SIZES ?? "1000,3000").split(",").map(Number);
const lines = (process.env.LINES ?? "1000,20000").split(",").map(Number);
const cases = [
  ...sizes.map((n) => [`Sequential of ${n} Dense`, sequential(n)]),
  ...lines.map((n) => [`mnist_cnn + ${n} trailing comment lines`, mnist + comments(n)]),
  ...lines.map((n) => [`${n} leading comment lines + mnist_cnn`, comments(n) + mnist]),
];
compile(mnist, { path: "model.py" }); // warm-up
for (const [name, text] of cases) {
  const start = performance.now();
  const result = compile(text, { path: "model.py" });
  const ms = performance.now() - start;
  const errors = result.diagnostics.filter((d) => d.severity === "error").length;
  console.log(`${name}: ${ms.toFixed(0)} ms (${result.files.length} files, ${errors} errors)`);
}
