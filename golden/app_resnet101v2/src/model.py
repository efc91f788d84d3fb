"""Keras' ResNet101V2, compiled from Keras' own source (keras/src/applications/resnet_v2.py) with the
arguments --entry gives; it is never executed."""
from keras.applications import ResNet101V2
