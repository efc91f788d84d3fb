class KerasAttention(nn.Module):
    """Keras' Attention (score_mode 'dot' or 'concat') and AdditiveAttention ('additive') over
    (batch, steps, features): scores of query against key, masked keys lowered by 1e9 as Keras does,
    softmax over the keys, dropout on the weights in training, then the weighted sum of the values, zero
    at padded query steps."""

    def __init__(self, score_mode="dot", use_scale=False, features=None, dropout=0.0):
        super().__init__()
        self.score_mode = score_mode
        # Keras' variables: a scalar `scale` (a per-feature one for AdditiveAttention), and the scalar
        # `concat_score_weight` of score_mode='concat'.
        self.scale = nn.Parameter(torch.ones(features if score_mode == "additive" else ())) if use_scale else None
        self.concat_score_weight = nn.Parameter(torch.ones(())) if score_mode == "concat" else None
        self.dropout = nn.Dropout(dropout)

    def forward(self, query, value, key=None, query_mask=None, value_mask=None, use_causal_mask=False, return_attention_scores=False):
        key = value if key is None else key
        if self.score_mode == "dot":
            scores = query @ key.transpose(-2, -1)
            if self.scale is not None:
                scores = scores * self.scale
        else:
            pairs = query.unsqueeze(-2) + key.unsqueeze(-3)
            if self.score_mode == "concat":
                pairs = pairs if self.scale is None else self.scale * pairs
                scores = self.concat_score_weight * torch.tanh(pairs).sum(dim=-1)
            else:
                scores = (torch.tanh(pairs) * (1.0 if self.scale is None else self.scale)).sum(dim=-1)
        # Keys that are padding (value_mask) or in the future (causal) are lowered by 1e9, as Keras does.
        keep = None if value_mask is None else value_mask[:, None, :]
        if use_causal_mask:
            causal = torch.ones(scores.shape[-2:], dtype=torch.bool, device=scores.device).tril()
            keep = causal if keep is None else keep & causal
        if keep is not None:
            scores = torch.where(keep, scores, scores - 1e9)
        weights = scores.softmax(dim=-1)
        output = self.dropout(weights) @ value
        if query_mask is not None:
            # Keras zeroes the outputs of padded query steps.
            output = torch.where(query_mask[:, :, None], output, 0.0)
        return (output, weights) if return_attention_scores else output
