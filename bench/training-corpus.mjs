// The training-script corpus of bench/training.mjs (deterministic: a seeded generator), also used by
// scripts/check-outputs.mjs.

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0), s / 2 ** 32);
}
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];

const IMPORTS = `import os
import glob
import json
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers
`;

const DATA = {
  csv: (r) => `df = pd.read_csv(os.path.join("data", "train.csv"))
df = df.dropna()
labels = sorted(df["label"].unique())
num_classes = len(labels)
x_train = df.drop(columns=["label"]).values.astype("float32")
y_train = df["label"].map({l: i for i, l in enumerate(labels)}).values
x_train = (x_train - x_train.mean(axis=0)) / (x_train.std(axis=0) + 1e-8)
print(df.describe())
`,
  folders: (r) => `class_names = sorted(os.listdir("data/images"))
num_classes = len(class_names)
image_paths = glob.glob("data/images/*/*.jpg")
print(f"{len(image_paths)} images in {num_classes} classes")
train_ds = tf.keras.utils.image_dataset_from_directory("data/images", image_size=(${pick(r, [64, 96, 128])}, ${pick(r, [64, 96, 128])}), batch_size=32)
train_ds = train_ds.cache().shuffle(1000).prefetch(tf.data.AUTOTUNE)
plt.figure(figsize=(10, 10))
for images, labels in train_ds.take(1):
    for i in range(9):
        ax = plt.subplot(3, 3, i + 1)
        plt.imshow(images[i].numpy().astype("uint8"))
        plt.title(class_names[labels[i]])
`,
  vocab: (r) => `with open("data/corpus.txt") as f:
    text = f.read().lower()
chars = sorted(list(set(text)))
char_indices = {c: i for i, c in enumerate(chars)}
indices_char = {i: c for i, c in enumerate(chars)}
maxlen = ${pick(r, [40, 60, 80])}
step = 3
sentences = []
next_chars = []
for i in range(0, len(text) - maxlen, step):
    sentences.append(text[i : i + maxlen])
    next_chars.append(text[i + maxlen])
x = np.zeros((len(sentences), maxlen, len(chars)), dtype="bool")
y = np.zeros((len(sentences), len(chars)), dtype="bool")
for i, sentence in enumerate(sentences):
    for t, char in enumerate(sentence):
        x[i, t, char_indices[char]] = 1
    y[i, char_indices[next_chars[i]]] = 1
`,
};

const MODELS = {
  dense: (r) => `def build_model(num_features, num_classes):
    inputs = keras.Input(shape=(num_features,))
    x = inputs
    for units in ${JSON.stringify([pick(r, [64, 128, 256]), pick(r, [32, 64])])}:
        x = layers.Dense(units, activation="relu")(x)
        x = layers.Dropout(0.${1 + Math.floor(r() * 4)})(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


model = build_model(${8 + Math.floor(r() * 40)}, ${2 + Math.floor(r() * 9)})
`,
  cnn: (r) => `model = keras.Sequential([
    layers.Rescaling(1.0 / 255, input_shape=(${pick(r, [64, 96, 128])}, ${pick(r, [64, 96, 128])}, 3)),
    layers.Conv2D(16, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(),
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(),
    layers.Conv2D(64, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(),
    layers.Dropout(0.2),
    layers.Flatten(),
    layers.Dense(128, activation="relu"),
    layers.Dense(${2 + Math.floor(r() * 9)}),
])
`,
  lstm: (r) => `model = keras.Sequential([
    keras.Input(shape=(${pick(r, [40, 60, 80])}, ${30 + Math.floor(r() * 40)})),
    layers.LSTM(${pick(r, [64, 128])}),
    layers.Dense(${30 + Math.floor(r() * 40)}, activation="softmax"),
])
`,
};

const TRAIN = {
  fit: (r) => `class PrintLoss(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        print(epoch, logs.get("loss"))


class Generator(keras.utils.Sequence):
    def __init__(self, x, y, batch_size=32):
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, idx):
        s = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
        return self.x[s], self.y[s]


model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
callbacks = [PrintLoss(), keras.callbacks.EarlyStopping(patience=3), keras.callbacks.ModelCheckpoint("best.keras")]
history = model.fit(Generator(np.zeros((64, 8)), np.zeros(64)), epochs=${1 + Math.floor(r() * 30)}, callbacks=callbacks)
plt.plot(history.history["loss"])
plt.savefig("loss.png")
`,
  loop: (r) => `optimizer = keras.optimizers.Adam()
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
train_acc = keras.metrics.SparseCategoricalAccuracy()


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss = loss_fn(y, logits)
    grads = tape.gradient(loss, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))
    train_acc.update_state(y, logits)
    return loss


for epoch in range(${2 + Math.floor(r() * 20)}):
    for step, (x_batch, y_batch) in enumerate(train_ds):
        loss = train_step(x_batch, y_batch)
        if step % 100 == 0:
            print(f"epoch {epoch} step {step} loss {float(loss):.4f}")
    print("acc", float(train_acc.result()))
    train_acc.reset_state()
`,
  sample: (r) => `model.compile(loss="categorical_crossentropy", optimizer="adam")


def sample(preds, temperature=1.0):
    preds = np.asarray(preds).astype("float64")
    preds = np.log(preds) / temperature
    exp_preds = np.exp(preds)
    preds = exp_preds / np.sum(exp_preds)
    return np.argmax(np.random.multinomial(1, preds, 1))


# A sampling loop over static values: long, and nothing a model needs.
generated = ""
seed = "the quick brown fox jumps over the lazy dog " * 2
for diversity in [0.2, 0.5, 1.0, 1.2]:
    sentence = seed[:40]
    for i in range(${200 + Math.floor(r() * 800)}):
        for k in range(100):
            generated += sentence[k % 40]
        sentence = sentence[1:] + generated[-1]
print(generated)
model.save("model.keras")
`,
};

export function trainingCorpus(count = 120, seed = 8) {
  const r = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const data = pick(r, Object.keys(DATA));
    const model = pick(r, Object.keys(MODELS));
    const train = pick(r, Object.keys(TRAIN));
    const text = `"""Training script ${i}: ${data} data, a ${model} model, ${train}."""\n${IMPORTS}\n${DATA[data](r)}\n${MODELS[model](r)}\n${TRAIN[train](r)}`;
    return { name: `train_${i}_${data}_${model}_${train}.py`, text };
  });
}
