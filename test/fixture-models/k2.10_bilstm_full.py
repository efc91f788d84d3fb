"""The architecture stored in shared/fixtures/keras-files/k2.10_bilstm_full.h5 (Keras 2.10), in Keras 3."""
import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(10, 300)),
        layers.Bidirectional(layers.LSTM(64, return_sequences=True)),
        layers.Dropout(0.5),
        layers.Bidirectional(layers.LSTM(64)),
        layers.Dropout(0.5),
        layers.Dense(10, activation="tanh"),
        layers.Dense(5, activation="softmax"),
    ]
)
