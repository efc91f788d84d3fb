"""A Sequential with no input shape, built as Keras builds it: by its first call, on an array the
script makes. Another one is built by `build(input_shape)`."""
import numpy as np
import keras
from keras import layers

head = keras.Sequential([layers.Dense(6, activation="relu"), layers.Dense(2)], name="head")
head.build((None, 5))

model = keras.Sequential(
    [
        layers.Conv2D(8, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(4, 3, activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(3),
    ],
    name="deferred",
)
model(np.zeros((1, 16, 16, 3), dtype="float32"))
