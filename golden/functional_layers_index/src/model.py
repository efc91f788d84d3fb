"""A feature extractor tapping a Functional model through its `layers` list, whose first entry is the InputLayer."""
import keras
from keras import layers

inputs = keras.Input(shape=(6,))
x = layers.Dense(5, activation="relu", name="d1")(inputs)
x = layers.Dense(4, activation="tanh", name="d2")(x)
outputs = layers.Dense(3, name="d3")(x)
base = keras.Model(inputs, outputs, name="base")

names = [layer.name for layer in base.layers]
print(names)  # ['input_layer', 'd1', 'd2', 'd3']

model = keras.Model(
    inputs=base.layers[1].input,
    outputs=[base.layers[2].output, base.get_layer("d3").output],
    name="taps",
)
