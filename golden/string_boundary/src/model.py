# A text classifier on string inputs: a StringLookup on tokens, a TextVectorization on sentences and a
# Hashing on a tag, each reading a string Input. The PyTorch module starts after them.
import keras
from keras import layers

VOCAB = ["the", "cat", "dog", "sat", "on", "mat", "ran"]


def build_classifier():
    tokens = keras.Input(shape=(6,), dtype="string", name="tokens")
    sentence = keras.Input(shape=(1,), dtype="string", name="sentence")
    tag = keras.Input(shape=(1,), dtype="string", name="tag")
    ids = layers.StringLookup(vocabulary=VOCAB, mask_token="", name="token_lookup")(tokens)
    x = layers.Embedding(len(VOCAB) + 2, 8, name="token_embedding")(ids)
    x = layers.GlobalAveragePooling1D()(x)
    words = layers.TextVectorization(vocabulary=["a", "big", "red", "fox", "jumps"], output_sequence_length=5, name="vectorize")(sentence)
    y = layers.Embedding(7, 4, name="word_embedding")(words)
    y = layers.Flatten()(y)
    bins = layers.Hashing(num_bins=5, name="tag_hash")(tag)
    z = layers.CategoryEncoding(num_tokens=5, output_mode="one_hot")(bins)
    merged = layers.Concatenate()([x, y, z])
    out = layers.Dense(3, activation="softmax")(merged)
    return keras.Model([tokens, sentence, tag], out, name="text_classifier")


model = build_classifier()
