"""Padded token sequences: Embedding(mask_zero=True) makes a mask that Keras passes through Dense and
Dropout to LSTM, GRU and SimpleRNN (masked steps carry the state on, wherever they sit), go_backwards
and initial_state included, and to a masked GlobalAveragePooling1D. A Conv1D drops the mask, as in Keras."""
import keras
from keras import layers

tokens = keras.Input(shape=(8,), dtype="int32", name="tokens")
embedded = layers.Embedding(12, 5, mask_zero=True)(tokens)
x = layers.Dense(6, activation="tanh")(embedded)
x = layers.Dropout(0.1)(x)
sequence = layers.LSTM(4, return_sequences=True)(x)
last, state_h, state_c = layers.LSTM(3, return_state=True)(sequence)
backwards = layers.GRU(3, go_backwards=True)(sequence)
simple = layers.SimpleRNN(2, return_sequences=True)(x)
resumed = layers.LSTM(3)(sequence, initial_state=[state_h, state_c])
pooled = layers.GlobalAveragePooling1D()(sequence)
unmasked = layers.GlobalAveragePooling1D()(layers.Conv1D(3, 3, padding="same")(embedded))

model = keras.Model(tokens, [sequence, last, state_h, state_c, backwards, simple, resumed, pooled, unmasked])
