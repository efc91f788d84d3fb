class KerasPReLU(nn.Module):
    """Keras' PReLU: one learned slope per element of `shape` (1 on shared axes), broadcast over the batch."""

    def __init__(self, shape):
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(shape))

    def forward(self, x):
        return F.relu(x) - self.alpha * F.relu(-x)
