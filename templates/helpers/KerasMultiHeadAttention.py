class KerasMultiHeadAttention(nn.Module):
    """Keras' MultiHeadAttention on (batch, steps, features) tensors: Keras' query/key/value/output kernels as
    nn.Linear layers, softmax(q kᵀ / sqrt(key_dim)) over the keys with masked positions at -1e9 (as Keras
    sets them), dropout on the attention weights in training, then the output projection. Keras zeroes the
    weights of masked positions after the softmax only on its explicit path (dropout or returned scores):
    `zero_masked` says so, which matters where a query may attend to nothing (a padded query step)."""

    def __init__(self, num_heads, key_dim, value_dim, query_features, key_features, value_features, output_features, bias=True, dropout=0.0):
        super().__init__()
        self.num_heads, self.key_dim, self.value_dim = num_heads, key_dim, value_dim
        self.query = nn.Linear(query_features, num_heads * key_dim, bias=bias)
        self.key = nn.Linear(key_features, num_heads * key_dim, bias=bias)
        self.value = nn.Linear(value_features, num_heads * value_dim, bias=bias)
        self.attention_output = nn.Linear(num_heads * value_dim, output_features, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def forward(self, query, value, key=None, attention_mask=None, query_mask=None, value_mask=None, key_mask=None, use_causal_mask=False, return_attention_scores=False, zero_masked=False):
        key = value if key is None else key
        q = self.query(query).unflatten(-1, (self.num_heads, self.key_dim)).transpose(1, 2)
        k = self.key(key).unflatten(-1, (self.num_heads, self.key_dim)).transpose(1, 2)
        v = self.value(value).unflatten(-1, (self.num_heads, self.value_dim)).transpose(1, 2)
        scores = (q * self.key_dim**-0.5) @ k.transpose(-2, -1)
        # Keras ANDs the masks it was given: the padding masks of query (B, T, 1), value and key (B, 1, S),
        # the causal one (T, S) and attention_mask (B, T, S).
        masks = [] if attention_mask is None else [attention_mask.bool()]
        masks += [query_mask[:, :, None]] if query_mask is not None else []
        masks += [m[:, None, :] for m in (value_mask, key_mask) if m is not None]
        if use_causal_mask:
            masks.append(torch.ones(scores.shape[-2:], dtype=torch.bool, device=scores.device).tril())
        mask = None
        for m in masks:
            mask = m if mask is None else mask & m
        if mask is not None:
            mask = mask.unsqueeze(1) if mask.dim() == 3 else mask
            scores = scores.masked_fill(~mask, -1e9)
        scores = scores.softmax(dim=-1)
        if zero_masked and mask is not None:
            scores = scores.masked_fill(~mask, 0.0)
        output = self.attention_output((self.dropout(scores) @ v).transpose(1, 2).flatten(2))
        return (output, scores) if return_attention_scores else output
