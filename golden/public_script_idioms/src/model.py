"""Idioms of public Keras scripts that used to stop the compile (found 2026-12-04): a data loader that
reads a text file and returns two vocabularies, unpacked at module level from code the compiler does not
evaluate (the sizes from them become constructor parameters); a layer chosen by a conditional
expression continued with a backslash; a comment between the operands of an expression; and positions
a gate broadcast over the positions with `np.newaxis`; and a class token repeated over the batch with
`tf.broadcast_to`."""
import io
import pathlib

import numpy as np
import tensorflow as tf
import keras
from keras import layers

DATA = pathlib.Path(__file__).parent / "data"
MAX_LEN = 6
USE_GELU = False


class ClassToken(layers.Layer):
    """A vision transformer's class token, repeated over the batch with `tf.broadcast_to`."""

    def build(self, input_shape):
        self.token = self.add_weight(name="token", shape=(1, 1, input_shape[-1]), initializer="random_normal")

    def call(self, inputs):
        batch = tf.shape(inputs)[0]
        token = tf.broadcast_to(self.token, [batch, 1, inputs.shape[-1]])
        return tf.concat([token, inputs], axis=1)


def load(path):
    lines = io.open(path, encoding="utf-8").read().strip().split("\n")
    pairs = [line.split("\t") for line in lines]
    source = sorted({w for s, _ in pairs for w in s.split()})
    target = sorted({w for _, t in pairs for w in t.split()})
    return source, target


source_vocab, target_vocab = load(DATA / "pairs.txt")
vocab_size = len(source_vocab) + 1  # index 0 pads
num_targets = len(target_vocab)

tokens = keras.Input(shape=(MAX_LEN,), dtype="int32", name="tokens")
x = layers.Embedding(vocab_size, 8, name="embed")(tokens)
x = ClassToken(name="class_token")(x)
act = layers.Dense(8, activation="gelu", name="mix") if USE_GELU \
    else layers.Dense(8, activation="tanh", name="mix")
x = (act(x)  # a residual around the mixing layer
     + x)
gate = layers.Dense(8, activation="sigmoid", name="gate")(layers.GlobalAveragePooling1D()(x))
x = x * gate[:, np.newaxis, :]  # the same gate at every position
x = layers.GlobalMaxPooling1D()(x)
model = keras.Model(tokens, layers.Dense(num_targets, name="head")(x))
model.compile("adam", "sparse_categorical_crossentropy")
