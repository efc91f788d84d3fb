"""A transformer encoder block written by hand: multi-head self-attention from Dense projections,
keras.ops reshapes/transposes/matmuls, and a layer norm made of add_weight variables."""
import math

import keras
from keras import layers, ops

SEQ_LEN = 6
EMBED_DIM = 16
NUM_HEADS = 4


class LayerNorm(layers.Layer):
    def __init__(self, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        dim = input_shape[-1]
        self.gamma = self.add_weight(shape=(dim,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(dim,), initializer="zeros", name="beta")

    def call(self, x):
        mean = ops.mean(x, axis=-1, keepdims=True)
        var = ops.mean(ops.square(x - mean), axis=-1, keepdims=True)
        return (x - mean) / ops.sqrt(var + self.epsilon) * self.gamma + self.beta


class SelfAttention(layers.Layer):
    def __init__(self, embed_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.query = layers.Dense(embed_dim)
        self.key = layers.Dense(embed_dim)
        self.value = layers.Dense(embed_dim)
        self.out = layers.Dense(embed_dim)

    def split_heads(self, x):
        x = ops.reshape(x, (-1, SEQ_LEN, self.num_heads, self.head_dim))
        return ops.transpose(x, (0, 2, 1, 3))  # (B, heads, seq, head_dim)

    def call(self, x):
        q = self.split_heads(self.query(x))
        k = self.split_heads(self.key(x))
        v = self.split_heads(self.value(x))
        scores = ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))) / math.sqrt(self.head_dim)
        weights = ops.softmax(scores, axis=-1)
        context = ops.matmul(weights, v)                      # (B, heads, seq, head_dim)
        context = ops.transpose(context, (0, 2, 1, 3))
        context = ops.reshape(context, (-1, SEQ_LEN, self.num_heads * self.head_dim))
        return self.out(context)


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.att = SelfAttention(embed_dim, num_heads)
        self.ffn_1 = layers.Dense(ff_dim, activation="relu")
        self.ffn_2 = layers.Dense(embed_dim)
        self.norm1 = LayerNorm()
        self.norm2 = LayerNorm()
        self.drop1 = layers.Dropout(rate)
        self.drop2 = layers.Dropout(rate)

    def call(self, inputs, training=False):
        attn = self.drop1(self.att(inputs), training=training)
        x = self.norm1(inputs + attn)
        ffn = self.drop2(self.ffn_2(self.ffn_1(x)), training=training)
        return self.norm2(x + ffn)


inputs = keras.Input(shape=(SEQ_LEN, EMBED_DIM))
x = TransformerBlock(EMBED_DIM, NUM_HEADS, ff_dim=32)(inputs)
x = layers.GlobalAveragePooling1D()(x)
outputs = layers.Dense(2, activation="softmax")(x)
model = keras.Model(inputs, outputs)
