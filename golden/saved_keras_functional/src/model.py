"""Compiled from the .keras file real Keras saves from this source (case.json compile_from), not from
the source: a Functional model with two inputs and two outputs, a nested Sequential and a nested Functional, a shared layer
called twice, Bidirectional LSTM, conv + batch norm, and Keras 3's hard_sigmoid."""
import keras
from keras import layers

image = keras.Input(shape=(16, 16, 3), name="image")
seq = keras.Input(shape=(7, 5), name="seq")

x = layers.Conv2D(8, 3, padding="same", activation="relu")(image)
x = layers.BatchNormalization()(x)
x = layers.MaxPooling2D(2)(x)
x = layers.Conv2D(4, 3, strides=2)(x)
x = layers.LeakyReLU(negative_slope=0.1)(x)
x = layers.Flatten()(x)

encoder = keras.Sequential([layers.Dense(12, activation="tanh"), layers.Dropout(0.3)], name="encoder")
s = layers.Bidirectional(layers.LSTM(6, return_sequences=True))(seq)
s = layers.GRU(12)(s)

# A nested Functional model.
inner_in = keras.Input(shape=(12,))
inner = keras.Model(inner_in, layers.Dense(12, activation="relu")(inner_in), name="inner")

shared = layers.Dense(6, activation="hard_sigmoid", name="shared")
a = shared(inner(encoder(x)))
b = shared(s)
merged = layers.Concatenate()([a, b, s])
out_class = layers.Dense(3, activation="softmax", name="cls")(merged)
out_value = layers.Add(name="value")([a, b])
model = keras.Model([image, seq], [out_class, out_value], name="two_heads")
