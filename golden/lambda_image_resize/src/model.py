"""tf.image.resize inside Lambda layers of a conv net (an upsampling decoder in the style of public
segmentation scripts): bilinear by default, then nearest, to static sizes that are not multiples of the
input, so TensorFlow's half-pixel sampling is what is compared."""
import tensorflow as tf
import keras
from keras import layers

inputs = keras.Input(shape=(7, 5, 3))
x = layers.Conv2D(6, 3, padding="same", activation="relu")(inputs)
x = layers.Lambda(lambda t: tf.image.resize(t, (16, 11)))(x)
x = layers.Conv2D(4, 3)(x)
mask = layers.Lambda(lambda t: tf.image.resize(t, [5, 9], method="nearest"), name="to_mask_size")(x)
pooled = layers.GlobalAveragePooling2D()(mask)
model = keras.Model(inputs, [mask, pooled])
