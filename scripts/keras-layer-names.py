"""Prints the capitalised names `keras.layers` exports, for src/frontend/keras-layer-names.ts.

Run with the golden-test venv: .venv/bin/python scripts/keras-layer-names.py
"""

import keras

print(keras.__version__)
print(" ".join(name for name in dir(keras.layers) if name[:1].isupper()))
