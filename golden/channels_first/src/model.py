"""A model written channels-first throughout (data_format='channels_first', BatchNormalization(axis=1)),
as code ported from Theano or Caffe often is: the PyTorch module takes NCHW as Keras does, and Flatten
keeps Keras' channels-last feature order through the Dense kernel rows, not a permute."""
import keras
from keras import layers

CF = "channels_first"

image = keras.Input(shape=(3, 12, 10), name="image")
x = layers.ZeroPadding2D(((1, 0), (2, 1)), data_format=CF)(image)
x = layers.Conv2D(8, 3, strides=2, padding="same", data_format=CF)(x)
x = layers.BatchNormalization(axis=1)(x)
x = layers.Activation("relu")(x)
x = layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2, data_format=CF)(x)
x = layers.SeparableConv2D(6, 3, padding="same", data_format=CF)(x)
x = layers.MaxPooling2D(2, data_format=CF)(x)
x = layers.Conv2DTranspose(5, 3, strides=2, padding="same", data_format=CF)(x)
x = layers.UpSampling2D(size=(1, 2), interpolation="bilinear", data_format=CF)(x)
x = layers.Cropping2D(((1, 1), (0, 2)), data_format=CF)(x)
x = layers.AveragePooling2D(2, padding="same", data_format=CF)(x)
pooled = layers.Concatenate()([layers.GlobalAveragePooling2D(data_format=CF)(x), layers.GlobalMaxPooling2D(data_format=CF)(x)])
flat = layers.Flatten(data_format=CF)(x)
image_out = layers.Dense(4)(flat)

signal = keras.Input(shape=(2, 9), name="signal")
s = layers.Conv1D(4, 3, padding="causal", data_format=CF)(signal)
s = layers.Conv1DTranspose(4, 3, strides=2, padding="same", data_format=CF)(s)
s = layers.DepthwiseConv1D(3, depth_multiplier=2, data_format=CF)(s)
s = layers.SeparableConv1D(5, 3, padding="same", data_format=CF)(s)
s = layers.AveragePooling1D(2, padding="same", data_format=CF)(s)
s_max = layers.GlobalMaxPooling1D(data_format=CF)(layers.MaxPooling1D(2, data_format=CF)(s))
s_avg = layers.GlobalAveragePooling1D(data_format=CF)(s)
signal_out = layers.Concatenate()([s_max, s_avg])

volume = keras.Input(shape=(2, 4, 6, 5), name="volume")
v = layers.ZeroPadding3D(1, data_format=CF)(volume)
v = layers.Conv3D(3, 3, data_format=CF)(v)
v = layers.MaxPooling3D(2, padding="same", data_format=CF)(v)
v = layers.UpSampling3D((2, 1, 1), data_format=CF)(v)
v = layers.Cropping3D(((1, 0), (0, 0), (1, 0)), data_format=CF)(v)
v = layers.Conv3DTranspose(4, 2, strides=(1, 2, 1), padding="same", data_format=CF)(v)
v = layers.AveragePooling3D(2, padding="same", data_format=CF)(v)
v_pooled = layers.Concatenate()([layers.GlobalAveragePooling3D(data_format=CF)(v), layers.GlobalMaxPooling3D(data_format=CF)(v)])
volume_out = layers.Concatenate()([layers.Flatten(data_format=CF)(v), v_pooled])

model = keras.Model([image, signal, volume], [image_out, pooled, signal_out, volume_out])
