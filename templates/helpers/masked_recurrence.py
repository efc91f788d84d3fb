def masked_recurrence(rnn, x, mask, state=None, zero_masked=False):
    """Keras' masked recurrence on a one-direction nn.LSTM/nn.GRU/nn.RNN: a step where `mask` is False keeps the previous state and output (zeros with `zero_masked`), wherever it sits in the sequence. Returns what the module returns."""
    if state is None:
        zeros = x.new_zeros(1, x.shape[0], rnn.hidden_size)
        state = (zeros, zeros) if isinstance(rnn, nn.LSTM) or getattr(rnn, "kind", None) == "lstm" else zeros
    output = x.new_zeros(x.shape[0], rnn.hidden_size)
    outputs = []
    for t in range(x.shape[1]):
        step, new_state = rnn(x[:, t : t + 1], state)
        keep = mask[:, t].reshape(-1, 1)
        if isinstance(state, tuple):
            state = tuple(torch.where(keep, new, old) for new, old in zip(new_state, state))
        else:
            state = torch.where(keep, new_state, state)
        output = torch.where(keep, step[:, 0], torch.zeros_like(output) if zero_masked else output)
        outputs.append(output)
    return torch.stack(outputs, dim=1), state
