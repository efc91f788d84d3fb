"""A fully serializable custom layer: registered, with get_config/from_config/compute_output_shape."""
import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="k2t_golden")
class GatedDense(layers.Layer):
    """units-wide Dense whose output is gated by a sigmoid Dense of the same input (GLU)."""

    def __init__(self, units, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)
        self.value = layers.Dense(units)
        self.gate = layers.Dense(units, activation="sigmoid")

    def call(self, inputs):
        return self.activation(self.value(inputs)) * self.gate(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": keras.activations.serialize(self.activation),
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


inputs = keras.Input(shape=(10,))
x = GatedDense(16)(inputs)
x = GatedDense(8, activation="tanh")(x)
x = layers.Dropout(0.2)(x)
outputs = layers.Dense(1, activation="sigmoid")(ops.concatenate([x, inputs], axis=-1))
model = keras.Model(inputs, outputs)
