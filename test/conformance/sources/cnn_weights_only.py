# The architecture of shared/fixtures/keras-files/k2.1.5_cnn_weights_only.h5 (its README: Conv2D(32,
# 3x3) on 28x28x1, MaxPooling2D, Flatten, Dense(128), Dense(10)); the file holds weights only.
import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ]
)
