def channels_first_rms_norm(x, norm):
    """Keras' RMSNormalization over the channel axis of a channels-first tensor (`norm` holds eps and the scale)."""
    y = x * torch.rsqrt(x.square().mean(dim=1, keepdim=True) + norm.eps)
    return y * norm.weight.view((1, -1) + (1,) * (x.dim() - 2))
