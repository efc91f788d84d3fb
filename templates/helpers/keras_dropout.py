def keras_dropout(x, rate, noise_shape, training):
    """Keras' Dropout with `noise_shape` (in this tensor's axis order; None takes the input's size): one Bernoulli keep-mask of that shape, broadcast over the other axes, kept values scaled by 1 / (1 - rate). The identity unless training."""
    if not training or rate == 0.0:
        return x
    shape = [x.shape[i] if n is None else n for i, n in enumerate(noise_shape)]
    return x * torch.bernoulli(x.new_full(shape, 1.0 - rate)) / (1.0 - rate)
