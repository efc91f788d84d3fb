# Integer lookups and category encodings inside a model, on integer inputs.
import keras
from keras import layers


def build():
    ids = keras.Input(shape=(5,), dtype="int64", name="ids")
    one = keras.Input(shape=(1,), dtype="int64", name="one")
    index = keras.Input(shape=(4,), dtype="int64", name="index")
    codes = keras.Input(shape=(5,), dtype="int64", name="codes")
    looked = layers.IntegerLookup(vocabulary=[3, 1, 4, 5, 9, 2, 6], mask_token=0, num_oov_indices=2, name="lookup_int")(ids)
    emb = layers.Embedding(10, 3, name="embedding")(looked)
    pooled = layers.GlobalAveragePooling1D()(emb)
    multi = layers.IntegerLookup(vocabulary=[3, 7, 1, 9], output_mode="multi_hot", name="lookup_multi")(ids)
    counts = layers.IntegerLookup(vocabulary=[-1, 3, 7, 1], mask_token=0, output_mode="count", name="lookup_count")(ids)
    onehot = layers.IntegerLookup(vocabulary=[7, 3, 2], output_mode="one_hot", name="lookup_one_hot")(one)
    tokens = layers.IntegerLookup(vocabulary=[30, 70, 110], mask_token=0, invert=True, name="lookup_invert")(index)
    tfidf = layers.IntegerLookup(vocabulary=[3, 7, 1], idf_weights=[0.25, 1.5, 0.75], output_mode="tf_idf", name="lookup_tf_idf")(ids)
    padded = layers.IntegerLookup(vocabulary=[-1, 2, 4], idf_weights=[0.5, 2.0, 1.0], max_tokens=6, pad_to_max_tokens=True, output_mode="tf_idf", name="lookup_padded")(ids)
    cat_multi = layers.CategoryEncoding(num_tokens=8, output_mode="multi_hot", name="cat_multi")(codes)
    cat_count = layers.CategoryEncoding(num_tokens=8, output_mode="count", name="cat_count")(codes)
    cat_one = layers.CategoryEncoding(num_tokens=6, output_mode="one_hot", name="cat_one")(one)
    cat_each = layers.CategoryEncoding(num_tokens=6, output_mode="one_hot", name="cat_each")(index)
    head = layers.Dense(2, name="head")(layers.Concatenate()([pooled, multi, counts, cat_multi, cat_count]))
    return keras.Model([ids, one, index, codes], [looked, head, onehot, tokens, cat_one, cat_each, multi, counts, tfidf, padded], name="lookups")


model = build()
