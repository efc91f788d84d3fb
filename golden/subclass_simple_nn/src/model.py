"""The subclassing tutorial's model, exactly as users write it with tf.keras."""
import tensorflow as tf


class SimpleNN(tf.keras.Model):
    def __init__(self):
        super(SimpleNN, self).__init__()
        self.dense1 = tf.keras.layers.Dense(64, activation='relu')
        self.dense2 = tf.keras.layers.Dense(32, activation='relu')
        self.out_layer = tf.keras.layers.Dense(10)

    def call(self, x):
        x = self.dense1(x)
        x = self.dense2(x)
        return self.out_layer(x)


model = SimpleNN()
model.build((None, 64))
