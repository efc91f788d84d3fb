"""A small ResNet-style subclassed convnet: a custom ResidualBlock layer with a projection shortcut."""
import keras
from keras import layers


class ResidualBlock(layers.Layer):
    def __init__(self, filters, strides=1, **kwargs):
        super().__init__(**kwargs)
        self.conv1 = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)
        self.bn1 = layers.BatchNormalization()
        self.conv2 = layers.Conv2D(filters, 3, padding="same", use_bias=False)
        self.bn2 = layers.BatchNormalization()
        self.use_projection = strides != 1
        if self.use_projection:
            self.shortcut = layers.Conv2D(filters, 1, strides=strides)
            self.shortcut_bn = layers.BatchNormalization()
        self.add = layers.Add()
        self.relu = layers.ReLU()

    def call(self, inputs, training=False):
        x = self.relu(self.bn1(self.conv1(inputs), training=training))
        x = self.bn2(self.conv2(x), training=training)
        skip = inputs
        if self.use_projection:
            skip = self.shortcut_bn(self.shortcut(inputs), training=training)
        return self.relu(self.add([x, skip]))


class ResNetTiny(keras.Model):
    def __init__(self, num_classes=3):
        super().__init__()
        self.stem = layers.Conv2D(8, 3, padding="same", activation="relu")
        self.pool = layers.MaxPooling2D(2)
        self.block1 = ResidualBlock(8)
        self.block2 = ResidualBlock(16, strides=2)
        self.gap = layers.GlobalAveragePooling2D()
        self.classifier = layers.Dense(num_classes, activation="softmax")

    def call(self, inputs, training=False):
        x = self.pool(self.stem(inputs))
        x = self.block1(x, training=training)
        x = self.block2(x, training=training)
        return self.classifier(self.gap(x))


model = ResNetTiny()
model.build((None, 16, 16, 3))
