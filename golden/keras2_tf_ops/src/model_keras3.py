"""The Keras 3 pairing of model.py: the same model, with keras.ops in place of the tf.* calls."""
import keras
from keras import layers, ops

image = keras.Input(shape=(8, 8, 3), name="image")
seq = keras.Input(shape=(5, 6), name="seq")

x = layers.Conv2D(4, 3, padding="same")(image)
x = ops.relu(x)
left, right = ops.split(x, 2, axis=-1)
x = ops.concatenate([right, left * 2.0], axis=-1)
pooled = ops.mean(x, axis=[1, 2])
peak = ops.max(x, axis=[1, 2], keepdims=True)
peak = ops.squeeze(peak, axis=[1, 2])
x = layers.Conv2D(2, 1)(x)
corner = x[:, 0, :, :]
rows = ops.sum(corner, axis=1)
rows = ops.sqrt(ops.abs(rows) + 1.0)

s = layers.Dense(4)(seq)
s = ops.transpose(s, axes=[0, 2, 1])
s = ops.expand_dims(s, axis=-1)
s = ops.squeeze(s, axis=-1)
gram = ops.matmul(s, ops.transpose(s, axes=[0, 2, 1]))
first = ops.take(seq, [0, 2], axis=1)
stacked = ops.stack([seq[:, 0], seq[:, -1]], axis=1)
s = ops.sigmoid(layers.Flatten()(first)) + ops.mean(stacked, axis=1)[:, :1]

merged = ops.concatenate([pooled, peak, rows, layers.Flatten()(gram), s], axis=-1)
out = layers.Dense(3)(merged)
model = keras.Model([image, seq], out)
