"""Keras' MobileNet, compiled from Keras' own source (keras/src/applications/mobilenet.py) with the
arguments --entry gives; it is never executed."""
from keras.applications import MobileNet
