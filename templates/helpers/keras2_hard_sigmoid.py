def keras2_hard_sigmoid(x):
    """Keras 2's hard_sigmoid, clip(0.2 * x + 0.5, 0, 1) (Keras 3, like torch's hardsigmoid, uses relu6(x + 3) / 6)."""
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)
