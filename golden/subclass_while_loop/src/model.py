"""while loops over static counters, in __init__ (how many stages) and in call (applying them)."""
import keras
from keras import layers

SEQ_LEN = 32
MIN_LEN = 4


class Downsampler(keras.Model):
    def __init__(self, filters=4):
        super().__init__()
        self.stages = []
        length = SEQ_LEN
        while length > MIN_LEN:  # 32 -> 16 -> 8 -> 4: three stages
            self.stages.append(layers.Conv1D(filters, 3, strides=2, padding="same", activation="relu"))
            filters *= 2
            length //= 2
        self.flatten = layers.Flatten()
        self.out = layers.Dense(3)

    def call(self, x):
        i = 0
        while i < len(self.stages):
            x = self.stages[i](x)
            i += 1
        return self.out(self.flatten(x))


model = Downsampler()
model.build((None, SEQ_LEN, 1))
