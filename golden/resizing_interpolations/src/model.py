"""Resizing with TensorFlow's other kernels, antialiasing, aspect-ratio padding; CenterCrop on a small image."""
import keras
from keras import layers

image = keras.Input(shape=(9, 12, 3), name="image")
outputs = [
    layers.Resizing(14, 18, interpolation="bicubic")(image),
    layers.Resizing(5, 7, interpolation="bicubic")(image),
    layers.Resizing(4, 5, interpolation="area")(image),
    layers.Resizing(13, 17, interpolation="area")(image),
    layers.Resizing(16, 10, interpolation="lanczos3")(image),
    layers.Resizing(5, 7, interpolation="lanczos5")(image),
    # Antialiasing widens the kernel on the downscaled axis only (here the width).
    layers.Resizing(4, 5, antialias=True)(image),
    layers.Resizing(12, 5, interpolation="bicubic", antialias=True)(image),
    layers.Resizing(3, 4, interpolation="lanczos3", antialias=True)(image),
    layers.Resizing(6, 7, interpolation="lanczos5", antialias=True)(image),
    layers.Resizing(4, 5, interpolation="area", antialias=True)(image),
    layers.Resizing(6, 16, interpolation="nearest", antialias=True)(image),
    # 9x12 padded for a square: Keras pads one row on each side (11x12), then resizes.
    layers.Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=0.5)(image),
    layers.Resizing(4, 10, pad_to_aspect_ratio=True, interpolation="bicubic")(image),
    layers.Resizing(9, 12, pad_to_aspect_ratio=True)(image),
    layers.Resizing(7, 7, crop_to_aspect_ratio=True, interpolation="bicubic")(image),
    layers.Resizing(6, 5, crop_to_aspect_ratio=True, interpolation="area")(image),
    # channels_first reads the (9, 12, 3) image as 9 channels of 12x3.
    layers.Resizing(5, 4, interpolation="bicubic", data_format="channels_first")(image),
    layers.CenterCrop(10, 8)(image),
    layers.CenterCrop(16, 16)(image),
    layers.CenterCrop(4, 13)(image),
    layers.UpSampling2D((2, 3), interpolation="bicubic")(image),
    layers.UpSampling2D(2, interpolation="area")(image),
    layers.UpSampling2D((3, 2), interpolation="lanczos3")(image),
    layers.UpSampling2D(2, interpolation="lanczos5")(image),
]
pooled = [layers.GlobalAveragePooling2D()(layers.Conv2D(2, 3)(t)) for t in outputs[:3]]
model = keras.Model(image, [*outputs, layers.Concatenate()(pooled)])
