"""Keras 3's newer activation functions called on tensors (keras.activations.* and keras.ops.*), threshold and
sparsemax, LayerNormalization(rms_scaling=True) and per-channel Rescaling, in the Keras 2 spelling
`keras.layers.experimental.layers.Rescaling` that real Keras 3 no longer has (model_keras3.py is
the same model in Keras 3 spelling)."""
import keras
from keras import layers

vector = keras.Input(shape=(8,), name="vector")
h = layers.Dense(8)(vector)
outs = [
    keras.activations.celu(h, alpha=0.5),
    keras.ops.celu(h),
    keras.activations.glu(h),
    keras.activations.hard_shrink(h, threshold=0.3),
    keras.ops.hard_tanh(h),
    keras.activations.log_sigmoid(h),
    keras.ops.soft_shrink(h),
    keras.activations.sparse_plus(h),
    keras.ops.sparse_sigmoid(h),
    keras.activations.squareplus(h, b=2),
    keras.activations.tanh_shrink(h),
    keras.activations.threshold(h, 0.1, -0.5),
    keras.ops.threshold(h, -0.2, 0.0),
    keras.ops.sparsemax(h),
    layers.Dense(5, activation=keras.activations.sparsemax)(h),
    layers.Activation("sparsemax")(h),
]
vector_out = layers.Concatenate()(outs)

image = keras.Input(shape=(6, 5, 3), name="image")
x = layers.Rescaling(scale=[0.5, 2.0, -1.0], offset=[0.1, 0.0, -0.2])(image)
x = layers.Conv2D(4, 3, padding="same")(x)
x = layers.LayerNormalization(rms_scaling=True)(x)
x = layers.Rescaling(1.0 / 127.5, offset=-1.0)(x)
x = keras.ops.sparsemax(x, axis=-1)
x = layers.Conv2D(6, 3)(x)
x = layers.Flatten()(x)
x = keras.ops.glu(x)
image_out = layers.Dense(3)(x)

sequence = keras.Input(shape=(5, 6), name="sequence")
s = layers.LayerNormalization(axis=[1, 2], rms_scaling=True, epsilon=1e-2)(sequence)
s = layers.Rescaling([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])(s)
s = layers.LayerNormalization(rms_scaling=True, scale=False)(s)
sequence_out = keras.ops.sparsemax(s, axis=1)

model = keras.Model([vector, image, sequence], [vector_out, image_out, sequence_out])
