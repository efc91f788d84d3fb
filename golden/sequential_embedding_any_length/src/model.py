"""A Keras 2 text classifier: a Sequential that starts with an Embedding and gives no input length, and
that the file never builds (Keras builds it on the batches `fit` gives it). Its input is int sequences
of any length."""
from keras.models import Sequential
from keras.layers import Dense, Dropout, Activation, Embedding, Conv1D, GlobalMaxPooling1D

model = Sequential()
model.add(Embedding(30, 16))
model.add(Dropout(0.2))
model.add(Conv1D(12, 3, padding="valid", activation="relu", strides=1))
model.add(GlobalMaxPooling1D())
model.add(Dense(10))
model.add(Activation("relu"))
model.add(Dense(4))
model.add(Activation("softmax"))
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["acc"])
