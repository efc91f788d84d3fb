"""Keras 3 twin of model.py: what Keras 2's legacy interfaces made of the Keras 1 spellings."""
from keras.models import Sequential, Model
from keras.layers import Input, Dense, Flatten, Reshape, LSTM, Conv2D, MaxPooling1D

features = Sequential()
features.add(Input(shape=(12, 12, 3)))
features.add(Conv2D(8, kernel_size=(3, 3), padding="same", kernel_initializer="random_uniform"))
features.add(Conv2D(6, kernel_size=(3, 2), strides=(2, 2), activation="relu"))
features.add(Reshape((30, 6)))
features.add(MaxPooling1D(pool_size=3, strides=2))
features.add(LSTM(units=5, recurrent_initializer="orthogonal", recurrent_activation="sigmoid", return_sequences=True))
features.add(Flatten())

image = Input(shape=(12, 12, 3))
scores = Dense(units=4, kernel_initializer="glorot_uniform", activation="softmax")(features(image))
model = Model(inputs=image, outputs=scores)
