"""The Keras 3 twin of model.py: the same model in the spellings Keras 3 accepts."""
import keras
from keras import layers
from keras.src.applications.imagenet_utils import obtain_input_shape


def _block(x, filters, strides):
    channel_axis = -1
    shortcut = x
    y = layers.Conv2D(filters, (3, 3), strides=strides, padding="same", use_bias=False)(x)
    y = layers.BatchNormalization(axis=channel_axis)(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, (3, 3), padding="same", use_bias=False)(y)
    if shortcut.shape[channel_axis] != filters or strides != (1, 1):
        shortcut = layers.Conv2D(filters, (1, 1), strides=strides, use_bias=False)(shortcut)
    return layers.add([y, shortcut])


def wide_net(input_shape=None, widths=(8, 12), classes=5):
    input_shape = obtain_input_shape(input_shape, default_size=16, min_size=8, data_format=keras.backend.image_data_format(), require_flatten=True)
    img = keras.Input(shape=input_shape)
    x = layers.Conv2D(8, (3, 3), padding="same")(img)
    for i, width in enumerate(widths):
        x = _block(x, width, (1, 1) if i == 0 else (2, 2))
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(classes, activation="softmax")(x)
    model = keras.Model(img, x, name="wide_net")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
    return model
