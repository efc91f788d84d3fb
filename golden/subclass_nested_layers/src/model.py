"""Three levels of custom layers: Encoder -> EncoderStage -> ConvUnit -> Keras layers."""
import keras
from keras import layers


class ConvUnit(layers.Layer):
    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.conv = layers.Conv1D(filters, 3, padding="same")
        self.norm = layers.BatchNormalization()
        self.act = layers.Activation("relu")

    def call(self, x, training=None):
        return self.act(self.norm(self.conv(x), training=training))


class EncoderStage(layers.Layer):
    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.unit_a = ConvUnit(filters)
        self.unit_b = ConvUnit(filters)
        self.pool = layers.MaxPooling1D(2)

    def call(self, x, training=None):
        x = self.unit_a(x, training=training)
        x = self.unit_b(x, training=training)
        return self.pool(x)


class Encoder(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stage1 = EncoderStage(8)
        self.stage2 = EncoderStage(16)
        self.gap = layers.GlobalAveragePooling1D()

    def call(self, x, training=None):
        return self.gap(self.stage2(self.stage1(x, training=training), training=training))


inputs = keras.Input(shape=(16, 2))
features = Encoder()(inputs)
outputs = layers.Dense(3)(features)
model = keras.Model(inputs, outputs)
