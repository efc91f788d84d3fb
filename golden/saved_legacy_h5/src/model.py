"""Compiled from the legacy HDF5 file (`model.save("model.h5")`) real Keras saves from this source
(case.json compile_from): its `model_config` attribute. Keras 3 wrote it, so `hard_sigmoid` is Keras
3's relu6(x + 3) / 6; GRU with reset_after=False and a recurrent hard_sigmoid run in KerasRNN."""
import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(20, 3)),
        layers.Conv1D(6, 3, padding="causal", activation="relu"),
        layers.MaxPooling1D(2),
        layers.GRU(5, reset_after=False, recurrent_activation="hard_sigmoid", return_sequences=True),
        layers.TimeDistributed(layers.Dense(4)),
        layers.GlobalAveragePooling1D(),
        layers.Dense(2, activation="hard_sigmoid"),
    ],
    name="legacy_seq",
)
