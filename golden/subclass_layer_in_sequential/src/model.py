"""Custom layers as elements of a Sequential model."""
import keras
from keras import layers, ops


class Standardize(layers.Layer):
    """Per-sample standardization over the feature axes (no weights)."""

    def call(self, x):
        mean = ops.mean(x, axis=[1, 2], keepdims=True)
        std = ops.std(x, axis=[1, 2], keepdims=True)
        return (x - mean) / (std + 1e-5)


class ConvBNReLU(layers.Layer):
    def __init__(self, filters, kernel_size=3, **kwargs):
        super().__init__(**kwargs)
        self.conv = layers.Conv2D(filters, kernel_size, padding="same", use_bias=False)
        self.bn = layers.BatchNormalization()

    def call(self, x, training=None):
        return ops.relu(self.bn(self.conv(x), training=training))


model = keras.Sequential(
    [
        keras.Input(shape=(12, 12, 2)),
        Standardize(),
        ConvBNReLU(8),
        layers.MaxPooling2D(),
        ConvBNReLU(12, kernel_size=1),
        layers.GlobalAveragePooling2D(),
        layers.Dense(4),
    ]
)
