"""Keras' DenseNet121, compiled from Keras' own source (keras/src/applications/densenet.py) with the
arguments --entry gives; it is never executed."""
from keras.applications import DenseNet121
