"""Tensor math with axis arguments on 4-D (NHWC) tensors inside a subclassed call().

keras.ops and tf.* are mixed: tf.* functions work here because call() runs on real TF tensors
(eagerly, or traced by tf.function during build), unlike on KerasTensors in Functional code.
"""
import tensorflow as tf
import keras
from keras import layers, ops


class PoolingMixer(keras.Model):
    def __init__(self, num_classes=5):
        super().__init__()
        self.conv = layers.Conv2D(8, 3, padding="same", activation="relu")
        self.conv2 = layers.Conv2D(6, 3, strides=2)
        self.fc = layers.Dense(num_classes)

    def call(self, images):
        x = self.conv(images)                                # (B, 8, 8, 8)
        spatial_mean = ops.mean(x, axis=[1, 2])              # (B, 8)
        channel_max = tf.reduce_max(x, axis=-1, keepdims=True)  # (B, 8, 8, 1)
        x = ops.concatenate([x, channel_max], axis=-1)       # (B, 8, 8, 9)
        x = self.conv2(x)                                    # (B, 3, 3, 6)
        attn = ops.softmax(x, axis=-1)
        x = x * attn
        x = tf.reduce_sum(x, axis=[1, 2])                    # (B, 6)
        peak = ops.max(spatial_mean, axis=1, keepdims=True)  # (B, 1)
        x = ops.concatenate([x, spatial_mean - peak], axis=1)  # (B, 14)
        return ops.softmax(self.fc(x), axis=-1)


model = PoolingMixer()
model.build((None, 8, 8, 3))
