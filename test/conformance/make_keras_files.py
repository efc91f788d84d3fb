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
    write_dtypes(work / "synthetic" / "dense_dtypes.weights.h5")
    return 0


def write_dtypes(path):
    """test/conformance/sources/dense_dtypes.py's weights in Keras 3's layout, stored as float16,
    float64 and bfloat16 (Keras 3 keeps bfloat16 as 2-byte opaque data with the attribute
    dtype="bfloat16"), with NaN, +Inf, -Inf, float16 subnormals and a float64 beyond float32's range."""
    import h5py
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    k0 = rng.normal(size=(4, 3)).astype(np.float16)
    k0[0, 0], k0[1, 1], k0[2, 2] = np.inf, -np.inf, np.float16(3e-7)  # a float16 subnormal
    b0 = rng.normal(size=(3,)).astype(np.float64)
    b0[0], b0[1] = 1e300, 1.0000000001  # beyond float32: inf; rounded to nearest
    k1 = rng.normal(size=(3, 2)).astype(np.float32)
    bf = (k1.view(np.uint32) >> 16).astype(np.uint16)
    b1 = np.array([np.nan, 0.5], dtype=np.float32)
    with h5py.File(path, "w") as f:
        layers = f.create_group("layers")
        d0 = layers.create_group("dense").create_group("vars")
        d0["0"], d0["1"] = k0, b0
        d1 = layers.create_group("dense_1").create_group("vars")
        d1.create_dataset("0", data=bf.view("V2"))
        d1["0"].attrs["dtype"] = "bfloat16"
        d1["1"] = b1
        f.create_group("vars")


if __name__ == "__main__":
    sys.exit(main())
