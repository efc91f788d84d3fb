"""Average, Maximum and Minimum of three branches, Rescaling of the input, Identity, RepeatVector and
Permute (in Keras' axis order)."""
import keras
from keras import layers

inputs = keras.Input(shape=(6,))
scaled = layers.Rescaling(1.0 / 255, offset=-0.5)(inputs)
a = layers.Dense(4)(scaled)
b = layers.Dense(4)(scaled)
c = layers.Dense(4)(scaled)
avg = layers.Average()([a, b, c])
hi = layers.Maximum()([a, b, c])
lo = layers.Minimum()([a, b])
x = layers.Concatenate()([avg, hi, lo])
x = layers.Identity()(x)
x = layers.RepeatVector(3)(x)
x = layers.Permute((2, 1))(x)
x = layers.Dense(2)(x)
outputs = layers.Flatten()(x)
model = keras.Model(inputs, outputs)
