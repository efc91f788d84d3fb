"""GroupNormalization on conv features (channels-first, nn.GroupNorm) and UnitNormalization over one and
over two axes."""
import keras
from keras import layers

inputs = keras.Input(shape=(8, 8, 4))
x = layers.Conv2D(8, 3, padding="same")(inputs)
x = layers.GroupNormalization(groups=4)(x)
x = layers.Activation("relu")(x)
x = layers.Conv2D(6, 3)(x)
x = layers.GroupNormalization(groups=2, center=False, epsilon=1e-5)(x)
x = layers.UnitNormalization(axis=[1, 2])(x)
x = layers.GlobalMaxPooling2D()(x)
x = layers.Dense(5)(x)
outputs = layers.UnitNormalization()(x)
model = keras.Model(inputs, outputs)
