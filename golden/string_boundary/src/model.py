# A text classifier on string inputs: a StringLookup on tokens, a TextVectorization on sentences, a
# Hashing on a tag, a TF-IDF TextVectorization and a counting StringLookup, each reading a string Input. The PyTorch module starts after them.
import keras
from keras import layers

VOCAB = ["the", "cat", "dog", "sat", "on", "mat", "ran"]


def build_classifier():
    tokens = keras.Input(shape=(6,), dtype="string", name="tokens")
    sentence = keras.Input(shape=(1,), dtype="string", name="sentence")
    tag = keras.Input(shape=(1,), dtype="string", name="tag")
    bag = keras.Input(shape=(1,), dtype="string", name="bag")
    colors = keras.Input(shape=(3,), dtype="string", name="colors")
    ids = layers.StringLookup(vocabulary=VOCAB, mask_token="", name="token_lookup")(tokens)
    x = layers.Embedding(len(VOCAB) + 2, 8, name="token_embedding")(ids)
    x = layers.GlobalAveragePooling1D()(x)
    words = layers.TextVectorization(vocabulary=["a", "big", "red", "fox", "jumps"], output_sequence_length=5, name="vectorize")(sentence)
    y = layers.Embedding(7, 4, name="word_embedding")(words)
    y = layers.Flatten()(y)
    bins = layers.Hashing(num_bins=5, name="tag_hash")(tag)
    z = layers.CategoryEncoding(num_tokens=5, output_mode="one_hot")(bins)
    # Keras says (None, 1, 5) for this tf_idf output but computes (batch, 5); Flatten agrees with both.
    weighted = layers.TextVectorization(vocabulary=["red", "fox", "dog", "big"], output_mode="tf_idf", idf_weights=[0.5, 1.25, 2.0, 0.75], name="bag_of_words")(bag)
    weighted = layers.Flatten()(weighted)
    counted = layers.StringLookup(vocabulary=["red", "green", "blue"], output_mode="count", name="color_counts")(colors)
    merged = layers.Concatenate()([x, y, z, weighted, counted])
    out = layers.Dense(3, activation="softmax")(merged)
    return keras.Model([tokens, sentence, tag, bag, colors], out, name="text_classifier")


model = build_classifier()
