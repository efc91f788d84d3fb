"""A subclassed model whose call() depends on the `training` flag; compared at inference."""
import keras
from keras import layers


class RegularizedMLP(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(32, activation="relu")
        self.bn = layers.BatchNormalization()
        self.dropout = layers.Dropout(0.5)
        self.hidden2 = layers.Dense(16)
        self.drop2 = layers.Dropout(0.25)
        self.classifier = layers.Dense(3, activation="softmax")

    def call(self, inputs, training=False):
        x = self.hidden(inputs)
        x = self.bn(x, training=training)   # moving statistics at inference
        if training:
            x = self.dropout(x)             # only on the training path
        x = self.hidden2(x)
        x = self.drop2(x, training=training)  # flag passed through: identity at inference
        return self.classifier(x)


model = RegularizedMLP()
model.build((None, 20))
