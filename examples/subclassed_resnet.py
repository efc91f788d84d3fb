"""A subclassed ResNet for 32x32 images: a custom ResidualBlock layer, a model that loops over its
blocks, a training-dependent Dropout, and a model.build call that gives the input shape."""
import keras
from keras import layers


class ResidualBlock(layers.Layer):
    """Two 3x3 convolutions with batch norm; a 1x1 projection when the shape changes."""

    def __init__(self, filters, strides=1, **kwargs):
        super().__init__(**kwargs)
        self.conv1 = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)
        self.bn1 = layers.BatchNormalization()
        self.conv2 = layers.Conv2D(filters, 3, padding="same", use_bias=False)
        self.bn2 = layers.BatchNormalization()
        self.project = strides != 1
        if self.project:
            self.shortcut = layers.Conv2D(filters, 1, strides=strides, use_bias=False)
            self.shortcut_bn = layers.BatchNormalization()

    def call(self, inputs, training=None):
        x = keras.ops.relu(self.bn1(self.conv1(inputs), training=training))
        x = self.bn2(self.conv2(x), training=training)
        skip = inputs
        if self.project:
            skip = self.shortcut_bn(self.shortcut(inputs), training=training)
        return keras.ops.relu(x + skip)


class SmallResNet(keras.Model):
    def __init__(self, num_classes=10, widths=(16, 32, 64)):
        super().__init__(name="small_resnet")
        self.stem = layers.Conv2D(widths[0], 3, padding="same", activation="relu")
        self.stages = [ResidualBlock(w, strides=1 if i == 0 else 2) for i, w in enumerate(widths)]
        self.pool = layers.GlobalAveragePooling2D()
        self.dropout = layers.Dropout(0.2)
        self.classifier = layers.Dense(num_classes)

    def call(self, images, training=None):
        x = self.stem(images)
        for stage in self.stages:
            x = stage(x, training=training)
        x = self.pool(x)
        if training:
            x = self.dropout(x)
        return self.classifier(x)


model = SmallResNet()
model.build((None, 32, 32, 3))

if __name__ == "__main__":
    model.summary()
