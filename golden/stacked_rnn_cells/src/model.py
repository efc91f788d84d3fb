"""Stacked recurrent cells: RNN(StackedRNNCells([...])) and Keras' shorthand RNN([cell, cell]), with
return_sequences, return_state (states nested per cell as Keras returns them), go_backwards, a generated
cell in the stack, initial_state, and masked sequences with and without zero_output_for_mask."""
import keras
from keras import layers

series = keras.Input(shape=(6, 3), name="series")
a = layers.RNN(layers.StackedRNNCells([layers.LSTMCell(8), layers.GRUCell(4)]))(series)
b, (h1, c1), h2 = layers.RNN(
    [layers.LSTMCell(4), layers.GRUCell(3, reset_after=False)], return_sequences=True, return_state=True
)(series)
c = layers.RNN([layers.SimpleRNNCell(3), layers.GRUCell(3), layers.GRUCell(2)], go_backwards=True)(series)
d = layers.RNN([layers.LSTMCell(4, activation="relu"), layers.GRUCell(3)])(series, initial_state=[[h1, c1], h2])
e, (eh, ec) = layers.RNN([layers.LSTMCell(3)], return_state=True)(b)

tokens = keras.Input(shape=(6,), dtype="int32", name="tokens")
embedded = layers.Embedding(4, 3, mask_zero=True)(tokens)
f = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)], return_sequences=True)(embedded)
g = layers.RNN([layers.GRUCell(3), layers.LSTMCell(2)], return_sequences=True, zero_output_for_mask=True)(embedded)
last, gh, (lh, lc) = layers.RNN([layers.GRUCell(3), layers.LSTMCell(2)], zero_output_for_mask=True, return_state=True)(embedded)
single = layers.RNN(layers.LSTMCell(2), zero_output_for_mask=True)(embedded)

model = keras.Model([series, tokens], [a, b, h1, c1, h2, c, d, e, eh, ec, f, g, last, gh, lc, single])
