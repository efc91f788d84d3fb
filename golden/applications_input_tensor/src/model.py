"""A Keras application built on a tensor of the user's graph, as public fine-tuning scripts write it: the
image is resized and preprocessed in Lambda layers, and MobileNetV2(input_tensor=x) starts from there, so
its model holds those Lambdas too (Keras' get_source_inputs finds the Input). A Sequential adds the head."""
import tensorflow as tf
import keras

inputs = keras.Input(shape=(None, None, 3))
x = keras.layers.Lambda(lambda img: tf.image.resize(img, (40, 40)))(inputs)
x = keras.layers.Lambda(keras.applications.mobilenet_v2.preprocess_input)(x)

base_model = keras.applications.MobileNetV2(
    weights=None, input_tensor=x, input_shape=(40, 40, 3), include_top=False, pooling="avg", alpha=0.35
)
base_model.trainable = False

model = keras.Sequential([base_model, keras.layers.Dense(10)])
