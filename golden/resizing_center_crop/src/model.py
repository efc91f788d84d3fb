"""Resizing (bilinear up and down, nearest, crop_to_aspect_ratio) and CenterCrop in front of conv nets."""
import keras
from keras import layers

image = keras.Input(shape=(9, 12, 3), name="image")
up = layers.Resizing(14, 18)(image)
down = layers.Resizing(5, 7)(image)
nearest = layers.Resizing(6, 16, interpolation="nearest")(image)
cropped = layers.Resizing(8, 8, crop_to_aspect_ratio=True)(image)
centre = layers.CenterCrop(5, 8)(image)
pooled = [layers.GlobalAveragePooling2D()(layers.Conv2D(2, 3)(t)) for t in (up, down, nearest, cropped, centre)]
model = keras.Model(image, [up, down, nearest, cropped, centre, layers.Concatenate()(pooled)])
