"""UpSampling1D/2D (nearest and bilinear), Cropping1D/2D and ZeroPadding1D in a conv net: all
channels-first, no permute."""
import keras
from keras import layers

image = keras.Input(shape=(5, 6, 3), name="image")
x = layers.Conv2D(4, 3, padding="same")(image)
x = layers.UpSampling2D()(x)
x = layers.Cropping2D(((1, 0), (0, 2)))(x)
x = layers.UpSampling2D(size=(2, 1), interpolation="bilinear")(x)
x = layers.Cropping2D(2)(x)
x = layers.Conv2D(4, 3)(x)
image_out = layers.GlobalAveragePooling2D()(x)

signal = keras.Input(shape=(7, 2), name="signal")
s = layers.Conv1D(4, 3, padding="same")(signal)
s = layers.ZeroPadding1D((1, 2))(s)
s = layers.UpSampling1D(3)(s)
s = layers.Cropping1D((1, 1))(s)
s = layers.Conv1D(4, 3)(s)
signal_out = layers.GlobalMaxPooling1D()(s)

model = keras.Model([image, signal], [image_out, signal_out])
