"""Bidirectional around recurrent layers nn.LSTM/nn.GRU cannot compute (other activations, GRU with
reset_after=False): every merge mode, return_state, initial_state, a backward_layer, RNN(cell) inside
Bidirectional, and masked sequences."""
import keras
from keras import layers

series = keras.Input(shape=(6, 3), name="series")
a = layers.Bidirectional(layers.LSTM(4, activation="relu", return_sequences=True))(series)
b = layers.Bidirectional(layers.GRU(3, reset_after=False), merge_mode="sum")(a)
c, fh, bh = layers.Bidirectional(layers.GRU(3, reset_after=False, return_sequences=True, return_state=True), merge_mode="ave")(a)
d_forward, d_backward = layers.Bidirectional(layers.SimpleRNN(2, activation="sigmoid"), merge_mode=None)(a)
_, f_h, f_c, b_h, b_c = layers.Bidirectional(layers.LSTM(2, activation="relu", return_state=True))(series)
e = layers.Bidirectional(layers.LSTM(2, recurrent_activation="hard_sigmoid"), merge_mode="mul")(series, initial_state=[f_h, f_c, b_h, b_c])
f = layers.Bidirectional(layers.RNN(layers.LSTMCell(3), return_sequences=True))(series)
g = layers.Bidirectional(
    layers.RNN(layers.GRUCell(2, reset_after=False)),
    backward_layer=layers.RNN(layers.GRUCell(2, reset_after=False), go_backwards=True),
)(f)

tokens = keras.Input(shape=(7,), dtype="int32", name="tokens")
embedded = layers.Embedding(4, 3, mask_zero=True)(tokens)
m = layers.Bidirectional(layers.LSTM(3, activation="relu", return_sequences=True))(embedded)
n = layers.Bidirectional(layers.GRU(2, reset_after=False))(m)

model = keras.Model([series, tokens], [a, b, c, fh, bh, d_forward, d_backward, e, f, g, m, n])
