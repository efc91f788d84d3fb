"""Keras' VGG16, compiled from Keras' own source (keras/src/applications/vgg16.py) with the
arguments --entry gives; it is never executed."""
from keras.applications import VGG16
