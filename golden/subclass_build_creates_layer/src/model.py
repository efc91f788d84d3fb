"""Layers created in build(), sized from the input shape; a Model with its own build()."""
import keras
from keras import layers, ops


class Bottleneck(layers.Layer):
    """Squeeze to `hidden` units and expand back to the input width, plus a residual."""

    def __init__(self, hidden, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.squeeze = layers.Dense(hidden, activation="relu")

    def build(self, input_shape):
        width = input_shape[-1]
        self.expand = layers.Dense(width)  # only known once the input width is
        self.squeeze.build(input_shape)
        self.expand.build((None, self.hidden))

    def call(self, x):
        return x + self.expand(self.squeeze(x))


class Regressor(keras.Model):
    def __init__(self, outputs=2):
        super().__init__()
        self.outputs_count = outputs
        self.block = Bottleneck(4)

    def build(self, input_shape):
        self.block.build(input_shape)
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")
        self.head = layers.Dense(self.outputs_count)
        self.head.build(input_shape)

    def call(self, x):
        x = self.block(x) * self.scale
        return self.head(ops.tanh(x))


model = Regressor()
model.build((None, 10))
