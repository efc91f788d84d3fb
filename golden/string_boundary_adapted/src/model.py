# Adapted string layers at the string boundary: their vocabularies are not in the source, only in the
# saved .keras file (assets/), which the weights script extracts to OUTPUT_vocab.json.
import keras
from keras import layers


def build_classifier():
    tokens = keras.Input(shape=(5,), dtype="string", name="tokens")
    review = keras.Input(shape=(1,), dtype="string", name="review")
    ids = layers.StringLookup(max_tokens=12, num_oov_indices=1, name="token_lookup")(tokens)
    x = layers.Embedding(12, 6, name="token_embedding")(ids)
    x = layers.GlobalAveragePooling1D()(x)
    words = layers.TextVectorization(max_tokens=16, output_sequence_length=6, name="vectorize")(review)
    y = layers.Embedding(16, 4, mask_zero=True, name="word_embedding")(words)
    y = layers.GRU(5, name="gru")(y)
    out = layers.Dense(2, name="head")(layers.Concatenate()([x, y]))
    return keras.Model([tokens, review], out, name="review_classifier")


model = build_classifier()
