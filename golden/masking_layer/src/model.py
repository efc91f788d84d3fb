"""Masking on a float sequence whose padded steps are all zeros (anywhere in the sequence): the steps are
zeroed, and the mask reaches an LSTM, a GRU and a masked GlobalAveragePooling1D; Masking with another
mask_value too."""
import keras
from keras import layers

counts = keras.Input(shape=(7, 2), dtype="int32", name="counts")
x = keras.ops.cast(counts, "float32")
masked = layers.Masking()(x)
sequence = layers.LSTM(3, return_sequences=True)(masked)
last = layers.GRU(2)(sequence)
pooled = layers.GlobalAveragePooling1D()(sequence)
shifted = layers.Masking(mask_value=1.0)(x)
other = layers.SimpleRNN(2)(shifted)
model = keras.Model(counts, [masked, sequence, last, pooled, other])
