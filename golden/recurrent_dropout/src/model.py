"""Recurrent layers with dropout and recurrent_dropout (the training branch runs keras_recurrent_dropout;
this case checks that inference is the plain module call): Bidirectional LSTM with return_state and
initial_state, a GRU with input dropout only, go_backwards and initial_state, a SimpleRNN with
recurrent_dropout, RNN(LSTMCell) with implementation=1, and generated KerasRNN cells that drop by
themselves (relu LSTM, GRU reset_after=False, in a Bidirectional), and a masked LSTM with input dropout."""
import keras
from keras import layers

sequence = keras.Input(shape=(6, 4), name="sequence")
x, fh, fc, bh, bc = layers.Bidirectional(layers.LSTM(5, dropout=0.3, recurrent_dropout=0.2, return_sequences=True, return_state=True))(sequence)
g = layers.GRU(5, dropout=0.4, go_backwards=True, return_sequences=True)(x, initial_state=fh)
s = layers.SimpleRNN(3, recurrent_dropout=0.5)(g)
c = layers.RNN(layers.LSTMCell(3, dropout=0.2, implementation=1))(x)
b = layers.Bidirectional(layers.GRU(3, dropout=0.2), merge_mode="ave")(g)
k = layers.LSTM(3, activation="relu", dropout=0.2, recurrent_dropout=0.2)(x)
r = layers.GRU(3, reset_after=False, dropout=0.3, return_sequences=True)(g)
kb = layers.Bidirectional(layers.GRU(3, reset_after=False, recurrent_dropout=0.3))(r)
m = layers.LSTM(3, dropout=0.25, return_sequences=True)(layers.Masking(mask_value=0.5)(x))

model = keras.Model(sequence, [x, fh, fc, bh, bc, s, c, b, k, r, kb, m])
