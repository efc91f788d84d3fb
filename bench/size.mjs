// Size benchmark: conversion time must grow about linearly with the input. Compiles a long Sequential,
// mnist_cnn.py next to many comment lines, and real-shaped training scripts of 100 KB to 5 MB (data
// helpers, config classes, comments and layer-building functions around one model), and reports the
// time of each (run after a build).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { compile } from "../dist/index.js";

const root = new URL("..", import.meta.url).pathname;
const mnist = readFileSync(join(root, "golden", "mnist_cnn", "src", "model.py"), "utf8");
const sequential = (n) =>
  `import keras\nfrom keras import layers\nmodel = keras.Sequential([keras.Input(shape=(4,))] + [layers.Dense(4) for _ in range(${n})])\n`;
const comments = (n) => Array.from({ length: n }, (_, i) => `# comment line ${i}`).join("\n") + "\n";
// One section of a real-shaped script: comments, constants, a comprehension, a data helper, a config
// class and a layer-building function, as training scripts mix them. Only the model at the end is built.
const header = `"""A training script: data helpers, configuration and a model, as real files mix them."""
import os
import numpy as np
import keras
from keras import layers

`;
const block = (i) => `
# ---------------------------------------------------------------------------
# Section ${i}: helpers for the data pipeline. These comments explain what the
# code below does, how the inputs are scaled and why the constants were picked.
# ---------------------------------------------------------------------------
SCALE_${i} = 1.0 / 255.0
CLASSES_${i} = ["cat", "dog", "bird", "fish"]
LOOKUP_${i} = {name: index for index, name in enumerate(CLASSES_${i})}


def normalise_${i}(images, mean=0.5, std=0.25):
    """Scales a batch of images to zero mean and unit variance."""
    out = []
    for image in images:
        out.append((image * SCALE_${i} - mean) / std)
    return np.stack(out)


class Config${i}:
    batch_size = 32
    learning_rate = 1e-3 * ${i % 7 + 1}
    epochs = 10

    def describe(self):
        return f"batch={self.batch_size} lr={self.learning_rate}"


def conv_block_${i}(x, filters, kernel_size=3):
    # Two convolutions and a pooling step, the usual VGG-style block.
    x = layers.Conv2D(filters, kernel_size, padding="same", activation="relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same", activation="relu")(x)
    return layers.MaxPooling2D()(x)
`;
const footer = `
inputs = keras.Input(shape=(32, 32, 3))
x = conv_block_0(inputs, 16)
x = conv_block_1(x, 32)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(10)(x)
model = keras.Model(inputs, outputs)
`;
function realShaped(bytes) {
  const parts = [header];
  let size = header.length + footer.length;
  for (let i = 0; size < bytes; i++) { const b = block(i); parts.push(b); size += b.length; }
  parts.push(footer);
  return parts.join("");
}
const sizes = (process.env.SIZES ?? "1000,3000").split(",").map(Number);
const lines = (process.env.LINES ?? "1000,20000").split(",").map(Number);
const kilobytes = (process.env.KB ?? "100,250,500,1000,2000,5000").split(",").map(Number);
const cases = [
  ...sizes.map((n) => [`Sequential of ${n} Dense`, sequential(n)]),
  ...lines.map((n) => [`mnist_cnn + ${n} trailing comment lines`, mnist + comments(n)]),
  ...lines.map((n) => [`${n} leading comment lines + mnist_cnn`, comments(n) + mnist]),
  ...kilobytes.map((kb) => [`real-shaped script of ${kb} KB`, realShaped(kb * 1000)]),
];
compile(mnist, { path: "model.py" }); // warm-up
for (const [name, text] of cases) {
  const start = performance.now();
  const result = compile(text, { path: "model.py" });
  const ms = performance.now() - start;
  const errors = result.diagnostics.filter((d) => d.severity === "error").length;
  const perKb = (ms / (text.length / 1000)).toFixed(2);
  console.log(`${name}: ${ms.toFixed(0)} ms, ${perKb} ms/KB (${result.files.length} files, ${errors} errors)`);
}
