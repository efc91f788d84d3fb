"""Loops in call kept as written: enumerate over a list of blocks, a slice of it, range(len(...)); static loop variables."""
import keras
from keras import layers


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.stem = layers.Dense(8)
        self.blocks = [layers.Dense(8) for _ in range(3)]

    def call(self, x):
        x = self.stem(x)
        for i, block in enumerate(self.blocks):
            x = block(x) + x
        for block in self.blocks[1:]:
            x = block(x)
        for j in range(len(self.blocks)):
            x = x * 2
        return x


model = Net()
model.build((None, 4))
