"""Attention over two attention axes, as MobileViT's transformer blocks do on unfolded patches."""
import keras
from keras import layers

inputs = keras.Input(shape=(4, 6, 8))
x = layers.LayerNormalization(epsilon=1e-6)(inputs)
attended = layers.MultiHeadAttention(num_heads=2, key_dim=8, dropout=0.1)(x, x)
x = layers.Add()([attended, inputs])
memory = layers.Dense(5)(x)
crossed = layers.MultiHeadAttention(num_heads=3, key_dim=4, value_dim=2, use_bias=False, output_shape=6)(x, memory, key=layers.Dense(5)(x))
outputs = layers.Dense(3)(crossed)
model = keras.Model(inputs, outputs)
