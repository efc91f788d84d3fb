"""A Functional model built in a subclass's __init__, trained by its own train_step."""
import keras
from keras import layers


class Regressor(keras.Model):
    def __init__(self, hidden=12, **kwargs):
        inputs = keras.Input(shape=(10,), name="features")
        x = layers.Dense(hidden, activation="gelu")(inputs)
        x = layers.LayerNormalization()(x)
        outputs = layers.Dense(2)(x)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def train_step(self, data):
        x, y = data
        return {"loss": self.loss_tracker.result()}


model = Regressor(hidden=6, name="regressor")
model.compile(optimizer="adam", loss="mse")
