"""A Functional model with a custom training step, in the shape of keras.io's metric_learning.py."""
import tensorflow as tf
import keras
from keras import layers


class EmbeddingModel(keras.Model):
    def train_step(self, data):
        anchors, positives = data[0], data[1]
        with tf.GradientTape() as tape:
            anchor_embeddings = self(anchors, training=True)
            positive_embeddings = self(positives, training=True)
            similarities = keras.ops.einsum("ae,pe->ap", anchor_embeddings, positive_embeddings)
            loss = self.compute_loss(y=keras.ops.arange(4), y_pred=similarities / 0.2)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_variables))
        return {"loss": loss}


inputs = layers.Input(shape=(16, 16, 3))
x = layers.Conv2D(filters=8, kernel_size=3, strides=2, activation="relu")(inputs)
x = layers.Conv2D(filters=16, kernel_size=3, strides=2, activation="relu")(x)
x = layers.GlobalAveragePooling2D()(x)
embeddings = layers.Dense(units=4, activation=None)(x)
embeddings = keras.ops.normalize(embeddings, axis=-1)
model = EmbeddingModel(inputs, embeddings)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
