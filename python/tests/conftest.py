"""Shared fixtures: the reference module, loaded by path, and random sources."""

import contextlib
import functools
import http.server
import importlib.util
import io
import threading
import pathlib

import numpy as np
import pytest

REFERENCE_PATH = pathlib.Path(__file__).parent / "reference" / "lazy_datasets_reference.py"

DTYPES = [
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float32",
    "float64",
]


def load_reference():
    spec = importlib.util.spec_from_file_location("lazy_datasets_reference", REFERENCE_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def ref():
    """The reference module (a verbatim copy, see reference/README.md)."""
    return load_reference()


def random_array(rng, shape, dtype):
    """Random values of `dtype` that stay small (sums of a few fit every type)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) < 0.4
    if dtype.kind in "iu":
        lo = 0 if dtype.kind == "u" else -20
        return rng.integers(lo, 20, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


@pytest.fixture
def rng():
    return np.random.default_rng(23)


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files with byte ranges (`Range: bytes=a-b`), as object stores do."""

    def log_message(self, *args):
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        try:
            data = open(path, "rb").read()
        except OSError:
            self.send_error(404)
            return None
        ranged = self.headers.get("Range", "")
        if ranged.startswith("bytes="):
            first, _, last = ranged[6:].partition("-")
            start = int(first)
            end = min(int(last) + 1 if last else len(data), len(data))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
            data = data[start:end]
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        return io.BytesIO(data)


@contextlib.contextmanager
def serve_dir(directory):
    """Serves `directory` by HTTP with byte ranges on 127.0.0.1; yields
    its base URL (``http://127.0.0.1:<port>``)."""
    handler = functools.partial(RangeHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
