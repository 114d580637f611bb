"""Shared fixtures: the reference module, loaded by path, and random sources."""

import importlib.util
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
