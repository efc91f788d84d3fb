"""Keras' MobileNetV2, compiled from Keras' own source (keras/src/applications/mobilenet_v2.py) with the
arguments --entry gives; it is never executed."""
from keras.applications import MobileNetV2
