"""Keras 2: a Sequential that starts with Embedding(input_length=...) takes its input shape from it.
Keras 3 ignores input_length; real Keras runs the paired Keras 3 source model_keras3.py."""
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential(
    [
        layers.Embedding(50, 8, input_length=10),
        layers.LSTM(6),
        layers.Dense(3, activation="softmax"),
    ]
)
