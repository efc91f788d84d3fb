"""Keras 2 code that applies tf.* to symbolic tensors (saved as TFOpLambda layers; Keras 3 rejects it):
a conv net whose axes must be remapped under the channels-first layout, and a sequence branch."""
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

image = keras.Input(shape=(8, 8, 3), name="image")
seq = keras.Input(shape=(5, 6), name="seq")

x = layers.Conv2D(4, 3, padding="same")(image)
x = tf.nn.relu(x)
left, right = tf.split(x, 2, axis=-1)
x = tf.concat([right, left * 2.0], axis=-1)
pooled = tf.reduce_mean(x, axis=[1, 2])
peak = tf.reduce_max(x, axis=[1, 2], keepdims=True)
peak = tf.squeeze(peak, axis=[1, 2])
x = layers.Conv2D(2, 1)(x)
corner = x[:, 0, :, :]
rows = tf.reduce_sum(corner, axis=1)
rows = tf.math.sqrt(tf.math.abs(rows) + 1.0)

s = layers.Dense(4)(seq)
s = tf.transpose(s, perm=[0, 2, 1])
s = tf.expand_dims(s, axis=-1)
s = tf.squeeze(s, axis=-1)
gram = tf.matmul(s, s, transpose_b=True)
first = tf.gather(seq, [0, 2], axis=1)
stacked = tf.stack([seq[:, 0], seq[:, -1]], axis=1)
s = tf.nn.sigmoid(layers.Flatten()(first)) + tf.reduce_mean(stacked, axis=1)[:, :1]

merged = tf.concat([pooled, peak, rows, layers.Flatten()(gram), s], axis=-1)
out = layers.Dense(3)(merged)
model = keras.Model([image, seq], out)
