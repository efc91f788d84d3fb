"""Transfer learning on a Keras application: MobileNetV2 compiled from Keras' own source, frozen, called with
training=False, its preprocess_input on the image, and a new head. weights="imagenet" is not downloaded: the
fine-tuned model's saved file holds the backbone's weights."""
import keras
from keras import layers

IMG_SIZE = (32, 32)

base = keras.applications.MobileNetV2(input_shape=IMG_SIZE + (3,), include_top=False, weights="imagenet")
base.trainable = False

inputs = keras.Input(shape=IMG_SIZE + (3,))
x = keras.applications.mobilenet_v2.preprocess_input(inputs)
x = base(x, training=False)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dropout(0.2)(x)
outputs = layers.Dense(5)(x)
model = keras.Model(inputs, outputs)
