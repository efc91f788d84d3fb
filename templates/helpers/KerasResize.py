class KerasResize(nn.Module):
    """TensorFlow's tf.image.resize (what Keras' Resizing calls) from one static size to another, as two
    interpolation matrices built once: out = rows @ x @ cols on a channels-first image. The weights follow
    TensorFlow's kernels in float32: legacy bicubic (Keys a = -0.5 from its 1024-entry table, out-of-image
    taps dropped and the rest renormalised), area (box average of the covered cells) and ScaleAndTranslate
    (lanczos3/5, gaussian, mitchellcubic, and triangle/keyscubic for antialiased bilinear/bicubic), whose
    taps are weighted over the image only and renormalised, with the kernel widened when antialiasing a
    downscale."""

    KERNELS = {"bilinear": "triangle", "bicubic": "keyscubic", "lanczos3": "lanczos3", "lanczos5": "lanczos5", "gaussian": "gaussian", "mitchellcubic": "mitchellcubic"}
    RADII = {"triangle": 1.0, "keyscubic": 2.0, "lanczos3": 3.0, "lanczos5": 5.0, "gaussian": 1.5, "mitchellcubic": 2.0}

    def __init__(self, in_size, out_size, method, antialias=False):
        super().__init__()
        rows, cols = (self.axis_matrix(n_in, n_out, method, antialias) for n_in, n_out in zip(in_size, out_size))
        self.register_buffer("rows", rows, persistent=False)
        self.register_buffer("cols", cols.T.contiguous(), persistent=False)

    def forward(self, x):
        return self.rows @ x @ self.cols

    @classmethod
    def axis_matrix(cls, n_in, n_out, method, antialias):
        """The (n_out, n_in) matrix that resizes one axis."""
        f32 = torch.float32
        out = torch.arange(n_out, dtype=f32)
        source = torch.arange(n_in, dtype=f32)
        if method == "area":
            # Each output cell [o, o + 1) * scale averages the input cells it overlaps, by overlap.
            scale = torch.tensor(n_in / n_out, dtype=f32)
            lo, hi = (out * scale)[:, None], ((out + 1) * scale)[:, None]
            cells = torch.arange(n_in + 1, dtype=f32)[None, :]
            inside = torch.where(cells + 1 > hi, hi - cells, torch.ones(()))
            overlap = torch.where(cells < lo, torch.where(cells + 1 > hi, scale, cells + 1 - lo), inside)
            overlap = torch.where((cells >= lo.floor()) & (cells < hi.ceil()), overlap, torch.zeros(()))
            # A cell past the edge (float rounding of the last window) reads the edge cell.
            overlap = torch.cat([overlap[:, :-2], overlap[:, -2:-1] + overlap[:, -1:]], dim=1)
            return overlap / scale
        if method == "bicubic" and not antialias:
            # resize_bicubic: half-pixel centres; the fraction is rounded to the table's 1/1024 steps.
            scale = torch.tensor(n_in / n_out, dtype=f32)
            centre = (out + 0.5) * scale - 0.5
            base = centre.floor()
            step = torch.round((centre - base) * 1024).to(torch.float64) / 1024
            taps = [cls.kernel("keyscubic", t).to(f32) for t in (1 + step, step, 1 - step, 2 - step)]
            index = base[:, None].long() + torch.arange(-1, 3)[None, :]
            tap_weights = torch.stack(taps, dim=1)
            tap_weights = torch.where((index >= 0) & (index < n_in), tap_weights, torch.zeros(()))
            tap_weights = tap_weights * (1 / tap_weights.sum(dim=1, keepdim=True))
            matrix = torch.zeros(n_out, n_in)
            return matrix.scatter_add_(1, index.clamp(0, n_in - 1), tap_weights)
        kernel = cls.KERNELS[method]
        radius = torch.tensor(cls.RADII[kernel], dtype=f32)
        inv_scale = torch.tensor(1 / float(torch.tensor(n_out / n_in, dtype=f32)), dtype=f32)
        kernel_scale = torch.clamp(inv_scale, min=1.0) if antialias else torch.ones((), dtype=f32)
        sample = ((out + 0.5) * inv_scale)[:, None]
        start = torch.ceil(sample - radius * kernel_scale - 0.5).clamp(0, n_in - 1)
        end = torch.floor(sample + radius * kernel_scale - 0.5).clamp(0, n_in - 1) + 1
        t = ((source[None, :] + 0.5 - sample) * (1 / kernel_scale)).abs()
        w = cls.kernel(kernel, t)
        w = torch.where((source[None, :] >= start) & (source[None, :] < end), w, torch.zeros(()))
        return w * (1 / w.sum(dim=1, keepdim=True))

    @classmethod
    def kernel(cls, name, t):
        """TensorFlow's sampling kernel `name` at distances t >= 0."""
        radius = cls.RADII[name]
        if name == "triangle":
            return torch.where(t >= 1, 0.0, 1 - t)
        if name == "keyscubic":
            return torch.where(t >= 2, 0.0, torch.where(t >= 1, ((-0.5 * t + 2.5) * t - 4.0) * t + 2.0, ((1.5 * t - 2.5) * t) * t + 1.0))
        if name == "mitchellcubic":
            return torch.where(t >= 2, 0.0, torch.where(t >= 1, (((-7.0 / 18.0) * t + 2.0) * t - 10.0 / 3.0) * t + 16.0 / 9.0, (((7.0 / 6.0) * t - 2.0) * t) * t + 8.0 / 9.0))
        if name == "gaussian":
            sigma = radius / 3
            return torch.where(t >= radius, 0.0, torch.exp(-t * t / (2 * sigma * sigma)))
        pi = torch.tensor(3.14159265359, dtype=t.dtype)
        lanczos = radius * torch.sin(pi * t) * torch.sin(pi * t / radius) / (pi * pi * t * t)
        return torch.where(t > radius, 0.0, torch.where(t <= 1e-3, 1.0, lanczos))
