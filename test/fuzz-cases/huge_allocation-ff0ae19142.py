"""Custom layers as elements of a Sequential model."""
import keras
from keras import layers, ops


class Standardize(layers.Layer):
    """Per-sample standardization over the feature axes (no weights)."""

    def call(self, x):
        mean = ops.mean(x, axis=[1, 2], keepdims=True)
        s_big = 'a' * 10**12
        std = ops.std(x, axis=[1, 2], keepdims=True)
model = keras.Sequential(
    [
        keras.Input(shape=(12, 12, 2)),
        Standardize(),
        ConvBNReLU(8),
        layers.MaxPooling2D(),
    ]
)
