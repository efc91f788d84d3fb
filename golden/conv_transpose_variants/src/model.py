"""Transposed convolutions: 'same' with an odd kernel - stride (Keras crops the extra cell at the end),
an even one, a kernel smaller than the stride, 'valid' with output_padding, 1D and 3D."""
import keras
from keras import layers

image = keras.Input(shape=(5, 4, 3), name="image")
x = layers.Conv2DTranspose(4, 3, strides=2, padding="same")(image)
x = layers.Conv2DTranspose(4, 4, strides=2, padding="same", activation="relu")(x)
x = layers.Conv2DTranspose(3, 1, strides=2, padding="same", use_bias=False)(x)
x = layers.Conv2DTranspose(2, (3, 2), strides=(2, 3), padding="valid", output_padding=(1, 2))(x)
image_out = layers.GlobalAveragePooling2D()(x)

signal = keras.Input(shape=(6, 2), name="signal")
s = layers.Conv1DTranspose(3, 5, strides=2, padding="same")(signal)
s = layers.Conv1DTranspose(2, 2, strides=3, padding="valid")(s)
signal_out = layers.GlobalMaxPooling1D()(s)

volume = keras.Input(shape=(3, 3, 2, 2), name="volume")
v = layers.Conv3D(4, 2, padding="same")(volume)
v = layers.Conv3DTranspose(2, 3, strides=(2, 1, 2), padding="same")(v)
volume_out = layers.Flatten()(v)

model = keras.Model([image, signal, volume], [image_out, signal_out, volume_out])
