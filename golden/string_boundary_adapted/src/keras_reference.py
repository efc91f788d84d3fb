# What Keras runs: the model of model.py with its string layers adapted (keras2torch never sees this).
import numpy as np

from model import build_classifier

model = build_classifier()
model.get_layer("token_lookup").adapt(np.array([["red", "red", "blue", "green", "red"], ["blue", "gold", "teal", "pink", "red"]]))
model.get_layer("vectorize").adapt(np.array([["Great film, great cast"], ["dull plot; great music"], ["the cast was dull"]]))
