"""Keras' Xception, compiled from Keras' own source (keras/src/applications/xception.py) with the
arguments --entry gives; it is never executed."""
from keras.applications import Xception
