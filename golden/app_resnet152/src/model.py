"""Keras' ResNet152, compiled from Keras' own source (keras/src/applications/resnet.py) with the
arguments --entry gives; it is never executed."""
from keras.applications import ResNet152
