"""A character-level text model in the shape of the keras.io text-generation example: the vocabulary
comes from a corpus file, the training data is one-hot-free index arrays built in loops, and a
sampling loop runs after fit. keras2torch cannot know the vocabulary size; `--weights` reads it from
the saved model (the Embedding's table and the last Dense), and the class takes it as a constructor
parameter whose default is that size."""
import pathlib

import numpy as np
import keras
from keras import layers

text = (pathlib.Path(__file__).parent / "data" / "corpus.txt").read_text().lower()
chars = sorted(set(text))
char_indices = {c: i for i, c in enumerate(chars)}
vocab_size = len(chars)

maxlen = 10
step = 3
sentences = []
next_chars = []
for i in range(0, len(text) - maxlen, step):
    sentences.append(text[i : i + maxlen])
    next_chars.append(text[i + maxlen])
x = np.zeros((len(sentences), maxlen), dtype="int32")
y = np.zeros((len(sentences),), dtype="int32")
for i, sentence in enumerate(sentences):
    for t, char in enumerate(sentence):
        x[i, t] = char_indices[char]
    y[i] = char_indices[next_chars[i]]

model = keras.Sequential(
    [
        keras.Input(shape=(maxlen,), dtype="int32"),
        layers.Embedding(vocab_size, 8),
        layers.GRU(12),
        layers.Dense(vocab_size, activation="softmax"),
    ]
)
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x, y, batch_size=32, epochs=1, verbose=0)


def sample(preds, temperature=1.0):
    preds = np.log(np.asarray(preds).astype("float64") + 1e-9) / temperature
    probs = np.exp(preds) / np.sum(np.exp(preds))
    return int(np.argmax(np.random.multinomial(1, probs, 1)))


generated = text[:maxlen]
for _ in range(20):
    x_pred = np.array([[char_indices[c] for c in generated[-maxlen:]]], dtype="int32")
    generated += chars[sample(model.predict(x_pred, verbose=0)[0], 0.5)]
print(generated)
