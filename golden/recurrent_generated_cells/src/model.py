"""Recurrent layers nn.LSTM/nn.GRU cannot compute, run by the generated KerasRNN with Keras' formulas:
other activations and recurrent activations, GRU with reset_after=False (with and without bias, with
state), SimpleRNN with sigmoid and linear, and a masked sequence through one of them."""
import keras
from keras import layers

series = keras.Input(shape=(6, 3), name="series")
a = layers.LSTM(4, activation="relu", return_sequences=True)(series)
b = layers.LSTM(3, recurrent_activation="hard_sigmoid", go_backwards=True)(a)
c, c_state = layers.GRU(3, reset_after=False, return_sequences=True, return_state=True)(a)
d = layers.GRU(3, reset_after=False, use_bias=False, activation="elu")(c, initial_state=c_state)
e = layers.SimpleRNN(3, activation="sigmoid", return_sequences=True)(series)
f = layers.SimpleRNN(2, activation="linear")(e)

tokens = keras.Input(shape=(7,), dtype="int32", name="tokens")
embedded = layers.Embedding(6, 3, mask_zero=True)(tokens)
g = layers.GRU(3, reset_after=False)(embedded)

model = keras.Model([series, tokens], [a, b, c, c_state, d, e, f, g])
