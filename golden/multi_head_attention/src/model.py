"""MultiHeadAttention in a small transformer: causal self-attention with dropout, cross-attention with a
separate key, an attention_mask and returned attention scores, value_dim, output_shape and use_bias=False."""
import keras
from keras import layers

tokens = keras.Input(shape=(6, 8), name="tokens")
memory = keras.Input(shape=(5, 4), name="memory")
keys = keras.Input(shape=(5, 3), name="keys")
allowed = keras.Input(shape=(6, 5), dtype="bool", name="allowed")

attended = layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.1)(tokens, tokens, use_causal_mask=True)
x = layers.LayerNormalization()(tokens + attended)
cross, scores = layers.MultiHeadAttention(num_heads=3, key_dim=2, value_dim=5)(
    x, memory, key=keys, attention_mask=allowed, return_attention_scores=True
)
x = layers.Add()([x, cross])
projected = layers.MultiHeadAttention(2, 3, use_bias=False, output_shape=7)(query=x, value=x)
outputs = layers.Dense(4)(projected)
model = keras.Model([tokens, memory, keys, allowed], [outputs, scores])
