"""A training script in the shape of the keras.io examples: it lists the class folders, reads a CSV,
builds a vocabulary, defines a data generator, a callback and a config dataclass, builds the model,
trains it and runs a prediction loop. Only the model-building part is compiled; the sizes that come
from the data are given with --set (case.json)."""
import csv
import os
import pathlib
from dataclasses import dataclass

import numpy as np
import keras
from keras import layers

DATA_DIR = pathlib.Path(__file__).parent / "data"
SEQ_LEN = 8

class_names = sorted(os.listdir(DATA_DIR / "images"))
num_classes = len(class_names)

with open(DATA_DIR / "texts.csv", newline="") as f:
    rows = list(csv.DictReader(f))

vocab = set()
for row in rows:
    for word in row["text"].lower().split():
        vocab.add(word)
word_index = {word: i + 1 for i, word in enumerate(sorted(vocab))}
vocab_size = len(word_index) + 1


def encode(text):
    ids = [word_index.get(w, 0) for w in text.lower().split()][:SEQ_LEN]
    return ids + [0] * (SEQ_LEN - len(ids))


class TextBatches(keras.utils.PyDataset):
    """Batches of (token ids, label) for fit."""

    def __init__(self, rows, batch_size=2, **kwargs):
        super().__init__(**kwargs)
        self.rows = rows
        self.batch_size = batch_size

    def __len__(self):
        return (len(self.rows) + self.batch_size - 1) // self.batch_size

    def __getitem__(self, index):
        batch = self.rows[index * self.batch_size:(index + 1) * self.batch_size]
        x = np.array([encode(r["text"]) for r in batch], dtype="int32")
        y = np.array([class_names.index(r["label"]) for r in batch], dtype="int32")
        return x, y


class LossHistory(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.losses = []

    def on_epoch_end(self, epoch, logs=None):
        self.losses.append(logs["loss"])


@dataclass
class Config:
    embed_dim: int = 8
    hidden: int = 6
    dropout: float = 0.2


def build_model(cfg):
    inputs = keras.Input(shape=(SEQ_LEN,), dtype="int32", name="tokens")
    x = layers.Embedding(vocab_size, cfg.embed_dim, mask_zero=True)(inputs)
    x = layers.Bidirectional(layers.LSTM(cfg.hidden))(x)
    x = layers.Dropout(cfg.dropout)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="text_classifier")


cfg = Config(hidden=5)
model = build_model(cfg)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = LossHistory()
model.fit(TextBatches(rows), epochs=1, callbacks=[history], verbose=0)

for row in rows[:3]:
    probs = model.predict(np.array([encode(row["text"])], dtype="int32"), verbose=0)
    print(row["text"], "->", class_names[int(np.argmax(probs))])
