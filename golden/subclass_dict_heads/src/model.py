"""A multi-task model: a dict of head layers, several outputs returned as a tuple."""
import keras
from keras import layers

TASKS = {"species": 3, "color": 2}


class MultiTaskNet(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.trunk = [layers.Dense(16, activation="relu"), layers.Dense(16, activation="relu")]
        self.heads = {name: layers.Dense(n) for name, n in TASKS.items()}
        self.softmax = layers.Softmax()
        self.size_head = layers.Dense(1)

    def call(self, x):
        for layer in self.trunk:
            x = layer(x)
        species = self.softmax(self.heads["species"](x))
        color = self.heads["color"](x)
        return species, color, self.size_head(x)


model = MultiTaskNet()
model.build((None, 6))
