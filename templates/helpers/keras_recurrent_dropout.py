def keras_recurrent_dropout(rnn, x, state=None, dropout=0.0, recurrent_dropout=0.0, per_gate=False):
    """Keras' training-mode dropout on a one-direction nn.LSTM/nn.GRU/nn.RNN, with the module's own parameters. Like Keras, each call draws one input mask (batch, features) and one recurrent mask (batch, units), the same at every step; with `per_gate` (Keras' implementation=1, which recurrent_dropout selects) LSTM and GRU draw one of each per gate, in Keras' gate order. Input dropout alone keeps the fused module call. Returns what the module returns."""
    gates = 4 if isinstance(rnn, nn.LSTM) else 3 if isinstance(rnn, nn.GRU) else 1
    count = gates if per_gate else 1
    batch, units = x.shape[0], rnn.hidden_size
    # Keras drops only for 0 < rate < 1; the input masks are drawn before the recurrent ones.
    in_masks = [torch.bernoulli(x.new_full((batch, x.shape[2]), 1.0 - dropout)) / (1.0 - dropout) for _ in range(count)] if 0.0 < dropout < 1.0 else None
    rec_masks = [torch.bernoulli(x.new_full((batch, units), 1.0 - recurrent_dropout)) / (1.0 - recurrent_dropout) for _ in range(count)] if 0.0 < recurrent_dropout < 1.0 else None
    if rec_masks is None and count == 1:
        return rnn(x if in_masks is None else x * in_masks[0][:, None], *([] if state is None else [state]))
    # PyTorch's GRU rows are r, z, n; Keras' masks are for z, r, h.
    order = [1, 0, 2] if gates == 3 else list(range(gates))
    w_ih, w_hh = rnn.weight_ih_l0.chunk(gates), rnn.weight_hh_l0.chunk(gates)
    b_ih = rnn.bias_ih_l0.chunk(gates) if rnn.bias else [None] * gates
    b_hh = rnn.bias_hh_l0.chunk(gates) if rnn.bias else [None] * gates
    # The input masks are constant over time: project the whole sequence at once, gate by gate.
    projected = torch.cat([F.linear(x if in_masks is None else x * in_masks[order[g] % count][:, None], w_ih[g], b_ih[g]) for g in range(gates)], dim=-1)
    if state is None:
        h = x.new_zeros(batch, units)
        c = x.new_zeros(batch, units)
    elif gates == 4:
        h, c = state[0][0], state[1][0]
    else:
        h = state[0]
    outputs = []
    for t in range(x.shape[1]):
        recurrent = torch.cat([F.linear(h if rec_masks is None else h * rec_masks[order[g] % count], w_hh[g], b_hh[g]) for g in range(gates)], dim=-1)
        if gates == 4:
            i, f, g, o = (projected[:, t] + recurrent).chunk(4, dim=-1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        elif gates == 3:
            x_r, x_z, x_n = projected[:, t].chunk(3, dim=-1)
            h_r, h_z, h_n = recurrent.chunk(3, dim=-1)
            r = torch.sigmoid(x_r + h_r)
            z = torch.sigmoid(x_z + h_z)
            h = (1 - z) * torch.tanh(x_n + r * h_n) + z * h
        else:
            h = (torch.relu if rnn.nonlinearity == "relu" else torch.tanh)(projected[:, t] + recurrent)
        outputs.append(h)
    final = (h[None], c[None]) if gates == 4 else h[None]
    return torch.stack(outputs, dim=1), final
