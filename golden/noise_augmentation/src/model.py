"""Training-only layers, compared at inference where each is the identity: Random* augmentation (left
out of the module, with a warning), SpatialDropout1D/2D, GaussianNoise, GaussianDropout, AlphaDropout."""
import keras
from keras import layers

augment = keras.Sequential(
    [
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.1),
        layers.RandomZoom(0.1),
        layers.RandomTranslation(0.1, 0.1),
        layers.RandomContrast(0.2),
        layers.RandomBrightness(0.1),
    ],
    name="augment",
)

image = keras.Input(shape=(8, 8, 3), name="image")
x = augment(image)
x = layers.Rescaling(1.0 / 255)(x)
x = layers.Conv2D(6, 3, activation="relu")(x)
x = layers.SpatialDropout2D(0.2)(x)
x = layers.GaussianNoise(0.1)(x)
x = layers.GaussianDropout(0.3)(x)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dense(8, activation="selu")(x)
x = layers.AlphaDropout(0.1)(x)
image_out = layers.Dense(3)(x)

seq = keras.Input(shape=(7, 4), name="seq")
s = layers.Conv1D(5, 3)(seq)
s = layers.SpatialDropout1D(0.25)(s)
seq_out = layers.GlobalMaxPooling1D()(s)

model = keras.Model([image, seq], [image_out, seq_out])
