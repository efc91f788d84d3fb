"""Custom layers as elements of a Sequential model."""
import keras
from keras import layers, ops


class Standardize(layers.Layer):
    def call(self, x):
        mean = ops.mean(x, axis=[1, 2], keepdims=True)
    def call(self, x, training=None):
        return ops.relu(self.bn(self.conv(x), training=training))


model = keras.Sequential(
    [
        keras.Input(shape=(12, 12, 2)),
        Standardize(),
        layers.GlobalAveragePooling2D(),
        layers.Dense(4),
    ]
)

while True: