"""3D pooling on a volume: 'same' max pooling with an odd size (-inf pad at the end), strided 'same'
average pooling (padded cells left out of the mean), and both global 3D poolings."""
import keras
from keras import layers

volume = keras.Input(shape=(5, 6, 4, 2))
x = layers.Conv3D(4, 3, padding="same", activation="relu")(volume)
x = layers.MaxPooling3D(2, padding="same")(x)
a = layers.AveragePooling3D(pool_size=(2, 3, 2), strides=(1, 2, 2), padding="same")(x)
a = layers.GlobalAveragePooling3D()(a)
m = layers.MaxPool3D(pool_size=(1, 2, 1))(x)
m = layers.GlobalMaxPooling3D()(m)
model = keras.Model(volume, layers.Concatenate()([a, m]))
