"""Keras' InceptionV3, compiled from Keras' own source (keras/src/applications/inception_v3.py) with the
arguments --entry gives; it is never executed."""
from keras.applications import InceptionV3
