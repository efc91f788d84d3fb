def sparsemax(x, dim=-1):
    """Keras' sparsemax: `x` minus a threshold `tau`, clipped at 0, so that each slice along `dim` sums to 1."""
    ranked = torch.sort(x, dim=dim, descending=True).values
    cumulative = ranked.cumsum(dim)
    shape = [1] * x.dim()
    shape[dim] = -1
    position = torch.arange(1, x.shape[dim] + 1, dtype=x.dtype, device=x.device).reshape(shape)
    support = ranked - (cumulative - 1) / position > 0
    count = support.to(x.dtype).sum(dim=dim, keepdim=True)
    tau = (torch.where(support, cumulative, torch.zeros_like(cumulative)).sum(dim=dim, keepdim=True) - 1) / count
    return (x - tau).clamp(min=0.0)
