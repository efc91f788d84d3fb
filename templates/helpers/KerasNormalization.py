class KerasNormalization(nn.Module):
    """Keras' Normalization: (x - mean) / max(sqrt(variance), 1e-7), or x * that + mean with `invert`. The
    statistics are buffers shaped to broadcast over the input: loaded from the file when the layer was
    adapted, or the constants the source gave (`mean=`, `variance=`), which are not part of the state."""

    def __init__(self, shape, mean=None, variance=None, invert=False):
        super().__init__()
        self.invert = invert
        given = mean is not None
        mean = torch.zeros(shape) if mean is None else self.constant(mean, shape)
        variance = torch.ones(shape) if variance is None else self.constant(variance, shape)
        self.register_buffer("mean", mean, persistent=not given)
        self.register_buffer("variance", variance, persistent=not given)

    @staticmethod
    def constant(values, shape):
        # One value per normalized feature, laid out along the buffer's axes; or one value for all.
        t = torch.tensor(values, dtype=torch.float32)
        return (t.reshape(shape) if t.numel() > 1 else t.expand(shape)).clone()

    def forward(self, x):
        scale = self.variance.sqrt().clamp(min=1e-7)
        return self.mean + x * scale if self.invert else (x - self.mean) / scale
