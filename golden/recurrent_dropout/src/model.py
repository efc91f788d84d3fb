"""Recurrent layers with dropout and recurrent_dropout (the training branch runs keras_recurrent_dropout;
this case checks that inference is the plain module call): Bidirectional LSTM with return_state and
initial_state, a GRU with input dropout only, go_backwards and initial_state, a SimpleRNN with
recurrent_dropout, and RNN(LSTMCell) with implementation=1."""
import keras
from keras import layers

sequence = keras.Input(shape=(6, 4), name="sequence")
x, fh, fc, bh, bc = layers.Bidirectional(layers.LSTM(5, dropout=0.3, recurrent_dropout=0.2, return_sequences=True, return_state=True))(sequence)
g = layers.GRU(5, dropout=0.4, go_backwards=True, return_sequences=True)(x, initial_state=fh)
s = layers.SimpleRNN(3, recurrent_dropout=0.5)(g)
c = layers.RNN(layers.LSTMCell(3, dropout=0.2, implementation=1))(x)
b = layers.Bidirectional(layers.GRU(3, dropout=0.2), merge_mode="ave")(g)

model = keras.Model(sequence, [x, fh, fc, bh, bc, s, c, b])
