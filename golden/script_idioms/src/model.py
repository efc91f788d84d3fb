"""Idioms met in public keras.io scripts (image_classification_with_vision_transformer.py,
deeplabv3_plus.py, collaborative_filtering_movielens.py), in a small model that real Keras trains for
one epoch here."""
import numpy as np
import keras
from keras import layers, ops

IMAGE_SIZE = 8
PATCH_SIZE = 2
NUM_CLASSES = 5

rng = np.random.default_rng(0)
x_train = rng.normal(size=(16, 12, 12, 3)).astype("float32")
y_train = np.arange(16) % NUM_CLASSES

augmentation = keras.Sequential(
    [
        layers.Normalization(),
        layers.Resizing(IMAGE_SIZE, IMAGE_SIZE),
        layers.RandomFlip("horizontal"),
    ],
    name="augmentation",
)
# The mean and variance of the training data, as the script computes them.
augmentation.layers[0].adapt(x_train)


class Patches(layers.Layer):
    def __init__(self, patch_size, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = patch_size

    def call(self, images):
        input_shape = ops.shape(images)
        batch_size = input_shape[0]
        num_patches_h = input_shape[1] // self.patch_size
        num_patches_w = input_shape[2] // self.patch_size
        channels = input_shape[3]
        patches = keras.ops.image.extract_patches(images, size=self.patch_size)
        return ops.reshape(patches, (batch_size, num_patches_h * num_patches_w, self.patch_size * self.patch_size * channels))


class PatchTokens(layers.Layer):
    """perceiver_image_classification.py's Patches: the batch read at run time, the patch count left to -1."""

    def __init__(self, patch_size, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = patch_size

    def call(self, images):
        batch_size = ops.shape(images)[0]
        patches = keras.ops.image.extract_patches(images, size=self.patch_size)
        patch_dims = patches.shape[-1]
        return ops.reshape(patches, [batch_size, -1, patch_dims])


# Show the patches of one image (the script plots them).
image = x_train[np.random.choice(range(x_train.shape[0]))]
resized_image = ops.image.resize(ops.convert_to_tensor([image], dtype="float32"), size=(IMAGE_SIZE, IMAGE_SIZE))
patches = Patches(PATCH_SIZE)(resized_image)
print(f"Patches per image: {patches.shape[1]}")


def convolution_block(block_input, num_filters=8):
    x = layers.Conv2D(num_filters, 3, padding="same", kernel_regularizer=keras.regularizers.l2(1e-4))(block_input)
    x = layers.BatchNormalization()(x)
    return ops.nn.relu(x)


inputs = keras.Input(shape=(12, 12, 3))
x = augmentation(inputs)
x = convolution_block(x)
x = ops.image.resize(x, size=(6, 6), interpolation="bilinear")
tokens = layers.Flatten()(Patches(PATCH_SIZE)(x))
# Keras leaves the -1 unknown ((None, None, 32)): only the last axis may size a layer.
more_tokens = layers.GlobalAveragePooling1D()(layers.Dense(8)(PatchTokens(PATCH_SIZE)(x)))
x = layers.Concatenate()([tokens, more_tokens])
outputs = layers.Dense(
    NUM_CLASSES,
    kernel_regularizer=keras.regularizers.L1L2(l1=1e-5, l2=1e-4),
    bias_regularizer=keras.regularizers.L2(1e-3),
)(x)
model = keras.Model(inputs, outputs)

model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(x_train, y_train, epochs=1, batch_size=8, verbose=0, class_weight={int(c): 1.0 for c in np.unique(y_train)})
