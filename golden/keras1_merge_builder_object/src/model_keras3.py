"""The Keras 3 twin of model.py: the same model in the spellings Keras 3 accepts."""
import keras
from keras import layers


class WideNet:
    def __init__(self, width, image_size=8):
        self.width = width
        self.image_size = image_size

    def __call__(self):
        image = keras.Input(shape=(self.image_size, self.image_size, 3))
        a = layers.Conv2D(self.width, (3, 3), padding="same", activation="relu")(image)
        b = layers.Conv2D(self.width, (3, 3), padding="same")(image)
        x = layers.add([a, b])
        x = layers.multiply([x, b])
        x = layers.average([x, a, b])
        x = layers.maximum([x, a])
        x = layers.concatenate([x, image], axis=-1)
        x = layers.Conv2DTranspose(4, 3, strides=2, padding="same")(x)
        features = layers.Flatten()(x)
        left = layers.Dense(5)(features)
        right = layers.Dense(5)(features)
        score = layers.dot([left, right], axes=1)
        return keras.Model(image, layers.concatenate([score, left]))
