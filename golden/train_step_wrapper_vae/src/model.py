"""A VAE in the style of the keras.io example: the encoder and decoder are functional models built
first, and the `keras.Model` subclass that trains them (`train_step`, loss trackers) is given both.
The file never builds `vae`; its `call` passes its input straight to `self.encoder`, so keras2torch
builds it on the encoder's input. `call` decodes `z_mean`, so inference is deterministic."""
import keras
from keras import layers, ops

latent_dim = 2

encoder_inputs = keras.Input(shape=(6, 6, 1))
x = layers.Conv2D(4, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
x = layers.Flatten()(x)
x = layers.Dense(8, activation="relu")(x)
z_mean = layers.Dense(latent_dim, name="z_mean")(x)
z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
encoder = keras.Model(encoder_inputs, [z_mean, z_log_var], name="encoder")

latent_inputs = keras.Input(shape=(latent_dim,))
y = layers.Dense(3 * 3 * 4, activation="relu")(latent_inputs)
y = layers.Reshape((3, 3, 4))(y)
decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", strides=2, padding="same")(y)
decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")


class VAE(keras.Model):
    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker]

    def train_step(self, data):
        z_mean, z_log_var = self.encoder(data)
        reconstruction = self.decoder(z_mean)
        kl_loss = -0.5 * ops.mean(1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
        total_loss = ops.mean(ops.square(data - reconstruction)) + kl_loss
        self.total_loss_tracker.update_state(total_loss)
        return {"loss": self.total_loss_tracker.result()}

    def call(self, x):
        z_mean, z_log_var = self.encoder(x)
        return self.decoder(z_mean)


vae = VAE(encoder, decoder)
vae.compile(optimizer=keras.optimizers.Adam())
