"""TimeDistributed around Dense (applied as it is), Conv2D, MaxPooling2D and Flatten on a sequence of
images (the steps merged into the batch, channels-first inside), then an LSTM over the steps."""
import keras
from keras import layers

frames = keras.Input(shape=(4, 8, 8, 2), name="frames")
x = layers.TimeDistributed(layers.Conv2D(4, 3, activation="relu"))(frames)
x = layers.TimeDistributed(layers.MaxPooling2D())(x)
x = layers.TimeDistributed(layers.Conv2D(3, 3, padding="same"))(x)
x = layers.TimeDistributed(layers.Flatten())(x)
x = layers.TimeDistributed(layers.Dense(6, activation="tanh"))(x)
video_out = layers.LSTM(5)(x)

series = keras.Input(shape=(7, 3), name="series")
series_out = layers.TimeDistributed(layers.Dense(2))(series)

model = keras.Model([frames, series], [video_out, series_out])
