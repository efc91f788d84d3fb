def avg_pool_same(x, kernel_size, stride, padding):
    """Average pooling with Keras' asymmetric 'same' padding: padded cells are left out of each mean."""
    pool = {3: F.avg_pool1d, 4: F.avg_pool2d, 5: F.avg_pool3d}[x.dim()]
    ones = torch.ones_like(x[:1, :1])
    return pool(F.pad(x, padding), kernel_size, stride) / pool(F.pad(ones, padding), kernel_size, stride)
