"""An efficient sub-pixel CNN in the style of the keras.io super-resolution example: convolutions to
channels * upscale_factor**2, then tf.nn.depth_to_space (TensorFlow's DCR channel order, which is not
PyTorch's pixel_shuffle order) in a Lambda (Keras 3 refuses TensorFlow functions of a KerasTensor
outside one; the keras.io example was written for tf.keras)."""
import tensorflow as tf
import keras
from keras import layers

upscale_factor = 3
channels = 2

inputs = keras.Input(shape=(5, 4, channels))
x = layers.Conv2D(8, 3, activation="relu", padding="same")(inputs)
x = layers.Conv2D(channels * (upscale_factor ** 2), 3, padding="same")(x)
outputs = layers.Lambda(lambda t: tf.nn.depth_to_space(t, upscale_factor))(x)
model = keras.Model(inputs, outputs)
