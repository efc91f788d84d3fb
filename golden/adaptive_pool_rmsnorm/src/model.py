"""Keras 3's adaptive pooling (1D/2D/3D, average and max, with sizes that do not divide the input, so the
bins overlap), RMSNormalization over one and two trailing axes, and ActivityRegularization."""
import keras
from keras import layers

image = keras.Input(shape=(7, 9, 3), name="image")
x = layers.Conv2D(4, 3, padding="same")(image)
avg = layers.AdaptiveAveragePooling2D((3, 4))(x)
top = layers.AdaptiveMaxPooling2D(2)(x)
x = layers.Conv2D(4, 1)(avg)
image_out = layers.Concatenate()([layers.Flatten()(x), layers.Flatten()(top)])

signal = keras.Input(shape=(11, 2), name="signal")
s = layers.Conv1D(3, 3)(signal)
s = layers.Concatenate(axis=1)([layers.AdaptiveAveragePooling1D(4)(s), layers.AdaptiveMaxPooling1D(3)(s)])
s = layers.RMSNormalization()(s)
s = layers.ActivityRegularization(l1=0.01)(s)
signal_out = layers.RMSNormalization(axis=[1, 2], epsilon=1e-3)(s)

volume = keras.Input(shape=(5, 6, 7, 2), name="volume")
v = layers.Conv3D(2, 2)(volume)
v = layers.Concatenate()([layers.AdaptiveAveragePooling3D((2, 3, 2))(v), layers.AdaptiveMaxPooling3D((2, 3, 2))(v)])
volume_out = layers.GlobalAveragePooling3D()(v)

model = keras.Model([image, signal, volume], [image_out, signal_out, volume_out])
