"""DepthwiseConv1D/2D (with depth_multiplier) and SeparableConv1D/2D, including asymmetric 'same'
padding with a stride."""
import keras
from keras import layers

image = keras.Input(shape=(9, 8, 3), name="image")
x = layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2)(image)
x = layers.DepthwiseConv2D((3, 2), strides=2, padding="same", use_bias=False, activation="relu")(x)
x = layers.SeparableConv2D(8, 3, padding="same", depth_multiplier=2)(x)
x = layers.SeparableConv2D(4, 3, strides=2, padding="same", use_bias=False)(x)
image_out = layers.Flatten()(x)

signal = keras.Input(shape=(10, 4), name="signal")
s = layers.DepthwiseConv1D(3, depth_multiplier=3)(signal)
s = layers.SeparableConv1D(5, 3, padding="same", activation="tanh")(s)
signal_out = layers.GlobalAveragePooling1D()(s)

model = keras.Model([image, signal], [image_out, signal_out])
