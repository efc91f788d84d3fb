// A corpus of model files the bulk benchmark generates itself (deterministic: a seeded generator), in the
// shapes a real repository holds: Sequential MLPs and CNNs, ResNet-50-sized Functional files (bottleneck
// blocks through a helper function, and one written out layer by layer), multi-input Functional models,
// subclassed models, recurrent text models, training scripts and utility modules without a model.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const HEADER = `import keras\nfrom keras import layers\n`;

const kinds = {
  mlp(r, i) {
    const depth = 2 + Math.floor(r() * 6);
    const units = [32, 64, 128, 256];
    const body = Array.from({ length: depth }, (_, k) => `        layers.Dense(${units[Math.floor(r() * 4)]}, activation="relu", name="dense_${k}"),\n        layers.Dropout(0.${1 + Math.floor(r() * 4)}),`).join("\n");
    return `${HEADER}\n\ndef build_mlp(features=${16 + Math.floor(r() * 100)}, classes=${2 + Math.floor(r() * 10)}):\n    return keras.Sequential(\n        [\n        keras.Input(shape=(features,)),\n${body}\n        layers.Dense(classes, activation="softmax"),\n        ],\n        name="mlp_${i}",\n    )\n\n\nmodel = build_mlp()\n`;
  },
  cnn(r, i) {
    const blocks = 2 + Math.floor(r() * 3);
    const size = [32, 64, 96][Math.floor(r() * 3)];
    const body = Array.from({ length: blocks }, (_, k) => `    layers.Conv2D(${16 << k}, 3, padding="same", activation="relu"),\n    layers.BatchNormalization(),\n    layers.MaxPooling2D(2),`).join("\n");
    return `${HEADER}\nmodel = keras.Sequential([\n    keras.Input(shape=(${size}, ${size}, 3)),\n${body}\n    layers.GlobalAveragePooling2D(),\n    layers.Dense(${2 + Math.floor(r() * 20)}),\n], name="cnn_${i}")\n`;
  },
  resnet(r, i) {
    const stages = [3, 4, 6, 3];
    return `${HEADER}\n\ndef bottleneck(x, filters, stride=1, name="block"):
    shortcut = x
    y = layers.Conv2D(filters, 1, strides=stride, use_bias=False, name=name + "_1_conv")(x)
    y = layers.BatchNormalization(name=name + "_1_bn")(y)
    y = layers.Activation("relu", name=name + "_1_relu")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=name + "_2_conv")(y)
    y = layers.BatchNormalization(name=name + "_2_bn")(y)
    y = layers.Activation("relu", name=name + "_2_relu")(y)
    y = layers.Conv2D(4 * filters, 1, use_bias=False, name=name + "_3_conv")(y)
    y = layers.BatchNormalization(name=name + "_3_bn")(y)
    if stride != 1 or shortcut.shape[-1] != 4 * filters:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, use_bias=False, name=name + "_0_conv")(shortcut)
        shortcut = layers.BatchNormalization(name=name + "_0_bn")(shortcut)
    y = layers.Add(name=name + "_add")([shortcut, y])
    return layers.Activation("relu", name=name + "_out")(y)


def build_resnet(input_shape=(${[160, 192, 224][Math.floor(r() * 3)]}, 224, 3), classes=${10 + Math.floor(r() * 990)}):
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.ZeroPadding2D(3, name="conv1_pad")(inputs)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = layers.BatchNormalization(name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    for stage, blocks in enumerate(${JSON.stringify(stages)}):
        for block in range(blocks):
            stride = 2 if block == 0 and stage > 0 else 1
            x = bottleneck(x, 64 * 2**stage, stride, name=f"conv{stage + 2}_block{block + 1}")
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="resnet50_${i}")


model = build_resnet()
`;
  },
  resnetUnrolled(r, i) {
    // The same network size, written out one layer per line, as exported or hand-written code often is.
    const lines = [`${HEADER}`, `inputs = keras.Input(shape=(224, 224, 3))`, `x = layers.Conv2D(64, 7, strides=2, padding="same", use_bias=False)(inputs)`, `x = layers.BatchNormalization()(x)`, `x = layers.ReLU()(x)`, `x = layers.MaxPooling2D(3, strides=2, padding="same")(x)`];
    let channels = 64;
    [3, 4, 6, 3].forEach((blocks, stage) => {
      for (let b = 0; b < blocks; b++) {
        const f = 64 << stage;
        const stride = b === 0 && stage > 0 ? 2 : 1;
        lines.push(`s = x`);
        if (stride !== 1 || channels !== 4 * f) lines.push(`s = layers.Conv2D(${4 * f}, 1, strides=${stride}, use_bias=False)(s)`, `s = layers.BatchNormalization()(s)`);
        lines.push(
          `y = layers.Conv2D(${f}, 1, strides=${stride}, use_bias=False)(x)`,
          `y = layers.BatchNormalization()(y)`,
          `y = layers.ReLU()(y)`,
          `y = layers.Conv2D(${f}, 3, padding="same", use_bias=False)(y)`,
          `y = layers.BatchNormalization()(y)`,
          `y = layers.ReLU()(y)`,
          `y = layers.Conv2D(${4 * f}, 1, use_bias=False)(y)`,
          `y = layers.BatchNormalization()(y)`,
          `x = layers.ReLU()(layers.Add()([s, y]))`,
        );
        channels = 4 * f;
      }
    });
    lines.push(`x = layers.GlobalAveragePooling2D()(x)`, `outputs = layers.Dense(${10 + Math.floor(r() * 100)})(x)`, `model = keras.Model(inputs, outputs, name="resnet_unrolled_${i}")`, "");
    return lines.join("\n");
  },
  multiIo(r, i) {
    return `${HEADER}\nimage = keras.Input(shape=(64, 64, 3), name="image")\nmeta = keras.Input(shape=(${4 + Math.floor(r() * 20)},), name="meta")\nx = layers.Conv2D(16, 3, activation="relu")(image)\nx = layers.MaxPooling2D()(x)\nx = layers.Conv2D(32, 3, activation="relu")(x)\nx = layers.Flatten()(x)\nm = layers.Dense(16, activation="relu")(meta)\nh = layers.Concatenate()([x, m])\nh = layers.Dense(64, activation="relu")(h)\nprice = layers.Dense(1, name="price")(h)\nkind = layers.Dense(${2 + Math.floor(r() * 8)}, activation="softmax", name="kind")(h)\nmodel = keras.Model([image, meta], [price, kind], name="multi_io_${i}")\n`;
  },
  subclass(r, i) {
    const n = 2 + Math.floor(r() * 4);
    const inits = Array.from({ length: n }, (_, k) => `        self.fc${k} = layers.Dense(${32 * (k + 1)}, activation="relu")`).join("\n");
    const calls = Array.from({ length: n }, (_, k) => `        x = self.fc${k}(x)`).join("\n");
    return `${HEADER}\n\nclass Net${i}(keras.Model):\n    def __init__(self, classes=10):\n        super().__init__()\n${inits}\n        self.dropout = layers.Dropout(0.2)\n        self.head = layers.Dense(classes)\n\n    def call(self, x, training=False):\n${calls}\n        x = self.dropout(x, training=training)\n        return self.head(x)\n\n\nmodel = Net${i}()\nmodel.build((None, ${8 + Math.floor(r() * 60)}))\n`;
  },
  text(r, i) {
    const rnn = ["LSTM", "GRU", "SimpleRNN"][Math.floor(r() * 3)];
    return `${HEADER}\nmodel = keras.Sequential([\n    keras.Input(shape=(${20 + Math.floor(r() * 100)},), dtype="int32"),\n    layers.Embedding(${1000 + Math.floor(r() * 20000)}, 64),\n    layers.${rnn}(64, return_sequences=True),\n    layers.${rnn}(32),\n    layers.Dense(1, activation="sigmoid"),\n], name="text_${i}")\n`;
  },
  training(r, i) {
    return `"""Training script ${i}: data loading, the model, and the training loop."""
import os

import numpy as np
import keras
from keras import layers

BATCH_SIZE = ${16 << Math.floor(r() * 3)}
EPOCHS = ${1 + Math.floor(r() * 50)}
DATA_DIR = os.environ.get("DATA_DIR", "data")


def load_data(split):
    path = os.path.join(DATA_DIR, split + ".npz")
    with np.load(path) as data:
        return data["x"], data["y"]


def make_model(num_classes=10):
    inputs = keras.Input(shape=(32, 32, 3))
    x = layers.Rescaling(1.0 / 255)(inputs)
    for filters in (32, 64, 128):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu")(x)
    return keras.Model(inputs, layers.Dense(num_classes)(x))


model = make_model()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

if __name__ == "__main__":
    x_train, y_train = load_data("train")
    model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS)
    model.save("model_${i}.keras")
`;
  },
  util(r, i) {
    return `"""Utilities ${i}: no model here."""
import json

SCALE = ${r().toFixed(3)}


def normalise(values):
    total = sum(values) or 1
    return [v * SCALE / total for v in values]


def save(path, data):
    with open(path, "w") as f:
        json.dump(data, f)
`;
  },
};

// How often each kind appears (a repository is mostly small models and glue).
const MIX = [
  ["mlp", 20],
  ["cnn", 20],
  ["resnet", 6],
  ["resnetUnrolled", 4],
  ["multiIo", 10],
  ["subclass", 12],
  ["text", 10],
  ["training", 10],
  ["util", 8],
];

/** Writes `count` files under `dir` (in folders by kind); returns their paths relative to `dir`. */
export function writeCorpus(dir, count = 300, seed = 11) {
  const r = rng(seed);
  const total = MIX.reduce((n, [, w]) => n + w, 0);
  const paths = [];
  for (let i = 0; i < count; i++) {
    let pick = r() * total;
    const [kind] = MIX.find(([, w]) => (pick -= w) < 0) ?? MIX[0];
    const path = `${kind}/${kind}_${String(i).padStart(4, "0")}.py`;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), kinds[kind](r, i));
    paths.push(path);
  }
  return paths;
}
