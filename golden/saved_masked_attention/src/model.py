"""A masked text encoder: padding masks from Embedding(mask_zero=True) reach the attention layers, pass
through them (an attention output carries its query's mask) and through merges; padded steps sit anywhere
in the sequences."""
import keras
from keras import layers

tokens = keras.Input(shape=(8,), dtype="int32", name="tokens")
other = keras.Input(shape=(6,), dtype="int32", name="other")
plain = keras.Input(shape=(6, 8), name="plain")

x = layers.Embedding(10, 8, mask_zero=True)(tokens)
y = layers.Embedding(10, 8, mask_zero=True)(other)
# MultiHeadAttention removes the masks of the tensors it takes (at run time, so which other layers see them
# depends on Keras' run order): the Attention layers get their own embedding.
y_copy = layers.Embedding(10, 8, mask_zero=True)(other)

# Self-attention: Keras reads the masks of query and value.
attended = layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
# Cross-attention with a key, dropout (Keras' explicit path) and the scores returned.
crossed, scores = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2, dropout=0.1)(attended, y, key=y, return_attention_scores=True)
# A causal self-attention on top of the padding masks.
causal = layers.MultiHeadAttention(num_heads=1, key_dim=4)(crossed, crossed, use_causal_mask=True)

dotted = layers.Attention(use_scale=True)([causal, y_copy])
additive = layers.AdditiveAttention()([y_copy, dotted, dotted])
merged = layers.Multiply()([layers.Subtract()([causal, dotted]), layers.Average()([causal, dotted])])
# Multiply, Maximum and Minimum read the masks: a masked step counts as 1, or is taken from the other side.
maxed = layers.Maximum()([causal, dotted, merged])
mined = layers.Minimum()([additive, plain])
multiplied = layers.Multiply()([plain, additive])

# Along the features the masks are ORed (an unmasked input makes every step valid); along the steps they
# are concatenated.
features = layers.Concatenate()([merged, crossed])
steps = layers.Concatenate(axis=1)([additive, plain])
unmasked = layers.Concatenate()([y_copy, plain])

projected = layers.TimeDistributed(layers.Dense(5))(merged)
encoded = layers.LSTM(4)(projected)
pooled_steps = layers.GlobalAveragePooling1D()(steps)
pooled_unmasked = layers.GlobalAveragePooling1D()(unmasked)
pooled = layers.GlobalAveragePooling1D()(merged)

model = keras.Model([tokens, other, plain], [features, scores, additive, encoded, pooled_steps, pooled_unmasked, pooled, maxed, mined, multiplied])
