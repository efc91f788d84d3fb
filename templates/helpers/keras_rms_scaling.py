def keras_rms_scaling(x, norm, dims):
    """Keras' LayerNormalization(rms_scaling=True) over `dims`: `x / sqrt(var + eps) * gamma`, the variance uncentred-output form Keras 3 computes."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    var = x.var(dim=dims, keepdim=True, correction=0)
    shape = [x.shape[d] if d in dims else 1 for d in range(x.dim())]
    return x * torch.rsqrt(var + norm.eps) * norm.weight.reshape(shape)
