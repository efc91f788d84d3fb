"""A list of custom blocks built with a comprehension and applied with a for loop."""
import keras
from keras import layers


class MLPBlock(layers.Layer):
    """Dense -> ReLU -> Dense with a residual connection."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.fc1 = layers.Dense(units * 2)
        self.act = layers.ReLU()
        self.fc2 = layers.Dense(units)

    def call(self, x):
        return x + self.fc2(self.act(self.fc1(x)))


class DeepMLP(keras.Model):
    def __init__(self, width=16, depth=3, num_classes=4):
        super().__init__()
        self.stem = layers.Dense(width)
        self.blocks = [MLPBlock(width) for _ in range(depth)]
        self.head = layers.Dense(num_classes)

    def call(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.head(x)


model = DeepMLP()
model.build((None, 10))
