"""The most common text model: Embedding(mask_zero=True) into Bidirectional LSTM and GRU layers, over
sequences and last outputs, with merge modes; masked steps anywhere in the sequence."""
import keras
from keras import layers

tokens = keras.Input(shape=(8,), dtype="int32", name="tokens")
x = layers.Embedding(10, 4, mask_zero=True)(tokens)
x = layers.Bidirectional(layers.LSTM(3, return_sequences=True))(x)
summed = layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode="sum")(x)
last = layers.Bidirectional(layers.LSTM(3))(x)
both, fh, fc, bh, bc = layers.Bidirectional(layers.LSTM(2, return_state=True), merge_mode="ave")(x)
pooled = layers.GlobalAveragePooling1D()(summed)
model = keras.Model(tokens, [x, summed, last, both, fh, bc, pooled])
