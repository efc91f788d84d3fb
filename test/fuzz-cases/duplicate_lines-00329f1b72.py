"""Custom layers as elements of a Sequential model."""
import keras
from keras import layers, ops


class Standardize(layers.Layer):
model = keras.Sequential(
    [
        keras.Input(shape=(12, 12, 2)),
        Standardize(),
    ]
)