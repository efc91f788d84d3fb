"""A model written for Keras 2 and compiled with --keras-version 2: `hard_sigmoid` as a layer's
activation, an Activation layer, a function called on a tensor and an LSTM's recurrent activation all
follow Keras 2's clip(0.2x + 0.5, 0, 1), not Keras 3's relu6(x + 3) / 6. `LeakyReLU(alpha=)` is Keras
2's spelling of the slope."""
import keras
from keras import layers

inputs = keras.Input(shape=(6, 4), name="sequence")
x = layers.LSTM(8, recurrent_activation="hard_sigmoid", return_sequences=True)(inputs)
x = layers.Dense(8, activation="hard_sigmoid")(x)
x = layers.LeakyReLU(alpha=0.1)(x)
x = layers.Activation("hard_sigmoid")(layers.Dense(6)(x))
x = keras.activations.hard_sigmoid(layers.Dense(5)(layers.GlobalAveragePooling1D()(x)) * 4.0)
model = keras.Model(inputs, x)
