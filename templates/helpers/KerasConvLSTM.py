class KerasConvLSTM(nn.Module):
    """Keras' ConvLSTM1D/2D/3D on a channels-first (N, T, C, *spatial) sequence. `input_conv` (4 * filters
    outputs: gates i, f, c, o, with the bias) sees every step in one call; `recurrent_conv` ('same' padding,
    no bias) runs on the hidden state at each step. `input_pad` is Keras' uneven 'same' padding of the input,
    in F.pad's order. Called like nn.LSTM: returns (outputs (N, T, filters, *spatial), (h, c))."""

    def __init__(self, input_conv, recurrent_conv, activation=torch.tanh, recurrent_activation=torch.sigmoid, input_pad=None):
        super().__init__()
        self.input_conv, self.recurrent_conv, self.input_pad = input_conv, recurrent_conv, input_pad
        self.activation, self.recurrent_activation = activation, recurrent_activation

    def forward(self, x, state=None):
        steps = x.shape[1]
        x = x.flatten(0, 1)
        if self.input_pad is not None:
            x = F.pad(x, self.input_pad)
        # The input convolution does not depend on the state: all steps at once.
        x = self.input_conv(x).unflatten(0, (-1, steps))
        if state is None:
            h = c = x.new_zeros(x.shape[0], self.recurrent_conv.in_channels, *x.shape[3:])
        else:
            h, c = state
        outputs = []
        for t in range(steps):
            i, f, g, o = (x[:, t] + self.recurrent_conv(h)).chunk(4, dim=1)
            c = self.recurrent_activation(f) * c + self.recurrent_activation(i) * self.activation(g)
            h = self.recurrent_activation(o) * self.activation(c)
            outputs.append(h)
        return torch.stack(outputs, dim=1), (h, c)
