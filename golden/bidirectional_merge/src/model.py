"""Bidirectional recurrent layers with every merge mode, over sequences and final states, with a
backward_layer, return_state and initial_state."""
import keras
from keras import layers

series = keras.Input(shape=(6, 3), name="series")
concat = layers.Bidirectional(layers.LSTM(4, return_sequences=True))(series)
summed = layers.Bidirectional(layers.GRU(3, return_sequences=True), merge_mode="sum")(concat)
product = layers.Bidirectional(layers.SimpleRNN(3, return_sequences=True), merge_mode="mul")(summed)
average = layers.Bidirectional(layers.LSTM(2), merge_mode="ave")(product)
forward_last, backward_last = layers.Bidirectional(layers.GRU(2), merge_mode=None)(concat)
final = layers.Bidirectional(layers.LSTM(3), backward_layer=layers.LSTM(3, go_backwards=True))(summed)
states = layers.Bidirectional(layers.LSTM(2, return_sequences=True, return_state=True))(series)
sequence, fh, fc, bh, bc = states
resumed = layers.Bidirectional(layers.LSTM(2))(series, initial_state=[fh, fc, bh, bc])

model = keras.Model(series, [concat, summed, product, average, forward_last, backward_last, final, sequence, fh, bc, resumed])
