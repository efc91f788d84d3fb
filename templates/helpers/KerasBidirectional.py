class KerasBidirectional(nn.Module):
    """Keras' Bidirectional around a layer that nn.LSTM(bidirectional=True) cannot run (a generated cell):
    one module per direction under Keras' names, the backward one on the reversed sequence. Returns what
    nn.LSTM(bidirectional=True) returns: outputs [forward, backward] per step and states stacked (forward,
    backward)."""

    def __init__(self, forward_layer, backward_layer):
        super().__init__()
        self.forward_layer, self.backward_layer = forward_layer, backward_layer

    def forward(self, x, state=None):
        ahead = back = None
        if state is not None:
            ahead = tuple(s[:1] for s in state) if isinstance(state, tuple) else state[:1]
            back = tuple(s[1:] for s in state) if isinstance(state, tuple) else state[1:]
        y_f, s_f = self.forward_layer(x, ahead)
        y_b, s_b = self.backward_layer(x.flip(1), back)
        states = tuple(torch.cat([f, b]) for f, b in zip(s_f, s_b)) if isinstance(s_f, tuple) else torch.cat([s_f, s_b])
        return torch.cat([y_f, y_b.flip(1)], dim=-1), states
