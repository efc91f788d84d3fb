"""Dot: two vectors (a (batch, 1) result), cosine similarity with normalize=True, and attention-style
scores between two sequences with axes=(2, 2); also the layers.dot function form."""
import keras
from keras import layers

query = keras.Input(shape=(5, 4), name="query")
keys = keras.Input(shape=(3, 4), name="keys")
scores = layers.Dot(axes=(2, 2))([query, keys])
context = layers.Dot(axes=(2, 1))([scores, keys])
q = layers.GlobalAveragePooling1D()(query)
k = layers.Dense(4)(layers.GlobalAveragePooling1D()(keys))
similarity = layers.Dot(axes=1, normalize=True)([q, k])
raw = layers.dot([q, k], axes=-1)
model = keras.Model([query, keys], [context, similarity, raw])
