"""Keras' EfficientNetB0, compiled from Keras' own source (keras/src/applications/efficientnet.py) with the
arguments --entry gives; it is never executed."""
from keras.applications import EfficientNetB0
