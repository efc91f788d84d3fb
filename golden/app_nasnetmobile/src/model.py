"""Keras' NASNetMobile, compiled from Keras' own source (keras/src/applications/nasnet.py) with the
arguments --entry gives; it is never executed."""
from keras.applications import NASNetMobile
