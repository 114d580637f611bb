"""The Python side of bench/compare_hdf5.sh: makes HDF5 files with h5py and
times h5py reading them.

    python bench/hdf5_bench.py --make-data DIR [--n N]
    python bench/hdf5_bench.py --data DIR [--n N] [--threads T]

Prints `scenario<TAB>library<TAB>seconds` lines (median of several runs);
benches/compare_hdf5.rs prints the same scenarios for lazy-datasets (its
own reader, the libhdf5 path, and raw hdf5-metno reads).

Files, each three float64 datasets (x, y, z) of N elements, stacked along a
new last axis:
  contiguous.h5       no chunks
  deflate.h5          h5py's automatic chunks, gzip level 4
  shuffle_deflate.h5  h5py's automatic chunks, shuffle + gzip level 4
The values (a slow sine in steps of 0.01, plus the dataset's number)
compress about 4:1 with shuffle + gzip.
"""

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

LAYOUTS = {
    "contiguous": {},
    "deflate": {"chunks": True, "compression": "gzip", "compression_opts": 4},
    "shuffle_deflate": {"chunks": True, "compression": "gzip", "compression_opts": 4, "shuffle": True},
}


def median_time(reps, f):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def windows(n, count=1000, length=1000):
    return [(i * 7919) % (n - length) for i in range(count)]


def scan(n, count=1000, length=1000):
    return [i * length for i in range(min(count, n // length))]


def values(n, k):
    return np.round(np.sin(np.arange(n) * 1e-4) * 1000.0, 2) + k


def make_data(root, n):
    import h5py

    os.makedirs(root, exist_ok=True)
    for layout, options in LAYOUTS.items():
        with h5py.File(os.path.join(root, f"{layout}.h5"), "w") as f:
            for k, name in enumerate("xyz"):
                f.create_dataset(name, data=values(n, k), **options)
            chunks = f["x"].chunks
        print(f"{layout}: chunks {chunks}", file=sys.stderr)


def report(name, lib, secs):
    print(f"{name}\t{lib}\t{secs}", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--n", type=int, default=10_000_000)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--make-data", action="store_true")
    args = p.parse_args()
    if args.make_data:
        make_data(args.data, args.n)
        return
    import h5py

    n, reps = args.n, args.reps
    for layout in LAYOUTS:
        path = os.path.join(args.data, f"{layout}.h5")

        def opened():
            f = h5py.File(path, "r")
            return f, [f[name] for name in "xyz"]

        # A fresh open each run: h5py's chunk cache (8 MiB per dataset with
        # HDF5 2) starts empty.
        def full():
            f, dsets = opened()
            np.stack([d[...] for d in dsets], -1)
            f.close()
        report(f"{layout}: full stacked read", "h5py", median_time(reps, full))

        # Random windows: a fresh open each run, 1000 windows per run.
        def random_windows():
            f, dsets = opened()
            for s in windows(n):
                np.stack([d[s:s + 1000] for d in dsets], -1)
            f.close()
        report(f"{layout}: 1000-row windows, random (each)", "h5py",
               median_time(3, random_windows) / 1000)

        def in_order():
            f, dsets = opened()
            for s in scan(n):
                np.stack([d[s:s + 1000] for d in dsets], -1)
            f.close()
        report(f"{layout}: 1000-row windows, in order (each)", "h5py",
               median_time(3, in_order) / len(scan(n)))

        # The random windows split among reader threads, each with its own
        # file object (h5py serialises libhdf5 calls: one lock).
        for threads in (1, 2, 8):
            def readers():
                def work(t):
                    f, dsets = opened()
                    for s in windows(n)[t::threads]:
                        np.stack([d[s:s + 1000] for d in dsets], -1)
                    f.close()
                with ThreadPoolExecutor(threads) as pool:
                    list(pool.map(work, range(threads)))
            report(f"{layout}: 1000 random windows, {threads} reader threads", "h5py",
                   median_time(3, readers))


if __name__ == "__main__":
    main()
