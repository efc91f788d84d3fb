class KerasIntegerLookup(nn.Module):
    """Keras' IntegerLookup on integer tokens. A vocabulary token's index is its position plus
    `token_start` (index 0 is the mask token's when there is one, then the OOV indices); an OOV token
    gets `oov_start`, or with several OOV indices `oov_start + token % num_oov_indices` (Keras' floormod),
    or -1 with none (Keras raises there). `invert` maps indices back to tokens; `tf_idf` weighs the counts
    with `idf_weights`. The vocabulary and weights are constants of the architecture, not part of the
    state."""

    def __init__(self, vocabulary, token_start, oov_start, num_oov_indices=1, mask_token=None, oov_token=-1, invert=False, output_mode="int", depth=None, idf_weights=None):
        super().__init__()
        self.register_buffer("vocabulary", torch.tensor(vocabulary, dtype=torch.int64), persistent=False)
        self.token_start = token_start
        self.oov_start = oov_start
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = invert
        self.output_mode = output_mode
        self.depth = depth
        if idf_weights is not None:
            self.register_buffer("idf_weights", torch.tensor(idf_weights, dtype=torch.float32), persistent=False)

    def forward(self, x):
        x = x.long()
        if self.invert:
            position = x - self.token_start
            known = (position >= 0) & (position < self.vocabulary.numel())
            tokens = self.vocabulary[position.clamp(0, self.vocabulary.numel() - 1)]
            out = torch.where(known, tokens, torch.full_like(x, self.oov_token))
            if self.mask_token is not None:
                out = torch.where(x == 0, torch.full_like(x, self.mask_token), out)
            return out
        match = x.unsqueeze(-1) == self.vocabulary
        index = match.long().argmax(-1) + self.token_start
        if self.num_oov_indices == 0:
            oov = torch.full_like(x, -1)
        elif self.num_oov_indices == 1:
            oov = torch.full_like(x, self.oov_start)
        else:
            oov = torch.remainder(x, self.num_oov_indices) + self.oov_start
        out = torch.where(match.any(-1), index, oov)
        if self.mask_token is not None:
            # The mask token is index 0 in int mode; in the other modes it counts nowhere (-1).
            out = torch.where(x == self.mask_token, torch.full_like(x, 0 if self.output_mode == "int" else -1), out)
        if self.output_mode == "int":
            return out
        if self.output_mode == "tf_idf":
            return encode_categorical(out, self.depth, "count") * self.idf_weights
        return encode_categorical(out, self.depth, self.output_mode)
