"""Names and **kwargs: super().__init__(name=...), kwargs forwarded through custom layers."""
import keras
from keras import layers


class DenseStack(layers.Layer):
    def __init__(self, sizes, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.denses = [layers.Dense(n, activation=activation, name=f"fc_{i}") for i, n in enumerate(sizes)]

    def call(self, x):
        for dense in self.denses:
            x = dense(x)
        return x


class NamedClassifier(keras.Model):
    def __init__(self, num_classes, **kwargs):
        super().__init__(name="named_classifier", **kwargs)
        self.features = DenseStack([16, 12], name="features")
        self.extra = DenseStack((8,), activation="sigmoid", name="extra", dtype="float32")
        self.classifier = layers.Dense(num_classes, name="predictions")

    def call(self, inputs):
        return self.classifier(self.extra(self.features(inputs)))


model = NamedClassifier(4, trainable=True)
model.build((None, 5))
