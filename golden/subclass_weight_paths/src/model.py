"""Attribute names chosen to exercise Keras 3's weight-path rules for subclassed models.

Keras saves a subclassed model's children in sorted(dir()) order, private names last. `layers`
(the Model property listing every direct child) is itself one of those names: children whose
attribute sorts before "layers" are saved under their attribute name, every other child
(later names, private names) is reached first through `layers` and saved as layers/<class>_<n>.
"""
import keras
from keras import layers


class Projector(layers.Layer):
    """A custom layer (no `layers` property): its private attribute keeps its own name, `_proj`."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self._proj = layers.Dense(units)
        self.norm = layers.BatchNormalization()

    def call(self, x, training=None):
        return self.norm(self._proj(x), training=training)


class PathRules(keras.Model):
    def __init__(self):
        super().__init__()
        self._stem = layers.Dense(12, activation="relu")   # private       -> layers/dense
        self.encoder = [layers.Dense(12), layers.Dense(8)]  # "encoder"     -> encoder/dense, encoder/dense_1
        self.latent = layers.Dense(8, activation="tanh")    # "latent"      -> latent/
        self.mixer = Projector(8)                           # after layers  -> layers/projector
        self.logits = layers.Dense(5)                       # after layers  -> layers/dense_4
        self.bias_branch = layers.Dense(5, use_bias=False)  # "bias_branch" -> bias_branch/
        self.add = layers.Add()

    def call(self, x, training=False):
        x = self._stem(x)
        for layer in self.encoder:
            x = layer(x)
        x = self.latent(x)
        x = self.mixer(x, training=training)
        return self.add([self.logits(x), self.bias_branch(x)])


model = PathRules()
model.build((None, 10))
