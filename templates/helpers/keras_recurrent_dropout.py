def keras_recurrent_dropout(rnn, x, state=None, dropout=0.0, recurrent_dropout=0.0, per_gate=False):
    """Keras' training-mode dropout on an nn.LSTM/nn.GRU/nn.RNN (one layer, either direction or both), with the module's own parameters. Like Keras, each call draws one input mask (batch, features) and one recurrent mask (batch, units) per direction, the same at every step; with `per_gate` (Keras' implementation=1, which recurrent_dropout selects) LSTM and GRU draw one of each per gate, in Keras' gate order. One direction with input dropout alone keeps the fused module call. Returns what the module returns."""
    gates = 4 if isinstance(rnn, nn.LSTM) else 3 if isinstance(rnn, nn.GRU) else 1
    count = gates if per_gate else 1
    batch, units = x.shape[0], rnn.hidden_size

    def draw(size, rate):
        # Keras drops only for 0 < rate < 1.
        if not 0.0 < rate < 1.0:
            return None
        return [torch.bernoulli(x.new_full((batch, size), 1.0 - rate)) / (1.0 - rate) for _ in range(count)]

    if not rnn.bidirectional and count == 1 and not 0.0 < recurrent_dropout < 1.0:
        in_masks = draw(x.shape[2], dropout)
        return rnn(x if in_masks is None else x * in_masks[0][:, None], *([] if state is None else [state]))
    # PyTorch's GRU rows are r, z, n; Keras' masks are for z, r, h.
    order = [1, 0, 2] if gates == 3 else list(range(gates))
    outputs, hs, cs = [], [], []
    for d, suffix in enumerate(["", "_reverse"] if rnn.bidirectional else [""]):
        # Each direction is its own Keras layer: input masks, then recurrent ones, forward first.
        in_masks, rec_masks = draw(x.shape[2], dropout), draw(units, recurrent_dropout)
        sequence = x.flip(1) if d else x
        w_ih = getattr(rnn, "weight_ih_l0" + suffix).chunk(gates)
        w_hh = getattr(rnn, "weight_hh_l0" + suffix).chunk(gates)
        b_ih = getattr(rnn, "bias_ih_l0" + suffix).chunk(gates) if rnn.bias else [None] * gates
        b_hh = getattr(rnn, "bias_hh_l0" + suffix).chunk(gates) if rnn.bias else [None] * gates
        # The input masks are constant over time: project the whole sequence at once, gate by gate.
        projected = torch.cat([F.linear(sequence if in_masks is None else sequence * in_masks[order[g] % count][:, None], w_ih[g], b_ih[g]) for g in range(gates)], dim=-1)
        if state is None:
            h = x.new_zeros(batch, units)
            c = x.new_zeros(batch, units)
        elif gates == 4:
            h, c = state[0][d], state[1][d]
        else:
            h = state[d]
        steps = []
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
            steps.append(h)
        output = torch.stack(steps, dim=1)
        outputs.append(output.flip(1) if d else output)
        hs.append(h)
        cs.append(c)
    final = (torch.stack(hs), torch.stack(cs)) if gates == 4 else torch.stack(hs)
    return torch.cat(outputs, dim=-1), final
