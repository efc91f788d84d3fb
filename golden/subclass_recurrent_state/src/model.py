"""A subclassed sequence encoder in the style of TensorFlow's neural machine translation tutorial: its
GRU and LSTM return their states, which `call` unpacks (`output, state = self.gru(x)`), and the
attention-style block overrides `__call__` instead of defining `call`, as the tutorial's older versions
did."""
import numpy as np
import keras
from keras import layers, ops


class Score(keras.layers.Layer):
    """Bahdanau-style scores of the sequence against the last state, written as `__call__`."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.w1 = layers.Dense(units)
        self.w2 = layers.Dense(units)
        self.v = layers.Dense(1)

    def __call__(self, values, query):
        query = ops.expand_dims(query, 1)
        score = self.v(ops.tanh(self.w1(values) + self.w2(query)))
        weights = ops.softmax(score, axis=1)
        return ops.sum(weights * values, axis=1)


class Encoder(keras.Model):
    def __init__(self, vocab_size, units):
        super().__init__()
        self.embedding = layers.Embedding(vocab_size, 8)
        self.gru = layers.GRU(units, return_sequences=True, return_state=True)
        self.lstm = layers.LSTM(units, return_sequences=True, return_state=True)
        self.score = Score(4)
        self.head = layers.Dense(3)

    def call(self, tokens):
        x = self.embedding(tokens)
        output, state = self.gru(x)
        sequence, h, c = self.lstm(output, initial_state=[state, state])
        context = self.score(sequence, h)
        return self.head(ops.concatenate([context, c], axis=-1))


model = Encoder(20, 6)
model(np.zeros((1, 7), dtype="int32"))
