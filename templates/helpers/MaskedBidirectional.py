class MaskedBidirectional(nn.Module):
    """Keras' Bidirectional on a masked sequence: each direction runs `masked_recurrence` (masked steps carry
    the state on; with return_sequences Keras zeroes their outputs), the backward one on the reversed
    sequence. Returns what nn.LSTM(bidirectional=True) returns: outputs [forward, backward] per step and
    states stacked (forward, backward)."""

    def __init__(self, forward_layer, backward_layer, zero_masked=False):
        super().__init__()
        self.forward_layer, self.backward_layer, self.zero_masked = forward_layer, backward_layer, zero_masked

    def forward(self, x, mask, state=None):
        ahead = back = None
        if state is not None:  # an LSTM's is a tuple (h, c)
            ahead = tuple(s[:1] for s in state) if isinstance(state, tuple) else state[:1]
            back = tuple(s[1:] for s in state) if isinstance(state, tuple) else state[1:]
        y_f, s_f = masked_recurrence(self.forward_layer, x, mask, ahead, self.zero_masked)
        y_b, s_b = masked_recurrence(self.backward_layer, x.flip(1), mask.flip(1), back, self.zero_masked)
        states = tuple(torch.cat([f, b]) for f, b in zip(s_f, s_b)) if isinstance(s_f, tuple) else torch.cat([s_f, s_b])
        return torch.cat([y_f, y_b.flip(1)], dim=-1), states
