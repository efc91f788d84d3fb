"""Model methods other than call(): private helpers called from call() and a @property."""
import keras
from keras import layers, ops


class TwoTowerClassifier(keras.Model):
    def __init__(self, hidden=12, num_classes=4):
        super().__init__()
        self.hidden = hidden
        self.tower_a = layers.Dense(hidden, activation="relu")
        self.tower_b = layers.Dense(hidden, activation="tanh")
        self.merge = layers.Concatenate()
        self.fc = layers.Dense(hidden)
        self.logits = layers.Dense(num_classes)

    @property
    def feature_dim(self):
        return self.hidden * 2

    def _encode(self, x):
        a = self.tower_a(x)
        b = self.tower_b(x)
        return self.merge([a, b])

    def _head(self, features, temperature=1.0):
        x = ops.relu(self.fc(features))
        return ops.softmax(self.logits(x) / temperature, axis=-1)

    def call(self, inputs):
        features = self._encode(inputs)
        features = ops.reshape(features, (-1, self.feature_dim))
        return self._head(features, temperature=2.0)


model = TwoTowerClassifier()
model.build((None, 7))
