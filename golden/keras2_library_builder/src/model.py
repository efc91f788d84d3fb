"""A Keras 2 library file: star imports of keras.layers and keras.optimizers, and a builder whose
parameters all have defaults, which nothing in the file calls (it is compiled with its defaults). It uses
`_obtain_input_shape`, `image_dim_ordering()`, `_keras_shape`, `keras.layers.merge.add` and
`compile(optimizer=Adam(lr=...))` inside the builder. Real Keras runs the Keras 3 twin, model_keras3.py."""
from keras.models import *
from keras.layers import *
from keras.optimizers import *
from keras.layers.merge import add
from keras import backend as K
from keras.applications.imagenet_utils import _obtain_input_shape


def _block(x, filters, strides):
    channel_axis = 1 if K.image_dim_ordering() == "th" else -1
    shortcut = x
    y = Conv2D(filters, (3, 3), strides=strides, padding="same", use_bias=False)(x)
    y = BatchNormalization(axis=channel_axis)(y)
    y = Activation("relu")(y)
    y = Conv2D(filters, (3, 3), padding="same", use_bias=False)(y)
    if shortcut._keras_shape[channel_axis] != filters or strides != (1, 1):
        shortcut = Conv2D(filters, (1, 1), strides=strides, use_bias=False)(shortcut)
    return add([y, shortcut])


def wide_net(input_shape=None, widths=(8, 12), classes=5):
    input_shape = _obtain_input_shape(input_shape, default_size=16, min_size=8, data_format=K.image_data_format(), require_flatten=True)
    img = Input(shape=input_shape)
    x = Conv2D(8, (3, 3), padding="same")(img)
    for i, width in enumerate(widths):
        x = _block(x, width, (1, 1) if i == 0 else (2, 2))
    x = GlobalAveragePooling2D()(x)
    x = Dense(classes, activation="softmax")(x)
    model = Model(img, x, name="wide_net")
    opt = Adam(lr=1e-3)
    model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
    return model
