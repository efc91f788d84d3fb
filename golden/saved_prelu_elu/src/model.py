"""PReLU with Keras' per-element slopes (on features and on a whole conv map, kept channels-first),
per-channel slopes via shared_axes (nn.PReLU), and the ELU layer."""
import keras
from keras import layers

image = keras.Input(shape=(6, 5, 3), name="image")
x = layers.Conv2D(4, 3)(image)
x = layers.PReLU(shared_axes=[1, 2])(x)
x = layers.Conv2D(3, 3, padding="same")(x)
x = layers.PReLU()(x)
x = layers.ELU(alpha=0.5)(x)
x = layers.Flatten()(x)
x = layers.Dense(6)(x)
x = layers.PReLU()(x)
outputs = layers.ELU()(x)
model = keras.Model(image, outputs)
