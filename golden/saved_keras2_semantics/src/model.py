"""A saved file that says Keras 2 wrote it (case.json saved_keras_version) compiles with Keras 2's
definitions: `hard_sigmoid` is clip(0.2x + 0.5, 0, 1), as an activation, an Activation layer and an
LSTM's recurrent activation (Keras 3's relu6(x + 3) / 6 differs by up to 0.033 per call). The reference
runs the same model with Keras 2's documented formula in place of Keras 3's."""
import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(6, 4)),
        layers.LSTM(5, recurrent_activation="hard_sigmoid", return_sequences=True),
        layers.Dense(4, activation="hard_sigmoid"),
        layers.Dense(3),
        layers.Activation("hard_sigmoid"),
    ],
    name="keras2_semantics",
)
