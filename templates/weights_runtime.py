# ---------------------------------------------------------------------------
# keras2torch weights runtime. Everything below is static: the same for every
# weights script. It reads only the table of the script it serves: SCHEMA,
# PRIMARY, MODELS (and VOCABULARIES when there is one). Either it follows that
# table in the same file (`convert --standalone-weights`), or it is the shared
# `keras2torch_runtime.py` at the top of the output folder, which each script
# loads by path with its table put in first (docs/weights-schema.md).
#
#   python THIS_SCRIPT KERAS_FILE OUTPUT [--model CLASS] [--verbose]
#
# KERAS_FILE is a Keras 3 `.keras` zip, a Keras 3 `.weights.h5` or a legacy
# (Keras 1/2, or Keras 3 `model.save("x.h5")`) HDF5 file, recognised by
# content. OUTPUT ends in `.safetensors`, `.pt` or `.pth`.
# Exit codes: 0 written, 1 mapping/validation failure, 2 usage or unreadable
# input. Nothing is written unless every tensor was found and checked.
#
# Damaged or hostile input gives one line `error: KERAS_FILE: problem`, never
# a stack trace: only regular files (or an unzipped `.keras` directory) are
# opened, so a FIFO or device cannot hang the script; zip members that are
# encrypted, use an unknown compression method or fail their CRC-32 are
# refused; HDF5 links, virtual datasets and external raw storage are refused,
# so the file cannot pull data from other files; every tensor must hold
# floating point data of the shape the table expects. NaN and Inf values are
# written, with a warning naming the tensor. A flipped bit inside the raw
# float data of an `.h5` file cannot be detected: HDF5 keeps no checksum of
# it (a `.keras` zip does, its CRC-32, and that is checked).
#
# A `.safetensors` OUTPUT is streamed: every check is made on the file's
# metadata first, then the header is written and each tensor in turn, read
# in blocks of rows, checked, transposed and written in place, so memory
# stays at about one block (plus a whole tensor only for the few transforms
# that reorder rows). It needs neither torch nor the safetensors library. A
# `.pt`/`.pth` OUTPUT builds the whole state_dict in memory and saves it with
# torch.save.
#
# `convert(keras_file, model_name=None) -> (state_dict, report)` does the same
# in-process (the whole state_dict, torch tensors) and raises ConversionError
# instead of exiting; `stream_safetensors(keras_file, output, model_name)`
# streams as the script does.
# ---------------------------------------------------------------------------

import os  # noqa: E402 (the generated mapping above comes first)
import sys  # noqa: E402

# The version of the table format this runtime reads (docs/weights-schema.md).
MAPPING_SCHEMA = 1

# A user's file next to the weights script (say `torch.py` or `numpy.py`)
# must not shadow the real libraries: drop the script's own directory (and
# this file's, when the runtime is shared) from sys.path before importing
# them. Run as a script, it stays dropped (libraries import more modules
# lazily, safetensors among them); imported by other code, the caller's
# sys.path is restored afterwards. A script loading the shared runtime sets
# _SCRIPT_FILE and _AS_SCRIPT first.
_SCRIPT_DIRS = {
    os.path.dirname(os.path.realpath(p))
    for p in (globals().get("__file__") or sys.argv[0] or ".", globals().get("_SCRIPT_FILE"))
    if p
}
_AS_SCRIPT = globals().get("_AS_SCRIPT", __name__ == "__main__")


def _without_script_dir(paths):
    return [p for p in paths if os.path.realpath(p or os.getcwd()) not in _SCRIPT_DIRS]


_SAVED_SYS_PATH = list(sys.path)
sys.path[:] = _without_script_dir(sys.path)
try:
    import argparse  # noqa: E402 (after the sys.path guard above)
    import collections  # noqa: E402 (after the sys.path guard above)
    import contextlib  # noqa: E402 (after the sys.path guard above)
    import importlib  # noqa: E402 (after the sys.path guard above)
    import io  # noqa: E402 (after the sys.path guard above)
    import json  # noqa: E402 (after the sys.path guard above)
    import mmap  # noqa: E402 (after the sys.path guard above)
    import stat  # noqa: E402 (after the sys.path guard above)
    import struct  # noqa: E402 (after the sys.path guard above)
    import tempfile  # noqa: E402 (after the sys.path guard above)
    import zipfile  # noqa: E402 (after the sys.path guard above)

    import h5py  # noqa: E402 (after the sys.path guard above)
    import numpy as np  # noqa: E402
finally:
    if not _AS_SCRIPT:
        sys.path[:] = _SAVED_SYS_PATH


def _import_library(name):
    """Import an optional library late, still ignoring the script's directory."""
    saved = list(sys.path)
    sys.path[:] = _without_script_dir(sys.path)
    try:
        return importlib.import_module(name)
    finally:
        sys.path[:] = saved


EXIT_OK = 0
EXIT_MAPPING = 1  # missing / unexpected / mis-shaped tensors, ambiguous match
EXIT_USAGE = 2  # bad arguments, unreadable or unrecognised input file

# Top-level groups of a Keras 3 weights file that are not model weights.
_KERAS3_NON_MODEL_ROOTS = {
    "optimizer",
    "metrics",
    "compile_metrics",
    "compile_loss",
    "loss",
    "_compile_metrics",
    "_compile_loss",
    "_loss_tracker",
}

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


class ConversionError(Exception):
    """An expected failure: reported as a message, never as a stack trace."""

    def __init__(self, message, problems=(), exit_code=EXIT_MAPPING):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)
        self.exit_code = exit_code

    def __str__(self):
        lines = [self.message] + ["  - " + p for p in self.problems]
        return "\n".join(lines)


# ---------------------------------------------------------------------------
# Reading the input file
# ---------------------------------------------------------------------------


# Zip compression methods the standard library reads. Keras stores members
# uncompressed; deflate appears when a user re-zips the file.
_ZIP_METHODS = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}

# A zip member declaring more than 4 GiB and over 100 times its stored size is
# a decompression bomb, not a model (the same guard as Keras' `_safe_zip_read`).
_ZIP_BOMB_FLOOR = 1 << 32
_ZIP_BOMB_RATIO = 100


def _cause(error):
    """One line describing an exception raised by h5py, zipfile or zlib."""
    if isinstance(error, OSError) and error.strerror:
        text = error.strerror
    elif len(error.args) == 1 and isinstance(error.args[0], str):
        text = error.args[0]  # a KeyError's str() would add quotes
    else:
        text = str(error)
    text = " ".join(text.split()) or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


@contextlib.contextmanager
def _reading(label, what):
    """Turn any failure inside the block into one line: `LABEL: WHAT: cause`.

    Damaged files make h5py, zipfile and zlib raise almost any exception type
    (OSError, RuntimeError, KeyError, TypeError, ValueError, UnicodeError,
    zlib.error, NotImplementedError, ...), depending on where the damage is.
    The blocks guarded by this hold nothing but file access, so whatever they
    raise is a problem with the file, reported as such with exit code 2.
    """
    try:
        yield
    except ConversionError:
        raise
    except MemoryError:
        raise ConversionError(f"{label}: not enough memory to read the file", exit_code=EXIT_USAGE) from None
    except Exception as e:
        raise ConversionError(f"{label}: {what}: {_cause(e)}", exit_code=EXIT_USAGE) from None


def _file_type(mode):
    """What a non-regular file is, for the error message."""
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _stat_input(path):
    """os.stat(path), or a ConversionError saying why the file cannot be read."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        what = "is a symbolic link to a missing file" if os.path.islink(path) else "no such file"
        raise ConversionError(f"{path}: {what}", exit_code=EXIT_USAGE) from None
    except OSError as e:
        raise ConversionError(f"{path}: cannot read: {_cause(e)}", exit_code=EXIT_USAGE) from None


def _attr_names(value, label, where):
    """A list-of-names attribute value (`layer_names`, `weight_names`) as str.

    Keras writes a 1-D array of str or bytes, and an empty float array for a
    layer without weights. Anything else (a scalar, a 2-D array, numbers,
    names that are empty or not UTF-8) is a damaged file.
    """
    if isinstance(value, (str, bytes)) or np.ndim(value) == 0:
        raise ConversionError(
            f"{label}: attribute {where} is a single value, not a list of names", exit_code=EXIT_USAGE
        )
    values = np.asarray(value)
    if values.ndim != 1:
        raise ConversionError(
            f"{label}: attribute {where} is an array of shape {values.shape}, not a list of names",
            exit_code=EXIT_USAGE,
        )
    if values.size == 0:
        return []
    names = []
    for v in values.tolist():
        try:
            if isinstance(v, bytes):
                v = v.decode("utf8")
            elif isinstance(v, str):
                v.encode("utf8")  # h5py keeps invalid UTF-8 as lone surrogates
            else:
                raise ConversionError(
                    f"{label}: attribute {where} holds a {type(v).__name__} value ({v!r}), not a name",
                    exit_code=EXIT_USAGE,
                )
        except UnicodeError:
            raise ConversionError(
                f"{label}: attribute {where} holds a name that is not valid UTF-8: {v!r}",
                exit_code=EXIT_USAGE,
            ) from None
        if not v or "\x00" in v:
            raise ConversionError(
                f"{label}: attribute {where} holds an empty name or one with a NUL byte: {v!r}",
                exit_code=EXIT_USAGE,
            )
        names.append(v)
    return names


def _h5_attr_list(group, name, label):
    """A list attribute, including Keras' chunked form `name0`, `name1`, ...

    Keras splits attributes larger than the HDF5 object header limit into
    numbered chunks (see `load_attributes_from_hdf5_group` in Keras).
    Returns None when the attribute is absent.
    """
    where = f"`{name}` of `{group.name}`"
    with _reading(label, f"cannot read attribute {where}"):
        if name in group.attrs:
            return _attr_names(group.attrs[name], label, where)
        values, chunk = [], 0
        while f"{name}{chunk}" in group.attrs:
            values.extend(_attr_names(group.attrs[f"{name}{chunk}"], label, f"`{name}{chunk}` of `{group.name}`"))
            chunk += 1
    return values if chunk else None


def _check_global_heaps(data, label):
    """Refuse a global heap collection that would make HDF5 loop forever.

    HDF5 keeps variable-length strings (such as the `layer_names` h5py
    writes for Keras 3) in global heap collections, and parses a collection
    entry by entry; an entry with index 0 and size 0 does not move the parser
    on, so it spins forever inside the C library, where no Python timeout
    can stop it (HDF5 1.14.6 and current sources). No writer produces such an
    entry. `data` is the file's bytes, or a `_FileBytes` over the file on
    disk; a collection is found by its header: "GCOL", version 1, three zero
    bytes, an 8-byte size of at least 4096 (the HDF5 minimum). Entries:
    2-byte index, 2-byte reference count, 4 reserved bytes, 8-byte size, then
    the object padded to 8 bytes.
    """
    for pos in data.positions(b"GCOL") if isinstance(data, _FileBytes) else _positions(data, b"GCOL"):
        if data[pos + 4 : pos + 8] == b"\x01\x00\x00\x00" and pos + 16 <= len(data):
            (size,) = struct.unpack("<Q", data[pos + 8 : pos + 16])
            end = pos + size
            p = pos + 16
            while 4096 <= size and end <= len(data) and p + 16 <= end:
                index, _refs, _reserved, length = struct.unpack("<HHIQ", data[p : p + 16])
                need = 16 + (length + 7) // 8 * 8 if index else length
                if need == 0:
                    raise ConversionError(
                        f"{label}: damaged HDF5 file: the global heap collection at byte {pos} has an "
                        f"empty entry at byte {p}, which would make the HDF5 library loop forever",
                        exit_code=EXIT_USAGE,
                    )
                p += need


def _positions(data, needle):
    pos = data.find(needle)
    while pos >= 0:
        yield pos
        pos = data.find(needle, pos + 1)


class _FileBytes:
    """A file's bytes, sliced as `bytes` are, read from disk a window at a time.

    Scanning a window at a time rather than an mmap of the whole file keeps
    memory at the window: every page of a mapped file touched counts as
    resident while it is mapped, so a scan of a whole 1 GB mapping costs 1 GB.
    """

    WINDOW = 16 << 20

    def __init__(self, f):
        self._f = f
        self._size = os.fstat(f.fileno()).st_size
        self._start = 0
        self._window = b""

    def __len__(self):
        return self._size

    def _read(self, start, n):
        self._f.seek(start)
        return self._f.read(n)

    def __getitem__(self, item):
        start, stop, _step = item.indices(self._size)
        if stop <= start:
            return b""
        if not (self._start <= start and stop <= self._start + len(self._window)):
            if stop - start > self.WINDOW:
                return self._read(start, stop - start)
            self._start, self._window = start, self._read(start, self.WINDOW)
        return self._window[start - self._start : stop - self._start]

    def positions(self, needle):
        """Every offset of a 4-byte `needle` in the file, in order (found in windows that overlap)."""
        # Each window is mapped, not copied, and unmapped before the next one, so memory stays at
        # one window. numpy finds the needle's first two bytes as 2-byte words at both alignments,
        # several times faster than bytes.find on float data, where its first byte alone is frequent.
        (pair,) = struct.unpack("<H", needle[:2])
        for start in range(0, self._size, self.WINDOW):
            length = min(self.WINDOW + len(needle) - 1, self._size - start)
            found = []
            with mmap.mmap(self._f.fileno(), length, offset=start, access=mmap.ACCESS_READ) as window:
                for k in (0, 1):
                    words = np.frombuffer(window, dtype="<u2", count=max(0, length - k) // 2, offset=k)
                    hits = (np.flatnonzero(words == pair) * 2 + k).tolist()
                    del words  # the map cannot close while numpy holds it
                    found.extend(p for p in hits if window[p : p + 4] == needle)
            yield from (start + pos for pos in sorted(found) if pos < self.WINDOW)


def _norm_path(path):
    """Windows-saved files may use backslashes inside HDF5 names."""
    return path.replace("\\", "/").strip("/")


def _describe_dtype(dtype):
    """A dataset's element type in words, for refusals."""
    if h5py.check_string_dtype(dtype) is not None:
        return "string"
    if dtype.kind == "b":
        return "bool"
    if h5py.check_enum_dtype(dtype) is not None:
        return f"enum ({dtype.name})"
    if dtype.names:
        return "compound (" + ", ".join(dtype.names) + ")"
    if h5py.check_ref_dtype(dtype) is not None:
        return "object reference"
    if h5py.check_vlen_dtype(dtype) is not None or dtype.kind == "O":
        return "variable-length"
    if dtype.kind in "iuc":
        return dtype.name
    if dtype.kind == "V":
        return f"{dtype.itemsize}-byte opaque"
    return str(dtype)


class _Tensor:
    """One dataset of the file, looked at but not yet read.

    `shape` is a tuple (None for an HDF5 null dataspace); `refusal` says why
    the data cannot be used as weights, or is None; `bfloat16` marks Keras 3's
    bfloat16 storage (2-byte opaque data with the attribute dtype="bfloat16").
    """

    def __init__(self, dset):
        self.name = dset.name.lstrip("/")
        self.dset = dset
        self.shape = None if dset.shape is None else tuple(dset.shape)
        self.bfloat16 = False
        self.refusal = None
        try:
            dtype = dset.dtype
        except TypeError as e:  # an HDF5 type numpy has no equivalent for (bitfield, ...)
            self.refusal = f"has an HDF5 data type that is not floating point ({_cause(e)})"
            return
        if dset.is_virtual:
            # A virtual dataset maps other files; missing ones read as zeros.
            self.refusal = "is a virtual dataset (its data would come from other files)"
        elif dset.external:
            files = ", ".join(str(e[0]) for e in dset.external)
            self.refusal = f"keeps its data in external raw file(s) {files}"
        elif self.shape is None:
            self.refusal = "is an empty (null) dataset"
        elif dtype.kind == "V" and dtype.itemsize == 2 and not dtype.names and self._says_bfloat16(dset):
            self.bfloat16 = True
        elif dtype.kind != "f":
            extra = ""
            if dtype.kind == "V" and dtype.itemsize == 2:
                extra = (
                    " (bfloat16? only Keras 3's .keras and .weights.h5 mark it, with the attribute "
                    'dtype="bfloat16"; a legacy .h5 does not record it)'
                )
            self.refusal = f"holds {_describe_dtype(dtype)} data, not floating point weights{extra}"

    @staticmethod
    def _says_bfloat16(dset):
        value = dset.attrs.get("dtype")
        if isinstance(value, bytes):
            value = value.decode("utf8", "replace")
        return isinstance(value, str) and value == "bfloat16"


class WeightsFile:
    """The tensors of one Keras file, in one of two addressing schemes.

    kind == "keras3":  self.keras3 maps "layers/dense/vars/0" -> _Tensor
                       (model weights only; optimizer/metrics are left out).
    kind == "legacy":  self.legacy_layers is an ordered list of
                       (layer name, [(weight name, _Tensor), ...]) in the
                       order of the `layer_names` attribute.

    Every access to the file goes through `_reading`, so a damaged file gives
    a ConversionError naming it, never a stack trace.
    """

    def __init__(self, path):
        self.path = path
        self.kind = None
        self.format = None  # human-readable description for the report
        self.keras3 = {}
        self.legacy_layers = []
        self._h5 = None
        self._label = path  # names the HDF5 file in errors (the zip member for .keras)
        try:
            self._open(path)
        except BaseException:
            self.close()
            raise

    # -- opening -------------------------------------------------------------

    def _open(self, path):
        # Look before opening: reading a FIFO or a device would block or never
        # end, so only regular files (and directories, below) are opened.
        st = _stat_input(path)
        if stat.S_ISDIR(st.st_mode):
            # An unzipped `.keras` directory (saving with zipped=False).
            inner = os.path.join(path, "model.weights.h5")
            if not os.path.lexists(inner):
                raise ConversionError(
                    f"{path}: is a directory without model.weights.h5",
                    exit_code=EXIT_USAGE,
                )
            self._check_regular(inner, _stat_input(inner))
            self._open_h5(inner, "Keras 3 .keras directory", inner)
            return
        self._check_regular(path, st)
        try:
            with open(path, "rb") as f:
                head = f.read(8)
        except OSError as e:
            raise ConversionError(f"{path}: cannot read: {_cause(e)}", exit_code=EXIT_USAGE) from None

        if head == _HDF5_MAGIC:
            self._open_h5(path, None, path)
        elif head[:4] == b"PK\x03\x04" or zipfile.is_zipfile(path):
            self._open_keras_zip(path)
        else:
            # HDF5 files may start with a user block; let h5py decide.
            self._open_h5(path, None, path, magic_ok=False)

    @staticmethod
    def _check_regular(path, st):
        if not stat.S_ISREG(st.st_mode):
            raise ConversionError(f"{path}: is {_file_type(st.st_mode)}, not a regular file", exit_code=EXIT_USAGE)
        if st.st_size == 0:
            raise ConversionError(f"{path}: is empty (0 bytes)", exit_code=EXIT_USAGE)

    def _open_keras_zip(self, path):
        with _reading(path, "damaged zip file"):
            with zipfile.ZipFile(path) as z:
                members = collections.defaultdict(list)
                for info in z.infolist():
                    members[_norm_path(info.filename)].append(info)
                if "model.weights.h5" not in members:
                    if "model.weights.npz" in members:
                        raise ConversionError(
                            f"{path}: weights are stored as model.weights.npz; only the default "
                            "HDF5 weights format is supported",
                            exit_code=EXIT_USAGE,
                        )
                    raise ConversionError(
                        f"{path}: a zip file without model.weights.h5, not a .keras model",
                        exit_code=EXIT_USAGE,
                    )
                if len(members["model.weights.h5"]) > 1:
                    raise ConversionError(
                        f"{path}: the zip holds model.weights.h5 more than once", exit_code=EXIT_USAGE
                    )
                info = members["model.weights.h5"][0]
                if info.flag_bits & 0x1:
                    raise ConversionError(
                        f"{path}: model.weights.h5 is encrypted in the zip (Keras never encrypts .keras files)",
                        exit_code=EXIT_USAGE,
                    )
                if info.compress_type not in _ZIP_METHODS:
                    raise ConversionError(
                        f"{path}: model.weights.h5 uses zip compression method {info.compress_type}, "
                        f"which this script cannot read (it reads {', '.join(_ZIP_METHODS.values())})",
                        exit_code=EXIT_USAGE,
                    )
                if info.file_size > _ZIP_BOMB_FLOOR and info.file_size > _ZIP_BOMB_RATIO * info.compress_size:
                    raise ConversionError(
                        f"{path}: model.weights.h5 declares {info.file_size} bytes but stores only "
                        f"{info.compress_size}; refusing a likely decompression bomb",
                        exit_code=EXIT_USAGE,
                    )
                # Reading the whole member checks its CRC-32 (zipfile raises
                # BadZipFile on a mismatch), so damaged bytes anywhere in it,
                # float data included, are caught.
                data = z.read(info)
        self._open_h5(data, "Keras 3 .keras zip", f"{path}: model.weights.h5")

    def _open_h5(self, source, fmt, label, magic_ok=True):
        """Open `source` (a path, or the bytes of a zip member); `label` names it in errors."""
        self._label = label
        # Before h5py reads anything: see _check_global_heaps.
        if isinstance(source, bytes):
            _check_global_heaps(source, label)
            source = io.BytesIO(source)
        else:
            with _reading(label, "cannot read"):
                with open(source, "rb") as f:
                    _check_global_heaps(_FileBytes(f), label)
        try:
            self._h5 = h5py.File(source, "r")
        except Exception as e:
            what = f"damaged HDF5 file: {_cause(e)}" if magic_ok else "not an HDF5 or .keras file"
            raise ConversionError(f"{label}: {what}", exit_code=EXIT_USAGE) from None

        with _reading(label, "damaged HDF5 file"):
            root = self._h5
            if "layer_names" in root.attrs or _h5_attr_list(root, "layer_names", label) is not None:
                self._read_legacy(root, fmt or "legacy HDF5 weights (save_weights)", label)
            elif (
                "model_weights" in root
                and isinstance(root["model_weights"], h5py.Group)
                and _h5_attr_list(root["model_weights"], "layer_names", label) is not None
            ):
                self._read_legacy(root["model_weights"], fmt or "legacy HDF5 full model", label)
            elif any(_norm_path(k).split("/")[0] in ("layers", "vars") for k in root.keys()):
                self._read_keras3(root, fmt or "Keras 3 .weights.h5")
            else:
                raise ConversionError(
                    f"{label}: HDF5 file with neither a `layer_names` attribute (legacy Keras) "
                    "nor a `layers`/`vars` group (Keras 3); not a Keras weights file",
                    exit_code=EXIT_USAGE,
                )

    # -- Keras 3: paths ------------------------------------------------------

    def _read_keras3(self, root, fmt):
        self.kind, self.format = "keras3", fmt
        found = {}

        # visititems follows hard links only: soft and external links, which
        # Keras never writes, are not seen (their targets read as missing).
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                found[_norm_path(name)] = obj

        root.visititems(visit)
        self.keras3 = {
            p: _Tensor(d) for p, d in sorted(found.items()) if p.split("/")[0] not in _KERAS3_NON_MODEL_ROOTS
        }

    # -- legacy: layer names + weight_names ----------------------------------

    def _read_legacy(self, group, fmt, label):
        self.kind, self.format = "legacy", fmt
        layer_names = _h5_attr_list(group, "layer_names", label) or []
        # Keras 3 also writes the model's own variables here (not in layer_names).
        if "top_level_model_weights" in group and "top_level_model_weights" not in layer_names:
            layer_names = layer_names + ["top_level_model_weights"]
        seen = set()
        for lname in layer_names:
            if lname in seen:
                raise ConversionError(f"{label}: layer `{lname}` is listed twice in layer_names", exit_code=EXIT_USAGE)
            seen.add(lname)
            lgroup = self._child(group, lname, label)
            if lgroup is None:
                raise ConversionError(
                    f"{label}: layer `{lname}` is listed in layer_names but has no group",
                    exit_code=EXIT_USAGE,
                )
            if not isinstance(lgroup, h5py.Group):
                raise ConversionError(
                    f"{label}: layer `{lname}` listed in layer_names is not a group", exit_code=EXIT_USAGE
                )
            weights = []
            for wname in _h5_attr_list(lgroup, "weight_names", label) or []:
                dset = self._child(lgroup, wname, label)
                if not isinstance(dset, h5py.Dataset):
                    raise ConversionError(
                        f"{label}: weight `{wname}` of layer `{lname}` is missing from the file",
                        exit_code=EXIT_USAGE,
                    )
                weights.append((wname, _Tensor(dset)))
            self.legacy_layers.append((lname, weights))

    @staticmethod
    def _child(group, name, label):
        """group[name] through hard links only, or None when absent.

        Tolerates `/` vs `\\` differences in stored names. A soft or external
        link on the way is refused: Keras never writes one, and an external
        link would read another file.
        """
        for candidate in (name, name.replace("\\", "/"), name.replace("/", "\\")):
            node = group
            for part in candidate.split("/"):
                if part in ("", "."):
                    continue
                link = node.get(part, getlink=True) if isinstance(node, h5py.Group) else None
                if link is None:
                    node = None
                    break
                if not isinstance(link, h5py.HardLink):
                    raise ConversionError(
                        f"{label}: `{name}` in `{group.name}` goes through {link!r}; links are refused",
                        exit_code=EXIT_USAGE,
                    )
                node = node[part]
            if node is not None:
                return node
        return None

    # -- reading data --------------------------------------------------------

    def read(self, tensor, rows=None, into=None, cols=None):
        """The data of a usable _Tensor as a float32 numpy array: all of it, or rows
        `rows[0]:rows[1]` of its first axis, or columns `cols[0]:cols[1]` of a matrix (HDF5
        hyperslabs). Little-endian float32 data is read straight into `into` when given (a float32
        array of the selection's shape)."""
        with _reading(self._label, f"damaged HDF5 file: cannot read `{tensor.name}`"):
            if cols is not None:
                selection = np.s_[:, cols[0] : cols[1]]
            elif rows is not None:
                selection = np.s_[rows[0] : rows[1]]
            else:
                selection = ()
            if into is not None and not tensor.bfloat16 and tensor.dset.dtype == np.dtype("<f4"):
                tensor.dset.read_direct(into, source_sel=selection)
                return into
            array = np.asarray(tensor.dset[selection])
        if tensor.bfloat16:
            # bfloat16 is the top half of a float32.
            return (array.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
        with np.errstate(over="ignore"):  # float64 beyond float32's range: inf, warned about
            return array.astype(np.float32)

    def close(self):
        if self._h5 is not None:
            try:
                self._h5.close()
            except Exception:
                pass  # read-only: nothing can be lost, and the real error is already raised
            self._h5 = None


# ---------------------------------------------------------------------------
# Matching the table to the file
# ---------------------------------------------------------------------------


def _legacy_layer_order(tensors):
    """Legacy layers named by the table, in order of first appearance, with
    the Keras shape expected at each weight index."""
    layers = collections.OrderedDict()
    for _key, _path, lname, lindex, kshape, _tf in tensors:
        layers.setdefault(lname, {})[lindex] = tuple(kshape)
    return layers


def _shape_fits(shape, expected):
    """Whether a file's shape is the table's; `None` in the table is an axis a
    constructor parameter of the class sizes (any size fits)."""
    return len(shape) == len(expected) and all(e is None or s == e for s, e in zip(shape, expected))


def _shapes_fit(shapes, expected):
    return (
        expected is not None
        and len(shapes) == len(expected)
        and all(_shape_fits(s, e) for s, e in zip(shapes, expected))
    )


def _shape_list(expected):
    """Expected shapes by index as a list, or None if the indices have gaps."""
    n = max(expected) + 1 if expected else 0
    if sorted(expected) != list(range(n)):
        return None
    return [expected[i] for i in range(n)]


def _pair_in_order(exp_names, exp_layers, file_names, file_layers):
    """Pair expected and file layers one-to-one, in order, requiring equal
    shape lists. Returns (pairs, problems)."""
    problems = []
    if len(exp_names) != len(file_names):
        problems.append(
            f"cannot match by order: {len(exp_names)} expected layer(s) "
            f"[{', '.join(exp_names)}] but the file has {len(file_names)} "
            f"layer(s) with weights [{', '.join(file_names)}]"
        )
        return {}, problems
    pairs = {}
    for e, f in zip(exp_names, file_names):
        want = _shape_list(exp_layers[e])
        have = [d.shape for _n, d in file_layers[f]]
        if not _shapes_fit(have, want):
            problems.append(
                f"cannot match expected layer `{e}` (shapes {want}) with file layer `{f}` "
                f"(shapes {have}) by order: shapes differ"
            )
        else:
            pairs[e] = f
    return pairs, problems


def _match_legacy_layers(tensors, wfile):
    """Decide which file layer feeds each legacy layer of the table.

    Returns ({expected layer: (file layer, strategy)}, problems).

    Both the table and the file's `layer_names` list layers in `model.layers`
    order, so a correct matching always preserves order.

    1. "name": every legacy layer name of the table exists in the file.
    2. Otherwise auto-generated names have drifted between Keras sessions
       (`dense_3` in the file, `dense` in a fresh build), and a name that does
       exist may even belong to a different layer. Then:
       (a) names where found, the remaining expected layers paired in order
           with the remaining file layers that have weights; accepted when
           every pair's shape lists agree and the matching preserves order;
       (b) failing that, every expected layer paired in order with every file
           layer that has weights, shape lists agreeing ("order+shape").
       If neither holds (counts differ, shapes disagree) it is an error: the
       runtime never guesses.
    """
    expected = _legacy_layer_order(tensors)
    file_layers = collections.OrderedDict(wfile.legacy_layers)
    file_with_weights = [n for n, ws in wfile.legacy_layers if ws]
    position = {n: i for i, n in enumerate(file_layers)}

    missing = [e for e in expected if e not in file_layers]
    if not missing:
        return {e: (e, "name") for e in expected}, []

    # (a) names first, order+shape for the rest.
    by_name = [e for e in expected if e in file_layers]
    rest_file = [f for f in file_with_weights if f not in set(by_name)]
    pairs_a, problems_a = _pair_in_order(missing, expected, rest_file, file_layers)
    for e in by_name:
        want = _shape_list(expected[e])
        have = [d.shape for _n, d in file_layers[e]]
        if not _shapes_fit(have, want):
            problems_a.append(
                f"layer `{e}` exists in the file but its shapes {have} differ from the "
                f"expected {want} (a drifted auto-generated name?)"
            )
    match_a = {e: (e, "name") for e in by_name}
    match_a.update({e: (f, "order+shape") for e, f in pairs_a.items()})
    if not problems_a and len(match_a) == len(expected):
        found_order = [position[match_a[e][0]] for e in expected]
        if found_order == sorted(found_order):
            return match_a, []
        problems_a.append("matching by the names found would reorder layers")

    # (b) order+shape for every layer.
    pairs_b, problems_b = _pair_in_order(list(expected), expected, file_with_weights, file_layers)
    if not problems_b and len(pairs_b) == len(expected):
        # A layer whose name also agrees (an explicit `name=`) is reported as "name".
        return {e: (f, "name" if e == f else "order+shape") for e, f in pairs_b.items()}, []

    head = (
        f"legacy layer name(s) {', '.join('`%s`' % m for m in missing)} not found in the file "
        f"(file layers with weights: {', '.join(file_with_weights) or 'none'}), and matching "
        "by order and shape failed:"
    )
    return {}, [head] + ["  " + p for p in problems_b]


def _apply_transforms(array, transforms):
    """Apply the table's transforms in order (see internal-interfaces.md)."""
    for t in transforms:
        op = t[0]
        if op == "transpose":
            axes = tuple(t[1])
            if len(axes) != array.ndim:
                raise ValueError(f"transpose axes {axes} do not fit shape {array.shape}")
            array = np.transpose(array, axes)
        elif op == "permute_rows":
            shape, axes = tuple(t[1]), tuple(t[2])
            n = int(np.prod(shape))
            if array.shape[0] != n:
                raise ValueError(f"permute_rows over {shape} needs {n} rows, the tensor has {array.shape[0]}")
            order = np.arange(n).reshape(shape).transpose(axes).ravel()
            array = array[order]
        elif op == "reshape":
            # Row-major, as numpy reshapes: a depthwise kernel's (in, multiplier) become one axis.
            shape = tuple(t[1])
            if int(np.prod(shape)) != array.size:
                raise ValueError(f"reshape to {shape} does not fit shape {array.shape}")
            array = array.reshape(shape)
        elif op == "index":
            # One row of a stacked variable: GRU's (2, 3u) bias holds the input and the recurrent bias.
            index = int(t[1])
            if array.ndim == 0 or not 0 <= index < array.shape[0]:
                raise ValueError(f"index {index} does not fit shape {array.shape}")
            array = array[index]
        elif op == "reorder_blocks":
            # Gate order: cut the first axis into equal blocks and reorder them (Keras z,r,h → PyTorch r,z,n).
            order = tuple(t[1])
            if array.shape[0] % len(order) != 0:
                raise ValueError(f"{len(order)} blocks do not divide shape {array.shape}")
            blocks = np.split(array, len(order), axis=0)
            array = np.concatenate([blocks[i] for i in order], axis=0)
        else:
            raise ValueError(f"unknown transform {op!r}")
    return array


def _transformed_shape(shape, transforms):
    """The shape `_apply_transforms` gives an array of `shape`, with its checks and messages, from the
    shape alone (nothing is read)."""
    shape = tuple(shape)
    for t in transforms:
        op = t[0]
        if op == "transpose":
            axes = tuple(t[1])
            if len(axes) != len(shape):
                raise ValueError(f"transpose axes {axes} do not fit shape {shape}")
            np.empty((1,) * len(shape), np.int8).transpose(axes)  # numpy's own refusal of bad axes
            shape = tuple(shape[a] for a in axes)
        elif op == "permute_rows":
            rows, axes = tuple(t[1]), tuple(t[2])
            n = int(np.prod(rows))
            if shape[0] != n:
                raise ValueError(f"permute_rows over {rows} needs {n} rows, the tensor has {shape[0]}")
            np.empty(rows, np.int8).transpose(axes)  # numpy's own refusal of bad axes
        elif op == "reshape":
            target = tuple(t[1])
            if int(np.prod(target)) != int(np.prod(shape)):
                raise ValueError(f"reshape to {target} does not fit shape {shape}")
            shape = target
        elif op == "index":
            index = int(t[1])
            if len(shape) == 0 or not 0 <= index < shape[0]:
                raise ValueError(f"index {index} does not fit shape {shape}")
            shape = shape[1:]
        elif op == "reorder_blocks":
            order = tuple(t[1])
            if shape[0] % len(order) != 0:
                raise ValueError(f"{len(order)} blocks do not divide shape {shape}")
            [list(range(len(order)))[i] for i in order]  # an index out of range raises, as np.split's blocks do
        else:
            raise ValueError(f"unknown transform {op!r}")
    return shape


def _describe_transforms(transforms):
    if not transforms:
        return "-"
    parts = []
    for t in transforms:
        parts.append(
            t[0] + "(" + ", ".join(str(tuple(a)) if isinstance(a, (list, tuple)) else str(a) for a in t[1:]) + ")"
        )
    return " then ".join(parts)


# The dtypes a constant of the table may have: the safetensors dtype and the numpy type of each.
# A constant is made by numpy when its value is exactly torch.full's (float32 and int64, the only
# dtypes keras2torch writes), else by torch.full itself.
_SAFETENSORS_DTYPES = {
    "float32": ("F32", "<f4"),
    "float64": ("F64", None),
    "float16": ("F16", None),
    "bfloat16": ("BF16", None),
    "int64": ("I64", "<i8"),
    "int32": ("I32", None),
    "int16": ("I16", None),
    "int8": ("I8", None),
    "uint8": ("U8", None),
    "bool": ("BOOL", None),
}


def _to_tensor(array):
    """A contiguous, owning torch tensor of the array's shape (0-d stays 0-d); floating point data
    as float32."""
    array = np.asarray(array)
    return _torch().from_numpy(np.array(array, dtype=np.float32 if array.dtype.kind == "f" else None, order="C"))


def check_schema():
    """Refuse a table this runtime cannot read: SCHEMA must be MAPPING_SCHEMA."""
    if globals().get("MODELS") is None:
        raise ConversionError(
            "this is the shared weights runtime, not a weights script: run one of the *_weights.py "
            "scripts of this output folder",
            exit_code=EXIT_USAGE,
        )
    schema = globals().get("SCHEMA")
    if schema != MAPPING_SCHEMA:
        raise ConversionError(
            f"the mapping table is of schema {schema!r}, this runtime reads schema {MAPPING_SCHEMA}; "
            "regenerate the weights scripts with `keras2torch convert ...` (or `--standalone-weights`)",
            exit_code=EXIT_USAGE,
        )


def select_model(model_name=None):
    """The MODELS entry for `model_name` (default PRIMARY)."""
    check_schema()
    name = model_name or PRIMARY
    if name not in MODELS:
        raise ConversionError(
            f"unknown model `{name}`; this script knows: {', '.join(MODELS)}",
            exit_code=EXIT_USAGE,
        )
    return name, MODELS[name]


def _table(model_name):
    """(name, tensor rows, constant rows) of model `model_name`, its keys checked to be unique."""
    name, spec = select_model(model_name)
    tensors = list(spec.get("tensors", ()))
    constants = list(spec.get("constants", ()))

    keys = [t[0] for t in tensors if t[0] is not None] + [c[0] for c in constants]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise ConversionError(
            f"the mapping table of `{name}` is broken: duplicate state_dict keys",
            [f"`{k}`" for k in dupes],
        )
    return name, tensors, constants


def convert(keras_file, model_name=None):
    """Read `keras_file` and build the state_dict of model `model_name`.

    Returns (state_dict, report): state_dict is an OrderedDict of torch
    tensors in table order (tensors first, then constants); report is a dict
    with "model", "file", "format", "rows" (one dict per state_dict key:
    key, source, shape, transforms, strategy), "strategies" (legacy layer
    -> (file layer, "name" | "order+shape"); empty for Keras 3 files) and
    "warnings" (lines naming tensors with NaN or Inf values; they are kept).
    Raises ConversionError listing every problem found, or naming the file
    and what is wrong with it when it cannot be read.
    """
    name, tensors, constants = _table(model_name)
    wfile = WeightsFile(keras_file)
    try:
        plan = _plan(name, tensors, constants, wfile)
        torch = _torch()
        values = {}
        for item in plan.tensors:
            array = wfile.read(item.tensor)
            counts = [0, 0, 0]
            _count_nonfinite(array, counts)
            plan.warn(item, counts)
            values[item.key] = _to_tensor(_apply_transforms(array, item.transforms))
        for key, shape, dtype, fill in plan.constants:
            values[key] = torch.full(tuple(shape), fill, dtype=getattr(torch, dtype))
        state_dict = collections.OrderedDict((key, values[key]) for key in plan.keys)
        return state_dict, plan.report
    finally:
        wfile.close()


def _torch():
    """torch, imported only when a torch tensor is made: `import torch` alone takes seconds."""
    return _import_library("torch")


_NONFINITE_NAMES = ("NaN", "+Inf", "-Inf")


def _count_nonfinite(array, counts):
    """Add the NaN, +Inf and -Inf values of a float32 array to counts[0..2]."""
    # A sum is finite only when every value is (NaN and Inf carry through it): one fast pass over
    # the data, and the counts are made only when it is not (or a sum of finite values overflowed).
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(array, axis=None)
    if np.isfinite(total):
        return
    counts[0] += int(np.count_nonzero(np.isnan(array)))
    counts[1] += int(np.count_nonzero(np.isposinf(array)))
    counts[2] += int(np.count_nonzero(np.isneginf(array)))


class _Planned:
    """A tensor row that passed every check: what to read, how to transform it, its torch shape."""

    def __init__(self, key, tensor, transforms, shape, source):
        self.key = key
        self.tensor = tensor
        self.transforms = transforms
        self.shape = shape
        self.source = source


class _Plan:
    def __init__(self, tensors, constants, keys, report, path):
        self.tensors = tensors
        self.constants = constants
        self.keys = keys
        self.report = report
        self._path = path

    def warn(self, item, counts):
        """Record a tensor's non-finite values (they are written, with a warning)."""
        if any(counts):
            bad = ", ".join(f"{n} {what}" for n, what in zip(counts, _NONFINITE_NAMES) if n)
            self.report["warnings"].append(
                f"{self._path}: {item.source} (for `{item.key}`) has non-finite values: {bad}"
            )


def _plan(name, tensors, constants, wfile):
    """Match the table to the file and check every tensor on the file's metadata alone.

    Raises ConversionError listing every problem; no tensor data is read.
    """
    problems = []
    rows = []
    planned = []
    consumed = set()  # keras 3 paths or (file layer, index) pairs read
    strategies = collections.OrderedDict()

    if wfile.kind == "legacy":
        layer_match, match_problems = _match_legacy_layers(tensors, wfile)
        problems.extend(match_problems)
        strategies.update(layer_match)
        file_layers = dict(wfile.legacy_layers)

    for key, k3path, lname, lindex, kshape, transforms in tensors:
        kshape = tuple(kshape)
        if key is None:
            # A Keras variable the module does not need (Normalization's `count`): passed over.
            if wfile.kind == "keras3":
                consumed.add(_norm_path(k3path))
            elif lname in layer_match:
                consumed.add((layer_match[lname][0], lindex))
            continue
        if wfile.kind == "keras3":
            source, strategy = k3path, "path"
            tensor = wfile.keras3.get(_norm_path(k3path))
            if tensor is None:
                problems.append(f"missing: `{k3path}` (for `{key}`, shape {kshape})")
                continue
            consumed.add(_norm_path(k3path))
        else:
            if lname not in layer_match:
                if not match_problems:
                    problems.append(f"missing: legacy layer `{lname}` (for `{key}`)")
                continue
            flayer, strategy = layer_match[lname]
            weights = file_layers[flayer]
            if lindex >= len(weights):
                problems.append(
                    f"missing: weight #{lindex} of legacy layer `{flayer}` (for `{key}`, shape "
                    f"{kshape}); the layer has {len(weights)} weight(s)"
                )
                continue
            wname, tensor = weights[lindex]
            source = f"{flayer}[{lindex}] {wname}"
            consumed.add((flayer, lindex))

        if tensor.refusal:
            problems.append(f"refused: {source} (for `{key}`) {tensor.refusal}")
            continue
        if not _shape_fits(tensor.shape, kshape):
            problems.append(f"mis-shaped: {source} has shape {tensor.shape}, `{key}` expects Keras shape {kshape}")
            continue
        try:
            shape = _transformed_shape(tensor.shape, transforms)
        except ValueError as e:
            problems.append(f"mis-shaped: {source} for `{key}`: {e}")
            continue
        planned.append(_Planned(key, tensor, transforms, shape, source))
        rows.append(
            {
                "key": key,
                "source": source,
                "shape": shape,
                "transforms": _describe_transforms(transforms),
                "strategy": strategy,
            }
        )

    # Unexpected: model weights in the file that no table row consumed.
    if wfile.kind == "keras3":
        for path, tensor in wfile.keras3.items():
            if path not in consumed:
                problems.append(f"unexpected: `{path}` shape {tensor.shape} is not used")
    else:
        matched_file_layers = {f for f, _s in strategies.values()}
        for flayer, weights in wfile.legacy_layers:
            # When layer matching failed, the layers it could not place are
            # already reported; do not list their weights twice.
            if match_problems and flayer not in matched_file_layers:
                continue
            for i, (wname, tensor) in enumerate(weights):
                if (flayer, i) not in consumed:
                    problems.append(
                        f"unexpected: legacy layer `{flayer}` weight #{i} `{wname}` shape {tensor.shape} is not used"
                    )

    planned_constants = []
    for key, shape, dtype, fill in constants:
        if dtype not in _SAFETENSORS_DTYPES:
            problems.append(f"the mapping table gives `{key}` an unknown dtype {dtype!r}")
            continue
        planned_constants.append((key, tuple(shape), dtype, fill))
        rows.append(
            {
                "key": key,
                "source": f"constant {fill!r}",
                "shape": tuple(shape),
                "transforms": dtype,
                "strategy": "constant",
            }
        )

    report = {
        "model": name,
        "file": wfile.path,
        "format": wfile.format,
        "rows": rows,
        "strategies": strategies,
        "problems": problems,
        "warnings": [],
    }
    if problems:
        raise ConversionError(
            f"{wfile.path}: cannot build the state_dict of `{name}` ({len(problems)} problem(s)):",
            problems,
        )
    keys = [t[0] for t in tensors if t[0] is not None] + [c[0] for c in constants]
    return _Plan(planned, planned_constants, keys, report, wfile.path)


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def _output_kind(output):
    lower = output.lower()
    if lower.endswith(".safetensors"):
        return "safetensors"
    if lower.endswith((".pt", ".pth")):
        return "torch"
    return None


def check_output(output, keras_file=None):
    """Refuse an OUTPUT that cannot be written, before any input is read."""
    kind = _output_kind(output)
    if kind is None:
        raise ConversionError(f"{output}: OUTPUT must end in .safetensors, .pt or .pth", exit_code=EXIT_USAGE)
    directory = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(directory):
        raise ConversionError(f"{output}: directory {directory} does not exist", exit_code=EXIT_USAGE)
    if os.path.isdir(output):
        raise ConversionError(f"{output}: is a directory", exit_code=EXIT_USAGE)
    try:
        same = keras_file is not None and os.path.exists(output) and os.path.samefile(output, keras_file)
    except OSError:
        same = False
    if same:
        raise ConversionError(f"{output}: is KERAS_FILE itself; refusing to overwrite the input", exit_code=EXIT_USAGE)
    return kind


@contextlib.contextmanager
def _atomic_output(output):
    """Yield (fd, temp path) of a temp file in OUTPUT's directory, renamed over OUTPUT when the block
    succeeds and removed when it fails; an OSError becomes `OUTPUT: cannot write: ...`."""
    directory = os.path.dirname(os.path.abspath(output))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(output) + ".", suffix=".tmp")
    except OSError as e:
        raise ConversionError(f"{output}: cannot write: {_cause(e)}", exit_code=EXIT_USAGE) from None
    try:
        try:
            yield fd, tmp
        finally:
            os.close(fd)
        os.replace(tmp, output)
    except OSError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise ConversionError(f"{output}: cannot write: {_cause(e)}", exit_code=EXIT_USAGE) from None
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def save_state_dict(state_dict, output):
    """Write atomically: a temp file in the same directory, then os.replace."""
    kind = check_output(output)
    with _atomic_output(output) as (_fd, tmp):
        if kind == "safetensors":
            # safetensors is only needed (and only imported) for this format.
            st_torch = _import_library("safetensors.torch")
            st_torch.save_file(dict(state_dict), tmp, metadata={"format": "pt"})
        else:
            _torch().save(state_dict, tmp)


# Bytes of source rows read and checked at a time when a tensor is streamed (a whole tensor when it is
# smaller): the memory a streamed tensor takes, with a transposed piece of PIECE_BYTES. Large, because
# a transposed block is written as one run per output row, n rows long: longer runs, fewer writes.
_BLOCK_BYTES = 128 << 20
_PIECE_BYTES = 4 << 20
# A transposed tensor is streamed when each block's output runs (one positional write each) are at
# least this long; else (a conv kernel, whose runs are a few elements) it is read whole.
_MIN_RUN_BYTES = 4096

# safetensors orders tensors by dtype, descending in its Rust `Dtype` enum, then by name.
_SAFETENSORS_ORDER = ["BOOL", "U8", "I8", "I16", "F16", "BF16", "I32", "F32", "F64", "I64"]


def safetensors_layout(entries, metadata=None):
    """The header of a .safetensors file holding `entries` [(key, dtype, shape)], as the safetensors
    library's `save_file` lays it out byte for byte, and [(key, begin, end)] in file order (offsets
    into the data after the header)."""
    order = sorted(entries, key=lambda e: (-_SAFETENSORS_ORDER.index(e[1]), e[0].encode("utf8")))
    sizes = {"BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "F16": 2, "BF16": 2, "I32": 4, "F32": 4, "F64": 8, "I64": 8}
    header = {"__metadata__": {"format": "pt"} if metadata is None else metadata}
    placed, offset = [], 0
    for key, dtype, shape in order:
        end = offset + int(np.prod(shape, dtype=np.int64)) * sizes[dtype]
        header[key] = {"dtype": dtype, "shape": [int(d) for d in shape], "data_offsets": [offset, end]}
        placed.append((key, offset, end))
        offset = end
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text, placed


def _write_at(fd, data, offset):
    """Write a C-contiguous buffer at byte `offset` of the file."""
    view = memoryview(data).cast("B")
    while view:
        n = os.pwrite(fd, view, offset)
        view, offset = view[n:], offset + n


def _stream_layout(shape, transforms):
    """How a tensor whose transforms only transpose is written a block of source rows at a time, or
    None. Returns (block rows, origin, inner, outer): output axis j is source axis origin[j]; a block
    of n source rows, transposed, is `outer` runs of n * inner elements, run o landing at output
    element (o * rows + r0) * inner."""
    if not shape or not all(t[0] == "transpose" for t in transforms):
        return None
    origin = list(range(len(shape)))
    for t in transforms:
        origin = [origin[a] for a in t[1]]
    out_shape = [shape[k] for k in origin]
    first = origin.index(0)
    inner = int(np.prod(out_shape[first + 1 :], dtype=np.int64))
    outer = int(np.prod(out_shape[:first], dtype=np.int64))
    row = int(np.prod(shape[1:], dtype=np.int64))
    rows = shape[0]
    block_rows = max(1, min(rows, _BLOCK_BYTES // (4 * max(row, 1))))
    if block_rows < rows and outer > 1 and block_rows * inner * 4 < _MIN_RUN_BYTES:
        return None
    return block_rows, origin, inner, outer


class _Buffers:
    """Float32 buffers reused by every tensor: 0 a block as read, 1 a transposed piece of it."""

    def __init__(self):
        self._arrays = [np.empty(0, np.float32), np.empty(0, np.float32)]

    def get(self, which, shape):
        n = int(np.prod(shape, dtype=np.int64))
        if self._arrays[which].size < n:
            self._arrays[which] = None  # let the old one go before the new one is allocated
            self._arrays[which] = np.empty(n, np.float32)
        return self._arrays[which][:n].reshape(shape)


def _write_tensor(fd, wfile, item, at, buffers):
    """Write one tensor's float32 bytes at byte `at`; returns its non-finite counts."""
    counts = [0, 0, 0]
    shape = item.tensor.shape
    if int(np.prod(shape, dtype=np.int64)) == 0:
        return counts
    layout = _stream_layout(shape, item.transforms)
    if layout is None:
        # The whole tensor at once (rows reordered, a reshape, a conv kernel), written in pieces of
        # output rows so that a transposed view is copied a piece at a time.
        array = wfile.read(item.tensor)
        _count_nonfinite(array, counts)
        array = _apply_transforms(array, item.transforms)
        if array.ndim == 0:
            _write_at(fd, np.ascontiguousarray(array, dtype="<f4"), at)
            return counts
        step = max(1, _PIECE_BYTES // max(1, array[:1].nbytes))
        for i in range(0, array.shape[0], step):
            piece = np.ascontiguousarray(array[i : i + step], dtype="<f4")
            _write_at(fd, piece, at)
            at += piece.nbytes
        return counts
    block_rows, origin, inner, _outer = layout
    rows = shape[0]
    if origin == [1, 0] and block_rows < rows:
        return _write_matrix_by_columns(fd, wfile, item, at, buffers)
    for r0 in range(0, rows, block_rows):
        n = min(block_rows, rows - r0)
        block_shape = (n,) + tuple(shape[1:])
        block = wfile.read(item.tensor, (r0, r0 + n), buffers.get(0, block_shape))
        _count_nonfinite(block, counts)
        if origin == sorted(origin):
            _write_at(fd, block, at + r0 * inner * 4)  # nothing moves
        elif origin[0] == 0:
            # Source axis 0 stays first: the block is one run of the output, copied in pieces of rows.
            moved = np.transpose(block, origin)
            step = max(1, _PIECE_BYTES // max(1, moved[:1].nbytes))
            for i in range(0, n, step):
                piece = buffers.get(1, (min(step, n - i),) + moved.shape[1:])
                np.copyto(piece, moved[i : i + step])
                _write_at(fd, piece, at + (r0 + i) * inner * 4)
        else:
            _write_runs(fd, block, origin, n, rows, r0, inner, at, buffers)
    return counts


def _write_matrix_by_columns(fd, wfile, item, at, buffers):
    """A transposed matrix too large for one block (a big Dense kernel): read a band of source
    columns at a time, which are whole rows of the output, so that each transposed piece is one
    write (a block of source rows would land as one short run per output row)."""
    counts = [0, 0, 0]
    rows, cols = item.tensor.shape
    band = max(1, min(cols, _BLOCK_BYTES // (4 * rows)))
    step = max(1, _PIECE_BYTES // (4 * rows))
    for c0 in range(0, cols, band):
        k = min(band, cols - c0)
        block = wfile.read(item.tensor, into=buffers.get(0, (rows, k)), cols=(c0, c0 + k))
        _count_nonfinite(block, counts)
        for j0 in range(0, k, step):
            j1 = min(k, j0 + step)
            piece = buffers.get(1, (j1 - j0, rows))
            # Strips of 16 source rows, so that each write of the copy fills a cache line.
            for r in range(0, rows, 16):
                piece[:, r : r + 16] = block[r : r + 16, j0:j1].T
            _write_at(fd, piece, at + (c0 + j0) * rows * 4)
    return counts


def _write_runs(fd, block, origin, n, rows, r0, inner, at, buffers):
    """A transposed block of n source rows from row r0: its runs of n * inner elements, one per
    output index before source axis 0, each written where it lands. The block is transposed a
    piece at a time (output indices a0:a1 along the first axis)."""
    moved = np.transpose(block, origin)
    runs_per_a = int(np.prod(moved.shape[1 : origin.index(0)], dtype=np.int64))
    per_a = moved[:1].size
    step = max(1, (_PIECE_BYTES // 4) // per_a)
    run = n * inner * 4
    for a0 in range(0, moved.shape[0], step):
        a1 = min(moved.shape[0], a0 + step)
        piece = buffers.get(1, (a1 - a0,) + moved.shape[1:])
        if origin == [1, 0]:
            # A Dense kernel: strips of 16 source rows, so that each write of the copy fills a cache
            # line (numpy's plain transposed copy runs at half the speed).
            for r in range(0, n, 16):
                piece[:, r : r + 16] = block[r : r + 16, a0:a1].T
        else:
            np.copyto(piece, moved[a0:a1])
        if n == rows:
            # The block is the whole tensor: its runs follow each other.
            _write_at(fd, piece, at + a0 * per_a * 4)
            continue
        flat = memoryview(piece.reshape(-1)).cast("B")
        for k in range((a1 - a0) * runs_per_a):
            o = a0 * runs_per_a + k
            _write_at(fd, flat[k * run : (k + 1) * run], at + (o * rows + r0) * inner * 4)


def _constant_bytes(shape, dtype, fill):
    code, numpy_type = _SAFETENSORS_DTYPES[dtype]
    if numpy_type is not None:
        return np.full(shape, fill, dtype=numpy_type)
    torch = _torch()
    value = torch.full(shape, fill, dtype=getattr(torch, dtype))
    return value.reshape(-1).view(torch.uint8).numpy()


def stream_safetensors(keras_file, output, model_name=None, on_report=None):
    """Convert `keras_file` into the .safetensors file `output` without holding the state_dict.

    Every check is made on the file's metadata first (the same problems as `convert`, and nothing is
    written when there is one); `on_report(report)` is then called, before any data is read. The
    header goes first, then each tensor in turn, a block of rows at a time, to a temp file renamed
    to `output` at the end. The bytes are those `save_state_dict` writes for `convert`'s state_dict.
    Returns the report, its "warnings" filled in.
    """
    if check_output(output, keras_file) != "safetensors":
        raise ConversionError(f"{output}: stream_safetensors writes .safetensors only", exit_code=EXIT_USAGE)
    name, tensors, constants = _table(model_name)
    wfile = WeightsFile(keras_file)
    try:
        plan = _plan(name, tensors, constants, wfile)
        if on_report:
            on_report(plan.report)
        items = {item.key: item for item in plan.tensors}
        consts = {c[0]: c for c in plan.constants}
        entries = [(item.key, "F32", item.shape) for item in plan.tensors]
        entries += [(key, _SAFETENSORS_DTYPES[dtype][0], shape) for key, shape, dtype, _fill in plan.constants]
        header, placed = safetensors_layout(entries)
        buffers = _Buffers()
        with _atomic_output(output) as (fd, _tmp):
            _write_at(fd, header, 0)
            counts = {}
            for key, begin, _end in placed:
                at = len(header) + begin
                if key in items:
                    counts[key] = _write_tensor(fd, wfile, items[key], at, buffers)
                else:
                    _key, shape, dtype, fill = consts[key]
                    _write_at(fd, _constant_bytes(shape, dtype, fill), at)
        for item in plan.tensors:  # warned about in table order, as `convert` warns
            plan.warn(item, counts[item.key])
        return plan.report
    finally:
        wfile.close()


def format_report(report):
    """The --verbose mapping table."""
    lines = [
        f"model: {report['model']}",
        f"input: {report['file']} ({report['format']})",
    ]
    if report["strategies"]:
        lines.append("legacy layer matching:")
        for expected, (found, strategy) in report["strategies"].items():
            lines.append(f"  {expected:<28} <- {found:<28} [{strategy}]")
    headers = ("keras tensor", "state_dict key", "torch shape", "transforms", "strategy")
    table = [headers] + [
        (r["source"], r["key"], str(tuple(r["shape"])), r["transforms"], r["strategy"]) for r in report["rows"]
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    for n, row in enumerate(table):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_vocabularies(keras_file, model_name, output):
    """The string boundary: a model input that Keras gives strings starts after a string layer, which
    the data pipeline now runs. When that layer was adapted, only a .keras file holds its vocabulary
    (`assets/<layer path>/vocabulary.txt`, one token per line, index i on line i). This writes them to
    OUTPUT's name with `_vocab.json` in place of its suffix, laid out as the compile-time
    `<stem>_vocab.json`. Returns (the path written or None, notes for the user)."""
    name = model_name or PRIMARY
    rows = globals().get("VOCABULARIES", {}).get(name, ())
    if not rows:
        return None, []
    layers = ", ".join(f"`{row[1]}`" for row in rows)
    if not zipfile.is_zipfile(keras_file):
        return None, [f"the adapted vocabularies of {layers} are held only by .keras files, not by {keras_file}"]
    notes, entries = [], {}
    with _reading(keras_file, "damaged zip file"):
        with zipfile.ZipFile(keras_file) as z:
            members = set(z.namelist())
            for input_name, layer, cls, asset in rows:
                if asset not in members:
                    notes.append(f"{keras_file} holds no {asset}, the vocabulary of `{layer}`")
                    continue
                # As Keras' load_assets reads it: lines, trailing empty ones dropped.
                lines = z.read(asset).decode("utf-8").splitlines()
                while lines and lines[-1] == "":
                    lines.pop()
                vocabulary = [int(line) for line in lines] if cls == "IntegerLookup" else lines
                entries[input_name] = {"layer": layer, "class": cls, "vocabulary": vocabulary}
    if not entries:
        return None, notes
    path = os.path.splitext(output)[0] + "_vocab.json"
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"version": 1, "models": {name: entries}}, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return path, notes


def main(argv=None):
    prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "weights"
    try:
        check_schema()
    except ConversionError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return e.exit_code
    parser = argparse.ArgumentParser(
        description="Convert Keras weights to a PyTorch state_dict for: " + ", ".join(MODELS),
    )
    parser.add_argument("keras_file", metavar="KERAS_FILE", help=".keras, .weights.h5 or legacy .h5")
    parser.add_argument("output", metavar="OUTPUT", help="output .safetensors, .pt or .pth")
    parser.add_argument("--model", metavar="CLASS", default=None, help=f"model class to convert (default {PRIMARY})")
    parser.add_argument("--verbose", action="store_true", help="print the mapping table")
    args = parser.parse_args(argv)  # exits with 2 on usage errors

    try:
        # OUTPUT and --model are checked before the file is read.
        check_output(args.output, args.keras_file)
        select_model(args.model)
        if _output_kind(args.output) == "safetensors":
            # Streamed: the mapping table is printed before the data is read, the warnings after.
            on_report = (lambda r: print(format_report(r), flush=True)) if args.verbose else None
            report = stream_safetensors(args.keras_file, args.output, args.model, on_report)
            for warning in report["warnings"]:
                print(f"{prog}: warning: {warning}", file=sys.stderr)
        else:
            state_dict, report = convert(args.keras_file, args.model)
            for warning in report["warnings"]:
                print(f"{prog}: warning: {warning}", file=sys.stderr)
            if args.verbose:
                print(format_report(report))
            save_state_dict(state_dict, args.output)
        vocab_path, notes = write_vocabularies(args.keras_file, args.model, args.output)
        for note in notes:
            print(f"{prog}: warning: {note}", file=sys.stderr)
        if vocab_path:
            print(f"wrote the adapted vocabularies of the string inputs to {vocab_path}")
    except ConversionError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return e.exit_code
    except OSError as e:
        # Not expected (reading and writing report their own errors), but an
        # OSError is still about a file, not a bug: say which, without a trace.
        print(f"{prog}: error: {e.filename or args.keras_file}: {_cause(e)}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {len(report['rows'])} tensors of {report['model']} to {args.output}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
