"""VAE in the style of the keras.io example, with a Sampling layer that is deterministic at
inference: it draws z = z_mean + exp(0.5 * z_log_var) * eps only when training, else returns z_mean."""
import keras
from keras import layers, ops

LATENT_DIM = 2


class Sampling(layers.Layer):
    """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs, training=False):
        z_mean, z_log_var = inputs
        if training:
            batch = ops.shape(z_mean)[0]
            dim = ops.shape(z_mean)[1]
            epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon
        return z_mean


class VAE(keras.Model):
    def __init__(self, original_dim=16, intermediate_dim=8, latent_dim=LATENT_DIM, **kwargs):
        super().__init__(**kwargs)
        self.enc_hidden = layers.Dense(intermediate_dim, activation="relu")
        self.z_mean = layers.Dense(latent_dim, name="z_mean")
        self.z_log_var = layers.Dense(latent_dim, name="z_log_var")
        self.sampling = Sampling()
        self.dec_hidden = layers.Dense(intermediate_dim, activation="relu")
        self.dec_out = layers.Dense(original_dim, activation="sigmoid")

    def call(self, inputs, training=False):
        h = self.enc_hidden(inputs)
        z_mean = self.z_mean(h)
        z_log_var = self.z_log_var(h)
        z = self.sampling([z_mean, z_log_var], training=training)
        if training:
            kl_loss = -0.5 * ops.mean(z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1)
            self.add_loss(kl_loss)
        return self.dec_out(self.dec_hidden(z))


model = VAE()
model.build((None, 16))
