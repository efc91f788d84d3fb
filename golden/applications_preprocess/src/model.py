"""The applications' preprocess_input functions in a model, evaluated from Keras' own source: "caffe" (RGB to
BGR minus the ImageNet mean: VGG, ResNet), "torch" (/255, then the ImageNet mean and std: DenseNet), "tf"
(x / 127.5 - 1: Xception, InceptionV3, MobileNet) and the identity (EfficientNet, ConvNeXt: the model rescales)."""
import keras
from keras.applications import convnext, densenet, efficientnet, inception_v3, resnet50, vgg16, xception

inputs = keras.Input(shape=(6, 6, 3))
conv = keras.layers.Conv2D(4, 3, name="shared_conv")
caffe = conv(resnet50.preprocess_input(inputs))
bgr = vgg16.preprocess_input(inputs)
normalised = conv(densenet.preprocess_input(inputs))
scaled = xception.preprocess_input(inputs)
inception = conv(inception_v3.preprocess_input(inputs))
as_is = keras.layers.Add()([efficientnet.preprocess_input(inputs), convnext.preprocess_input(inputs)])
model = keras.Model(inputs, [caffe, bgr, normalised, scaled, inception, as_is])
