"""The Keras 3 spelling of model.py: the input shape comes from an Input."""
import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(10,), dtype="int32"),
        layers.Embedding(50, 8),
        layers.LSTM(6),
        layers.Dense(3, activation="softmax"),
    ]
)
