"""Early return under a static flag: the same class used as a feature extractor or a classifier."""
import keras
from keras import layers


class ConvClassifier(keras.Model):
    def __init__(self, num_classes=5, include_top=True, **kwargs):
        super().__init__(**kwargs)
        self.include_top = include_top
        self.conv1 = layers.Conv1D(8, 3, activation="relu")
        self.conv2 = layers.Conv1D(8, 3, activation="relu")
        self.pool = layers.GlobalMaxPooling1D()
        self.top = layers.Dense(num_classes, activation="softmax")

    def call(self, x):
        x = self.conv2(self.conv1(x))
        features = self.pool(x)
        if not self.include_top:
            return features
        return self.top(features)


classifier = ConvClassifier()
classifier.build((None, 12, 3))

# The entry point: no top, call() returns after the pooling; `top` is never built, so it has no weights.
backbone = ConvClassifier(include_top=False)
backbone.build((None, 12, 3))
