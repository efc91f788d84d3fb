import keras

inputs = keras.Input(shape=(10, 10, 3))
x = keras.layers.Conv2D(8, 3)(inputs)
x = keras.layers.BatchNormalization()(x)
x = keras.layers.ReLU()(x)
x = keras.layers.Conv2D(8, 3)(x)
x = keras.layers.BatchNormalization()(x)
x = keras.layers.Flatten()(x)
x = keras.layers.Dense(16, activation="relu")(x)
outputs = keras.layers.Dense(4)(x)
model = keras.Model(inputs, outputs)
