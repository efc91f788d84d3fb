# A small Dense stack for the stored-dtype vector (test/conformance/make_keras_files.py writes its
# Keras 3 .weights.h5 with float16, float64 and bfloat16 datasets, and NaN/Inf values).
import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3), layers.Dense(2)])
