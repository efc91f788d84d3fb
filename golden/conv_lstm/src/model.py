"""Convolutional LSTMs: ConvLSTM2D with 'same' and 'valid' padding, strides (uneven 'same' padding),
dilation, even kernels, other activations, no bias, return_sequences, return_state, go_backwards,
initial_state and dropout (inactive at inference); a Flatten and Dense after one; ConvLSTM1D and ConvLSTM3D."""
import keras
from keras import layers

video = keras.Input(shape=(4, 8, 8, 3), name="video")
a = layers.ConvLSTM2D(4, 3, padding="same", return_sequences=True)(video)
b = layers.ConvLSTM2D(3, (3, 2), strides=2, padding="same", go_backwards=True)(a)
head = layers.Dense(2)(layers.Flatten()(b))
c, h, state_c = layers.ConvLSTM2D(
    2, 2, dilation_rate=2, activation="relu", recurrent_activation="hard_sigmoid", use_bias=False, return_state=True
)(a)
d = layers.ConvLSTM2D(
    2, 2, dilation_rate=2, return_sequences=True, unit_forget_bias=False, dropout=0.2, recurrent_dropout=0.1
)(a, initial_state=[h, state_c])

signal = keras.Input(shape=(5, 10, 2), name="signal")
e = layers.ConvLSTM1D(3, 3, strides=2, return_sequences=True, go_backwards=True)(signal)

volume = keras.Input(shape=(3, 4, 5, 6, 2), name="volume")
f = layers.ConvLSTM3D(2, 2, padding="same")(volume)

model = keras.Model([video, signal, volume], [a, b, head, c, h, state_c, d, e, f])
