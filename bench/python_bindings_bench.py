"""The Python side of bench/compare_python_bindings.sh (issue 23): the
reference module over h5py datasets against lazy_datasets over native opens
of the same file and over the same h5py datasets, on
LazyScaledDataset(LazyStackedDataset([x, y, z]), 2.0).

usage: python bench/python_bindings_bench.py FILE ROUNDS
Prints TSV lines: scenario, library, median seconds (per window for windows).
"""
import importlib.util
import pathlib
import statistics
import sys
import time

import h5py
import numpy as np

import lazy_datasets as ours

path, rounds = sys.argv[1], int(sys.argv[2])
root = pathlib.Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location(
    "lazy_datasets_reference", root / "python/tests/reference/lazy_datasets_reference.py"
)
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)

f = h5py.File(path, "r")
h5 = [f[k] for k in "xyz"]
n = h5[0].shape[0]
views = {
    "reference over h5py": ref.LazyScaledDataset(ref.LazyStackedDataset(h5), 2.0),
    "ours over native opens": ours.LazyScaledDataset(
        ours.LazyStackedDataset([ours.open_hdf5(path, k) for k in "xyz"]), 2.0
    ),
    "ours over h5py": ours.LazyScaledDataset(ours.LazyStackedDataset(h5), 2.0),
}
rng = np.random.default_rng(23)
starts = rng.integers(0, n - 1000, size=200)
expected = views["reference over h5py"][:]
for name, v in views.items():
    got = v[:]
    assert got.shape == expected.shape and np.array_equal(got, expected), name
    w = v[int(starts[0]) : int(starts[0]) + 1000]
    assert np.array_equal(w, expected[int(starts[0]) : int(starts[0]) + 1000]), name


def median(fn):
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


for name, v in views.items():
    full = median(lambda: v[:])
    print(f"full read\t{name}\t{full:.6f}", flush=True)
    win = median(lambda: [v[int(s) : int(s) + 1000] for s in starts]) / len(starts)
    print(f"1000-row window\t{name}\t{win:.9f}", flush=True)
