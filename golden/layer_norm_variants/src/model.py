"""LayerNormalization: trailing axes (nn.LayerNorm), an axis list, center/scale off, and the channel axis
of a conv net, which stays channels-first (no permute)."""
import keras
from keras import layers

tokens = keras.Input(shape=(5, 8), name="tokens")
x = layers.Dense(8)(tokens)
x = layers.LayerNormalization()(x)
x = layers.LayerNormalization(axis=[1, 2], epsilon=1e-5)(x)
x = layers.LayerNormalization(center=False)(x)
x = layers.LayerNormalization(scale=False)(x)
seq_out = layers.GlobalAveragePooling1D()(x)

image = keras.Input(shape=(6, 6, 3), name="image")
y = layers.Conv2D(8, 3, padding="same")(image)
y = layers.LayerNormalization(epsilon=1e-6)(y)
y = layers.Conv2D(8, 1, activation="gelu")(y)
y = layers.LayerNormalization(center=False, scale=False)(y)
img_out = layers.GlobalAveragePooling2D()(y)

model = keras.Model([tokens, image], layers.Concatenate()([seq_out, img_out]))
