"""Keras' MobileNetV3Large, compiled from Keras' own source (keras/src/applications/mobilenet_v3.py) with the
arguments --entry gives; it is never executed."""
from keras.applications import MobileNetV3Large
