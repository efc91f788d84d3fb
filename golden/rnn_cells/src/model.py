"""The generic RNN layer around LSTMCell, GRUCell (reset_after both ways) and SimpleRNNCell, with
return_sequences, return_state and go_backwards, on a masked sequence too."""
import keras
from keras import layers

series = keras.Input(shape=(6, 3), name="series")
a = layers.RNN(layers.LSTMCell(4), return_sequences=True)(series)
b, b_state = layers.RNN(layers.GRUCell(3), return_state=True)(a)
c = layers.RNN(layers.GRUCell(3, reset_after=False), go_backwards=True)(a)
d = layers.RNN(layers.SimpleRNNCell(2, activation="relu"))(series)

tokens = keras.Input(shape=(5,), dtype="int32", name="tokens")
e = layers.RNN(layers.LSTMCell(3))(layers.Embedding(5, 2, mask_zero=True)(tokens))

model = keras.Model([series, tokens], [a, b, b_state, c, d, e])
