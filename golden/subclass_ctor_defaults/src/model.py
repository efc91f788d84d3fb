"""Constructor parameters with defaults, overridden at construction; built by calling on keras.Input."""
import keras
from keras import layers


class MyModel(keras.Model):
    def __init__(self, units=32, num_classes=10, dropout_rate=0.1, use_bn=True):
        super().__init__()
        self.use_bn = use_bn
        self.dense1 = layers.Dense(units)
        self.bn = layers.BatchNormalization() if use_bn else None
        self.act = layers.LeakyReLU(negative_slope=0.2)
        self.dropout = layers.Dropout(dropout_rate)
        self.dense2 = layers.Dense(units // 2, activation="relu")
        self.classifier = layers.Dense(num_classes, activation="softmax")

    def call(self, inputs, training=False):
        x = self.dense1(inputs)
        if self.use_bn:
            x = self.bn(x, training=training)
        x = self.act(x)
        x = self.dropout(x, training=training)
        x = self.dense2(x)
        return self.classifier(x)


model = MyModel(units=16, num_classes=6)
model(keras.Input(shape=(20,)))
