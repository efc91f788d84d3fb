"""The architecture stored in shared/fixtures/keras-files/k2.2.2_lstm_full.h5 (Keras 2.2.2), in Keras 3.
Its LSTM uses recurrent_activation='hard_sigmoid', which Keras 3 computes as relu6(x + 3) / 6 (Keras 2
used clip(0.2x + 0.5)): it runs in the generated KerasRNN cell."""
import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(1, 200)),
        layers.LSTM(100, recurrent_activation="hard_sigmoid"),
        layers.Dense(3, activation="sigmoid"),
    ]
)
