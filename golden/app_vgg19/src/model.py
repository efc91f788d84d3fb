"""Keras' VGG19, compiled from Keras' own source (keras/src/applications/vgg19.py) with the
arguments --entry gives; it is never executed."""
from keras.applications import VGG19
