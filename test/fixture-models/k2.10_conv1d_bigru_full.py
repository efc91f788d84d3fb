"""The architecture stored in shared/fixtures/keras-files/k2.10_conv1d_bigru_full.h5 (Keras 2.10), in Keras 3."""
import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(122, 1)),
        layers.Conv1D(64, 2, padding="same", activation="relu"),
        layers.MaxPooling1D(5),
        layers.BatchNormalization(),
        layers.Bidirectional(layers.GRU(64)),
        layers.Reshape((128, 1)),
        layers.MaxPooling1D(5),
        layers.BatchNormalization(),
        layers.Bidirectional(layers.GRU(128)),
        layers.Dense(48, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(5, activation="softmax"),
    ]
)
