"""Keras-saved files for test/weights-convert.test.ts, in one Python process:
  make_keras_files.py WORK CASE...
For each golden CASE, the golden harness (golden/harness/reference.py `run_case`) builds the case's
model with real Keras 3, gives every variable a seeded value and saves WORK/CASE/keras/{model.keras,
model.weights.h5, model.h5}; the values depend only on the seed, so the tensors' hashes are stable.
Also writes WORK/bad/: a zip without model.weights.h5 and an HDF5 file that is not a Keras file."""
import os
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "golden" / "harness"))
import reference  # noqa: E402


def main():
    work = Path(sys.argv[1])
    for case in sys.argv[2:]:
        record = reference.run_case(ROOT / "golden", work, case)
        if not record["ok"]:
            print(f"{case}: {record['error']}", file=sys.stderr)
            return 1
    bad = work / "bad"
    bad.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(bad / "no_weights.keras", "w") as z:
        z.writestr("config.json", "{}")
        z.writestr("metadata.json", '{"keras_version": "3.15.1"}')
    import h5py
    import numpy as np

    with h5py.File(bad / "not_keras.h5", "w") as f:
        f["data"] = np.zeros(3, dtype=np.float32)
    return 0


if __name__ == "__main__":
    sys.exit(main())
