"""Gaussian and Mitchell-Netravali resizing, which tf.keras 2 resized with (Keras 3 refuses the names)."""
import keras
from keras import layers

image = keras.Input(shape=(9, 12, 3), name="image")
outputs = [
    layers.Resizing(14, 18, interpolation="gaussian")(image),
    layers.Resizing(5, 7, interpolation="gaussian")(image),
    layers.Resizing(4, 15, interpolation="gaussian", antialias=True)(image),
    layers.Resizing(13, 7, interpolation="mitchellcubic")(image),
    layers.Resizing(5, 5, interpolation="mitchellcubic", antialias=True)(image),
    layers.UpSampling2D((2, 3), interpolation="gaussian")(image),
    layers.UpSampling2D(2, interpolation="mitchellcubic")(image),
]
model = keras.Model(image, outputs)
