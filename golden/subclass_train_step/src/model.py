"""A model that customizes training (compile/train_step/metrics overrides, keras.io style);
none of it runs at inference."""
import tensorflow as tf
import keras
from keras import layers


class CustomFitModel(keras.Model):
    def __init__(self, num_classes=3, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(24, activation="relu")
        self.dropout = layers.Dropout(0.3)
        self.out = layers.Dense(num_classes)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def compile(self, optimizer="adam", **kwargs):
        super().compile(optimizer=optimizer, **kwargs)
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @property
    def metrics(self):
        return [self.loss_tracker]

    def call(self, x, training=False):
        x = self.hidden(x)
        x = self.dropout(x, training=training)
        return self.out(x)

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.loss_fn(y, y_pred)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.loss_tracker.update_state(self.loss_fn(y, y_pred))
        return {m.name: m.result() for m in self.metrics}


model = CustomFitModel()
model.compile(optimizer=keras.optimizers.Adam(1e-3))
model.build((None, 9))
