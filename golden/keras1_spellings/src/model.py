"""Keras 1 spellings that Keras 2 still accepted (its legacy interfaces renamed them): Convolution2D's
separate kernel sizes, border_mode, subsample, init, output_dim, MaxPooling1D's pool_length and stride,
LSTM's output_dim, inner_init and inner_activation; `Model(input=, output=)`. Real Keras runs the
Keras 3 twin, model_keras3.py."""
from keras.models import Sequential, Model
from keras.layers import Input, Dense, Flatten, Reshape, LSTM
from keras.layers import Convolution2D, MaxPooling1D

features = Sequential()
features.add(Convolution2D(8, 3, 3, border_mode="same", input_shape=(12, 12, 3), init="uniform"))
features.add(Convolution2D(6, 3, 2, subsample=(2, 2), activation="relu"))
features.add(Reshape((30, 6)))
features.add(MaxPooling1D(pool_length=3, stride=2))
features.add(LSTM(output_dim=5, inner_init="orthogonal", inner_activation="sigmoid", return_sequences=True))
features.add(Flatten())

image = Input(shape=(12, 12, 3))
scores = Dense(output_dim=4, init="glorot_uniform", activation="softmax")(features(image))
model = Model(input=image, output=scores)
