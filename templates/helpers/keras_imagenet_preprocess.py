def keras_imagenet_preprocess(x, mode, dim):
    """Keras' ImageNet preprocessing of the applications (imagenet_utils.preprocess_input) on a tensor whose colour channel is `dim`: "caffe" turns RGB into BGR and subtracts ImageNet's BGR mean; "torch" scales to [0, 1], then subtracts the RGB mean and divides by the RGB std."""
    shape = [1] * x.dim()
    shape[dim] = 3
    if mode == "caffe":
        return x.flip(dim) + x.new_tensor([-103.939, -116.779, -123.68]).view(shape)
    x = x / 255.0
    x = x + x.new_tensor([-0.485, -0.456, -0.406]).view(shape)
    return x / x.new_tensor([0.229, 0.224, 0.225]).view(shape)
