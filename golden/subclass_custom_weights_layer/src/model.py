"""A custom layer that owns its variables (build() + add_weight), used in a Functional model."""
import keras
from keras import layers, ops


class ScaledLinear(layers.Layer):
    """y = (x @ w + b) * scale, with `scale` a fixed (non-trainable) per-unit factor."""

    def __init__(self, units=8, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="glorot_uniform",
            trainable=True,
            name="kernel",
        )
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True, name="bias")
        self.scale = self.add_weight(
            shape=(self.units,), initializer="ones", trainable=False, name="scale"
        )

    def call(self, inputs):
        return (ops.matmul(inputs, self.w) + self.b) * self.scale


inputs = keras.Input(shape=(12,))
x = layers.Dense(16, activation="relu")(inputs)
x = ScaledLinear(8)(x)
x = layers.Activation("tanh")(x)
outputs = layers.Dense(4, activation="softmax")(x)
model = keras.Model(inputs, outputs)
