"""What the fixture tests share: where shared/fixtures/keras-files is, and named checks that report every
failure and go on (the caller exits non-zero when FAILED is not empty)."""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSED, FAILED = [], []


def fixtures_dir():
    """shared/fixtures/keras-files beside the repository (where CI puts it), else the workplace copy."""
    for candidate in (os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "keras-files"), "/work/shared/fixtures/keras-files"):
        if os.path.isdir(candidate):
            return candidate
    raise SystemExit("shared/fixtures/keras-files not found")  # a failure (exit 1), never a skip


def check(name, fn):
    try:
        fn()
        PASSED.append(name)
        print(f"ok   {name}")
    except Exception as error:  # noqa: BLE001 - report every failure and go on
        FAILED.append(name)
        print(f"FAIL {name}: {type(error).__name__}: {error}")
