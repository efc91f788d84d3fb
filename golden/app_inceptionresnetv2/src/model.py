"""Keras' InceptionResNetV2, compiled from Keras' own source (keras/src/applications/inception_resnet_v2.py) with the
arguments --entry gives; it is never executed."""
from keras.applications import InceptionResNetV2
