def masked_merge(op, inputs, masks):
    """Keras' Multiply, Maximum and Minimum on inputs with Keras masks ((batch, steps) bools, None for an
    unmasked input). Multiply takes a masked step as 1 and, when every input is masked, zeroes the steps
    no input keeps; Maximum and Minimum fill a masked step of one side from the other before comparing."""
    masks = [None if m is None else m[..., None] for m in masks]
    if op == "multiply":
        output = None
        for x, m in zip(inputs, masks):
            x = x if m is None else torch.where(m, x, 1.0)
            output = x if output is None else output * x
        if all(m is not None for m in masks):
            keep = masks[0]
            for m in masks[1:]:
                keep = keep | m
            output = torch.where(keep, output, 0.0)
        return output
    combine = torch.maximum if op == "maximum" else torch.minimum
    output, keep = inputs[0], masks[0]
    for x, m in zip(inputs[1:], masks[1:]):
        if m is not None:
            x = torch.where(m, x, output)
        if keep is not None:
            output = torch.where(keep, output, x)
        keep = keep | m if keep is not None and m is not None else None
        output = combine(output, x)
    return output
