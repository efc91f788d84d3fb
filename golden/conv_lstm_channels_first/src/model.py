"""ConvLSTM2D with data_format='channels_first' (Keras (N, T, C, H, W) is already PyTorch's order), with
return_sequences, return_state and strides, followed by a channels-last Conv2D."""
import keras
from keras import layers

frames = keras.Input(shape=(4, 3, 7, 6), name="frames")
seq = layers.ConvLSTM2D(4, 3, padding="same", data_format="channels_first", return_sequences=True)(frames)
last, h, c = layers.ConvLSTM2D(2, 3, strides=2, data_format="channels_first", return_state=True)(seq)
conv = layers.Conv2D(3, 2, name="head")(layers.Permute((2, 3, 1))(last))
model = keras.Model(frames, [seq, last, h, c, conv])
