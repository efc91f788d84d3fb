"""Normalization: adapted on data (the statistics come from the saved file), in front of a conv net
(channels-first buffers), over two axes, with constants from the source, and inverted."""
import keras
import numpy as np
from keras import layers

image_norm = layers.Normalization()
image_norm.adapt(np.random.default_rng(0).normal(2.0, 3.0, size=(16, 6, 6, 3)).astype("float32"))

image = keras.Input(shape=(6, 6, 3), name="image")
x = image_norm(image)
x = layers.Conv2D(4, 3)(x)
image_out = layers.GlobalAveragePooling2D()(x)

table = keras.Input(shape=(4, 5), name="table")
t = layers.Normalization(axis=(1, 2))(table)
t = layers.Normalization(mean=[0.5, -1.0, 2.0, 0.0, 1.0], variance=[1.0, 4.0, 0.25, 2.0, 9.0])(t)
table_out = layers.Normalization(mean=3.0, variance=2.0, invert=True)(t)

model = keras.Model([image, table], [image_out, table_out])
