"""Keras 3 activation functions beyond the common ones, by name and with arguments (as layer
`activation=` strings and `Activation` layers), including glu over the channel axis of a conv net."""
import keras
from keras import layers

inputs = keras.Input(shape=(6,))
branches = []
for name in ["celu", "hard_shrink", "hard_tanh", "log_sigmoid", "soft_shrink", "sparse_plus", "sparse_sigmoid", "squareplus", "tanh_shrink"]:
    branches.append(layers.Dense(4, activation=name)(inputs))
x = layers.Dense(8)(inputs)
branches.append(layers.Activation("glu")(x))
features = layers.Concatenate()(branches)

image = keras.Input(shape=(5, 5, 2))
y = layers.Conv2D(6, 3)(image)
y = layers.Activation("glu")(y)
y = layers.Activation("celu")(y)
image_features = layers.GlobalAveragePooling2D()(y)

model = keras.Model([inputs, image], [features, image_features])
