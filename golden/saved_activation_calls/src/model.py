"""Activation functions called directly on symbolic tensors (Keras records them as ops)."""
import keras
from keras import layers

inputs = keras.Input(shape=(6, 6, 4), name="features")
x = layers.Conv2D(8, 3, padding="same")(inputs)
x = keras.activations.gelu(x, approximate=True)
x = layers.Conv2D(8, 1)(x)
x = keras.activations.relu(x * 3.0, max_value=1.5)
x = keras.activations.relu(x - 0.5, negative_slope=0.1, threshold=0.2)
x = keras.activations.elu(x, alpha=0.5)
x = keras.activations.gelu(x)
flat = layers.Flatten()(x)
spread = layers.Activation("softmax")(flat)
x = keras.activations.softmax(x, axis=-1)
y = layers.GlobalAveragePooling2D()(x)
y = keras.activations.leaky_relu(layers.Dense(5)(y), negative_slope=0.1)
outputs = keras.activations.hard_sigmoid(y * 4.0)
model = keras.Model(inputs, [outputs, spread], name="activation_calls")
