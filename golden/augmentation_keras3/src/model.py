"""Keras 3's newer augmentation layers in front of a conv net, compared at inference, where each is the
identity: colour, blur, erasing, geometric and mixing augmentations, and RandomCrop, which Keras 3
declares as cropping (its output shape) but returns uncropped at inference; a global pooling follows it,
so the model runs in Keras too."""
import keras
from keras import layers

augment = keras.Sequential(
    [
        layers.RandomColorDegeneration(0.5),
        layers.RandomColorJitter(value_range=(0, 1), brightness_factor=0.2, contrast_factor=0.2, saturation_factor=0.5, hue_factor=0.2),
        layers.RandomElasticTransform(),
        layers.RandomErasing(),
        layers.RandomGaussianBlur(),
        layers.RandomGrayscale(),
        layers.RandomHue(0.2, value_range=(0, 1)),
        layers.RandomInvert(),
        layers.RandomPerspective(),
        layers.RandomPosterization(factor=(1, 4), value_range=(0, 1)),
        layers.RandomSaturation(0.5),
        layers.RandomSharpness(0.5),
        layers.RandomShear(0.2),
        layers.Solarization(addition_factor=0.2, threshold_factor=0.2, value_range=(0, 1)),
        layers.AugMix(value_range=(0, 1)),
        layers.CutMix(),
        layers.MixUp(),
        layers.RandAugment(value_range=(0, 1)),
    ],
    name="augment",
)

image = keras.Input(shape=(10, 10, 3), name="image")
x = augment(image)
x = layers.Conv2D(6, 3, activation="relu")(x)
pooled = layers.GlobalAveragePooling2D()(x)
crop = layers.RandomCrop(8, 8)(image)
cropped = layers.GlobalMaxPooling2D()(layers.Conv2D(4, 3)(crop))
model = keras.Model(image, [layers.Dense(3)(pooled), cropped])
