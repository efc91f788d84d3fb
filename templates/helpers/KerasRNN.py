class KerasRNN(nn.Module):
    """A Keras LSTM, GRU or SimpleRNN that nn.LSTM/nn.GRU/nn.RNN cannot express (other activations, GRU's
    reset_after=False), run step by step with Keras' formulas on its own kernel, recurrent_kernel and
    bias, and Keras' dropout in training. Called like nn.LSTM with batch_first=True: returns (outputs,
    state), the state with a leading axis of 1."""

    def __init__(self, kind, input_size, hidden_size, activation=torch.tanh, recurrent_activation=torch.sigmoid, bias=True, reset_after=True, dropout=0.0, recurrent_dropout=0.0, per_gate=False):
        super().__init__()
        gates = {"lstm": 4, "gru": 3, "rnn": 1}[kind]
        self.kind, self.hidden_size, self.reset_after = kind, hidden_size, reset_after
        self.activation, self.recurrent_activation = activation, recurrent_activation
        # Keras' dropout, in training only: masks drawn once per call (one per gate with `per_gate`).
        self.dropout, self.recurrent_dropout, self.per_gate = dropout, recurrent_dropout, per_gate
        self.kernel = nn.Parameter(torch.zeros(input_size, gates * hidden_size))
        self.recurrent_kernel = nn.Parameter(torch.zeros(hidden_size, gates * hidden_size))
        bias_shape = (2, gates * hidden_size) if kind == "gru" and reset_after else (gates * hidden_size,)
        self.bias = nn.Parameter(torch.zeros(bias_shape)) if bias else None

    def forward(self, x, state=None):
        if state is None:
            zeros = x.new_zeros(1, x.shape[0], self.hidden_size)
            state = (zeros, zeros) if self.kind == "lstm" else zeros
        h, c = (state[0][0], state[1][0]) if self.kind == "lstm" else (state[0], None)
        count = {"lstm": 4, "gru": 3, "rnn": 1}[self.kind] if self.per_gate else 1
        masks = [None, None]
        for which, (size, rate) in enumerate([(x.shape[2], self.dropout), (self.hidden_size, self.recurrent_dropout)]):
            # Keras drops only for 0 < rate < 1; the input masks are drawn before the recurrent ones.
            if self.training and 0.0 < rate < 1.0:
                masks[which] = [torch.bernoulli(x.new_full((x.shape[0], size), 1.0 - rate)) / (1.0 - rate) for _ in range(count)]
        outputs = []
        for t in range(x.shape[1]):
            h, c = self.step(x[:, t], h, c, masks)
            outputs.append(h)
        return torch.stack(outputs, dim=1), ((h[None], c[None]) if self.kind == "lstm" else h[None])

    def step(self, x, h, c, masks=(None, None)):
        gates = {"lstm": 4, "gru": 3, "rnn": 1}[self.kind]
        # Gate g reads the input and the state through its dropout mask (Keras' gate order).
        xs = [x if masks[0] is None else x * masks[0][g % len(masks[0])] for g in range(gates)]
        hs = [h if masks[1] is None else h * masks[1][g % len(masks[1])] for g in range(gates)]
        k, u = self.kernel.chunk(gates, dim=-1), self.recurrent_kernel.chunk(gates, dim=-1)
        if self.kind != "gru":
            z = torch.cat([xs[g] @ k[g] + hs[g] @ u[g] for g in range(gates)], dim=-1)
            z = z if self.bias is None else z + self.bias
            if self.kind == "rnn":
                return self.activation(z), None
            i, f, g, o = z.chunk(4, dim=-1)
            c = self.recurrent_activation(f) * c + self.recurrent_activation(i) * self.activation(g)
            return self.recurrent_activation(o) * self.activation(c), c
        # Keras' GRU gates: update z, reset r, candidate.
        inputs = torch.cat([xs[g] @ k[g] for g in range(3)], dim=-1)
        if self.bias is not None:
            inputs = inputs + (self.bias[0] if self.reset_after else self.bias)
        x_z, x_r, x_h = inputs.chunk(3, dim=-1)
        if self.reset_after:
            inner = torch.cat([hs[g] @ u[g] for g in range(3)], dim=-1)
            inner = inner if self.bias is None else inner + self.bias[1]
            r_z, r_r, r_h = inner.chunk(3, dim=-1)
            z, r = self.recurrent_activation(x_z + r_z), self.recurrent_activation(x_r + r_r)
            candidate = self.activation(x_h + r * r_h)
        else:
            z, r = self.recurrent_activation(x_z + hs[0] @ u[0]), self.recurrent_activation(x_r + hs[1] @ u[1])
            candidate = self.activation(x_h + (r * hs[2]) @ u[2])
        return z * h + (1 - z) * candidate, None
