"""Embedding into stacked LSTM, GRU and SimpleRNN layers: return_sequences, return_state, go_backwards,
initial_state from another layer's states, use_bias=False and SimpleRNN with relu."""
import keras
from keras import layers

tokens = keras.Input(shape=(7,), dtype="int32", name="tokens")
x = layers.Embedding(20, 6)(tokens)
x = layers.LSTM(5, return_sequences=True)(x)
x = layers.GRU(4, return_sequences=True, go_backwards=True)(x)
last = layers.SimpleRNN(3)(x)
summary, state_h, state_c = layers.LSTM(4, return_state=True)(x)
gru_sequence, gru_state = layers.GRU(3, return_sequences=True, return_state=True, use_bias=False)(x)
relu_sequence = layers.SimpleRNN(3, activation="relu", return_sequences=True, go_backwards=True)(gru_sequence)
continued = layers.LSTM(4, dropout=0.2, recurrent_dropout=0.1, unroll=True)(x, initial_state=[state_h, state_c])
restarted = layers.GRU(3)(gru_sequence, initial_state=gru_state)

model = keras.Model(tokens, [last, summary, state_h, state_c, gru_sequence, gru_state, relu_sequence, continued, restarted])
