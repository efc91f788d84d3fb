"""A subclassed Model reused as a layer of a Functional model (shared by two inputs)."""
import keras
from keras import layers


class Embedder(keras.Model):
    """Maps a (16, 1) signal to an 8-d embedding."""

    def __init__(self, dim=8, **kwargs):
        super().__init__(**kwargs)
        self.conv = layers.Conv1D(4, 5, activation="relu")
        self.pool = layers.AveragePooling1D(2)
        self.flatten = layers.Flatten()
        self.proj = layers.Dense(dim)

    def call(self, x):
        return self.proj(self.flatten(self.pool(self.conv(x))))


embedder = Embedder(name="embedder")
left = keras.Input(shape=(16, 1), name="left")
right = keras.Input(shape=(16, 1), name="right")
e_left = embedder(left)
e_right = embedder(right)
diff = layers.Subtract()([e_left, e_right])
prod = layers.Multiply()([e_left, e_right])
x = layers.Concatenate()([diff, prod])
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model([left, right], outputs)
