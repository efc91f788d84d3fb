"""A Keras 1 builder object: a plain class whose `__call__` builds the model, compiled with
`--entry "WideNet(6)()"`. It merges with Keras 1's `merge(..., mode=...)` in every mode that has a
Keras 2 layer (sum, mul, ave, max, concat with concat_axis, dot with dot_axes) and upsamples with
`Deconv2D`, Keras 2's alias of Conv2DTranspose. Real Keras runs the Keras 3 twin, model_keras3.py."""
from keras.models import Model
from keras.layers import Input, Dense, Convolution2D, Deconv2D, Flatten, merge


class WideNet:
    def __init__(self, width, image_size=8):
        self.width = width
        self.image_size = image_size

    def __call__(self):
        image = Input(shape=(self.image_size, self.image_size, 3))
        a = Convolution2D(self.width, 3, 3, border_mode="same", activation="relu")(image)
        b = Convolution2D(self.width, 3, 3, border_mode="same")(image)
        x = merge([a, b], mode="sum")
        x = merge([x, b], mode="mul")
        x = merge([x, a, b], mode="ave")
        x = merge([x, a], mode="max")
        x = merge([x, image], mode="concat", concat_axis=-1)
        x = Deconv2D(4, 3, strides=2, padding="same")(x)
        features = Flatten()(x)
        left = Dense(5)(features)
        right = Dense(5)(features)
        score = merge([left, right], mode="dot", dot_axes=1)
        return Model(input=image, output=merge([score, left], mode="concat"))
