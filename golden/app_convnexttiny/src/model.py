"""Keras' ConvNeXtTiny, compiled from Keras' own source (keras/src/applications/convnext.py) with the
arguments --entry gives; it is never executed."""
from keras.applications import ConvNeXtTiny
