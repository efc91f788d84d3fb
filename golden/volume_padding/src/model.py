"""3D shape layers on a volume, channels-first throughout: ZeroPadding3D (symmetric and per side),
UpSampling3D and Cropping3D; SpatialDropout3D (the identity at inference)."""
import keras
from keras import layers

volume = keras.Input(shape=(4, 5, 3, 2))
x = layers.Conv3D(3, 2)(volume)
x = layers.ZeroPadding3D(1)(x)
x = layers.UpSampling3D(size=(2, 1, 2))(x)
x = layers.Cropping3D(((1, 0), (0, 1), (2, 1)))(x)
x = layers.ZeroPadding3D(((0, 1), (1, 0), (1, 2)))(x)
x = layers.SpatialDropout3D(0.3)(x)
x = layers.Conv3D(2, 3)(x)
outputs = layers.GlobalAveragePooling3D()(x)
model = keras.Model(volume, outputs)
