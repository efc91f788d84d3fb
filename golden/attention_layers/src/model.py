"""Attention (dot and concat scores, use_scale, a separate key, causal masking, returned scores, dropout)
and AdditiveAttention (with and without its learned scale), called on [query, value(, key)] lists."""
import keras
from keras import layers

query = keras.Input(shape=(5, 4), name="query")
value = keras.Input(shape=(6, 4), name="value")
key = keras.Input(shape=(6, 4), name="key")

dot = layers.Attention()([query, value])
scaled, scores = layers.Attention(use_scale=True, dropout=0.2)([query, value, key], return_attention_scores=True)
concat = layers.Attention(score_mode="concat", use_scale=True)([query, value])
concat_plain = layers.Attention(score_mode="concat")([query, value, key])
causal = layers.Attention()([query, query], use_causal_mask=True)
additive = layers.AdditiveAttention()([query, value])
additive_plain = layers.AdditiveAttention(use_scale=False)([query, value, key])

model = keras.Model([query, value, key], [dot, scaled, scores, concat, concat_plain, causal, additive, additive_plain])
