def channels_first_layer_norm(x, norm):
    """Keras' LayerNormalization over the channel axis of a channels-first tensor (`norm` holds eps and the affine weights)."""
    mean = x.mean(dim=1, keepdim=True)
    var = (x - mean).square().mean(dim=1, keepdim=True)
    y = (x - mean) * torch.rsqrt(var + norm.eps)
    shape = (1, -1) + (1,) * (x.dim() - 2)
    if norm.weight is not None:
        y = y * norm.weight.view(shape)
    if norm.bias is not None:
        y = y + norm.bias.view(shape)
    return y
