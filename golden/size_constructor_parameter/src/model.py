"""Sizes that come from the data, with no value given to keras2torch: the class count from the class
folders and the feature count from a CSV header. Both are plain sizes, so the generated class takes
them as constructor parameters with no default; the test builds it with the sizes this data gives
(case.json `constructor`)."""
import csv
import pathlib

import numpy as np
import keras
from keras import layers

DATA = pathlib.Path(__file__).parent / "data"

class_names = sorted(p.name for p in (DATA / "images").iterdir() if p.is_dir())
num_classes = len(class_names)

with open(DATA / "table.csv", newline="") as f:
    reader = csv.reader(f)
    header = next(reader)
    rows = list(reader)
n_features = len(header) - 1  # the last column is the label
x_train = np.array([[float(v) for v in row[:-1]] for row in rows], dtype="float32")
y_train = np.array([class_names.index(row[-1]) for row in rows], dtype="int32")
mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-6


def build_classifier(hidden=16, dropout=0.1):
    inputs = keras.Input(shape=(n_features,), name="features")
    x = layers.Dense(hidden, activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Dense(hidden // 2, activation="relu")(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="tabular_classifier")


model = build_classifier()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit((x_train - mean) / std, y_train, epochs=2, batch_size=2, verbose=0)
print(dict(zip(class_names, model.predict((x_train - mean) / std, verbose=0).argmax(axis=1))))
