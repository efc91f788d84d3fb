class KerasRNN(nn.Module):
    """A Keras LSTM, GRU or SimpleRNN that nn.LSTM/nn.GRU/nn.RNN cannot express (other activations, GRU's
    reset_after=False), run step by step with Keras' formulas on its own kernel, recurrent_kernel and
    bias. Called like nn.LSTM with batch_first=True: returns (outputs, state), the state with a leading
    axis of 1."""

    def __init__(self, kind, input_size, hidden_size, activation=torch.tanh, recurrent_activation=torch.sigmoid, bias=True, reset_after=True):
        super().__init__()
        gates = {"lstm": 4, "gru": 3, "rnn": 1}[kind]
        self.kind, self.hidden_size, self.reset_after = kind, hidden_size, reset_after
        self.activation, self.recurrent_activation = activation, recurrent_activation
        self.kernel = nn.Parameter(torch.zeros(input_size, gates * hidden_size))
        self.recurrent_kernel = nn.Parameter(torch.zeros(hidden_size, gates * hidden_size))
        bias_shape = (2, gates * hidden_size) if kind == "gru" and reset_after else (gates * hidden_size,)
        self.bias = nn.Parameter(torch.zeros(bias_shape)) if bias else None

    def forward(self, x, state=None):
        if state is None:
            zeros = x.new_zeros(1, x.shape[0], self.hidden_size)
            state = (zeros, zeros) if self.kind == "lstm" else zeros
        h, c = (state[0][0], state[1][0]) if self.kind == "lstm" else (state[0], None)
        outputs = []
        for t in range(x.shape[1]):
            h, c = self.step(x[:, t], h, c)
            outputs.append(h)
        return torch.stack(outputs, dim=1), ((h[None], c[None]) if self.kind == "lstm" else h[None])

    def step(self, x, h, c):
        if self.kind != "gru":
            z = x @ self.kernel + h @ self.recurrent_kernel
            z = z if self.bias is None else z + self.bias
            if self.kind == "rnn":
                return self.activation(z), None
            i, f, g, o = z.chunk(4, dim=-1)
            c = self.recurrent_activation(f) * c + self.recurrent_activation(i) * self.activation(g)
            return self.recurrent_activation(o) * self.activation(c), c
        # Keras' GRU gates: update z, reset r, candidate.
        inputs = x @ self.kernel
        if self.bias is not None:
            inputs = inputs + (self.bias[0] if self.reset_after else self.bias)
        x_z, x_r, x_h = inputs.chunk(3, dim=-1)
        u_z, u_r, u_h = self.recurrent_kernel.chunk(3, dim=-1)
        if self.reset_after:
            inner = h @ self.recurrent_kernel
            inner = inner if self.bias is None else inner + self.bias[1]
            r_z, r_r, r_h = inner.chunk(3, dim=-1)
            z, r = self.recurrent_activation(x_z + r_z), self.recurrent_activation(x_r + r_r)
            candidate = self.activation(x_h + r * r_h)
        else:
            z, r = self.recurrent_activation(x_z + h @ u_z), self.recurrent_activation(x_r + h @ u_r)
            candidate = self.activation(x_h + (r * h) @ u_h)
        return z * h + (1 - z) * candidate, None
