"""Keras' EfficientNetV2B0, compiled from Keras' own source (keras/src/applications/efficientnet_v2.py) with the
arguments --entry gives; it is never executed."""
from keras.applications import EfficientNetV2B0
