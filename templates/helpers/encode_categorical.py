def encode_categorical(x, depth, output_mode):
    """Keras' one_hot / multi_hot / count encoding of integer tokens (CategoryEncoding, the lookups'
    output modes): a token outside [0, depth) counts nowhere, as TensorFlow's bincount drops it. one_hot
    encodes each element; multi_hot and count reduce over the last axis, the sample's tokens."""
    hits = (x.unsqueeze(-1) == torch.arange(depth, device=x.device)).float()
    if output_mode == "one_hot":
        return hits
    if output_mode == "multi_hot":
        return hits.amax(-2)
    return hits.sum(-2)
