"""Lambda layers: their bodies are translated as the operations they are made of, in a Sequential
and in Functional code, with `arguments=`, on a list of tensors, under the channels-first layout of a
conv net (axis arguments remapped), and calling a module-level helper."""
import keras
from keras import layers, ops


def squash(x, axis=-1):
    norm = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return norm / (1.0 + norm) * x / ops.sqrt(norm + 1e-7)


features = keras.Sequential(
    [
        keras.Input(shape=(10, 10, 3)),
        layers.Lambda(lambda x: x / 127.5 - 1.0),
        layers.Conv2D(6, 3, activation="relu"),
        layers.Lambda(lambda x: ops.max(x, axis=-1, keepdims=True) - x),
        layers.Conv2D(4, 3),
        layers.Lambda(lambda x: ops.mean(x, axis=[1, 2])),
    ],
    name="features",
)

image = keras.Input(shape=(10, 10, 3), name="image")
pair = keras.Input(shape=(4,), name="pair")
x = features(image)
scaled = layers.Lambda(lambda t, factor: t * factor, arguments={"factor": 0.5})(x)
joined = layers.Lambda(lambda ts: ops.concatenate([ts[0], ts[1] * 2.0], axis=-1))([scaled, pair])
capsules = layers.Lambda(squash, name="squash")(layers.Reshape((2, 4))(joined))
model = keras.Model([image, pair], [joined, capsules])
