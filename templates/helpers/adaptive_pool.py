def adaptive_pool(x, output_size, reduce):
    """Adaptive max or mean pooling over dims 2.. written with slices, for the cases torch.onnx cannot export: bin i of a length-L dim covers [floor(i*L/n), ceil((i+1)*L/n)), as in Keras and PyTorch."""
    for dim, n in enumerate(output_size, start=2):
        length = x.shape[dim]
        bins = []
        for i in range(n):
            start, end = i * length // n, -(-(i + 1) * length // n)
            window = x.narrow(dim, start, end - start)
            bins.append(window.amax(dim=dim, keepdim=True) if reduce == "max" else window.mean(dim=dim, keepdim=True))
        x = torch.cat(bins, dim=dim)
    return x
