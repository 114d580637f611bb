"""The Python side of bench/compare_tensorstore.sh: makes Zarr v3 stores with
zarr-python and times TensorStore and zarr-python reading them.

    python bench/tensorstore_bench.py --make-data DIR [--n N] [--side S]
    python bench/tensorstore_bench.py --data DIR [--n N] [--side S] [--threads T]

Prints `scenario<TAB>library<TAB>seconds` lines (median of several runs);
benches/compare_tensorstore.rs prints the same scenarios for lazy-datasets.

Stores, each three arrays (x, y, z) stacked along a new last axis:
  1d-zstd, 1d-raw  three float64 arrays of N elements, chunks of 1M elements
  2d-zstd, 2d-raw  three float32 arrays of S x S, chunks of 256 x 256
zstd is zarr-python 3's default codec; "raw" has no compressor.
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np


def median_time(reps, f):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def windows_1d(n, count=1000, length=1000):
    return [(i * 7919) % (n - length) for i in range(count)]


def scan_1d(n, count=1000, length=1000):
    return [i * length for i in range(min(count, n // length))]


def windows_2d(side, count=200, length=256):
    return [((i * 7919) % (side - length), (i * 104729) % (side - length)) for i in range(count)]


def unsorted_rows(n, count=1000):
    rng = np.random.default_rng(7)
    return rng.integers(0, n, count)


def make_data(root, n, side):
    import zarr
    from zarr.codecs import ZstdCodec

    for kind in ("1d", "2d"):
        for codec in ("zstd", "raw"):
            store = os.path.join(root, f"{kind}-{codec}.zarr")
            group = zarr.open_group(store, mode="w", zarr_format=3)
            for k, name in enumerate("xyz"):
                if kind == "1d":
                    shape, chunks, dtype = (n,), (1_000_000,), "float64"
                    data = np.arange(n, dtype=dtype) * 0.5 + k
                else:
                    shape, chunks, dtype = (side, side), (256, 256), "float32"
                    data = (np.arange(side * side, dtype=dtype).reshape(side, side) + k) % 997
                compressors = [ZstdCodec(level=0)] if codec == "zstd" else None
                a = group.create_array(
                    name, shape=shape, chunks=chunks, dtype=dtype, compressors=compressors, fill_value=0
                )
                a[...] = data
            print(f"wrote {store}", file=sys.stderr)


def ts_context(threads, cache_bytes):
    return {
        "cache_pool": {"total_bytes_limit": cache_bytes},
        "data_copy_concurrency": {"limit": threads},
        "file_io_concurrency": {"limit": threads},
    }


def time_tensorstore(root, n, side, threads, reps):
    import tensorstore as ts

    def open_stack(store, cache_bytes):
        ctx = ts.Context(ts_context(threads, cache_bytes))
        arrays = [
            ts.open(
                {"driver": "zarr3", "kvstore": {"driver": "file", "path": os.path.join(root, store, name)}},
                context=ctx,
                read=True,
            ).result()
            for name in "xyz"
        ]
        return ts.stack(arrays, axis=-1)

    out = []
    for codec in ("zstd", "raw"):
        store = f"1d-{codec}.zarr"
        st = open_stack(store, 0)
        out.append((f"1d {codec}: full stacked read", median_time(reps, lambda: st.read().result())))
        starts = windows_1d(n)
        each = median_time(3, lambda: [st[s : s + 1000].read().result() for s in starts]) / len(starts)
        out.append((f"1d {codec}: 1000-row windows, random (each)", each))
        out.append((f"1d {codec}: strided [::7]", median_time(reps, lambda: st[::7].read().result())))
        one = open_stack(store, 0)[..., 0]
        out.append((f"1d {codec}: one array [::7]", median_time(reps, lambda: one[::7].read().result())))
        out.append((f"1d {codec}: one array whole", median_time(reps, lambda: one.read().result())))
        rows = unsorted_rows(n)
        out.append((f"1d {codec}: 1000 unsorted rows", median_time(reps, lambda: st[rows].read().result())))
        scan = scan_1d(n)
        each = median_time(3, lambda: [st[s : s + 1000].read().result() for s in scan]) / len(scan)
        out.append((f"1d {codec}: 1000-row windows, in order (each)", each))
        # A fresh cache (and open) each run: every run starts cold.
        def cold_scan():
            cached = open_stack(store, 256 << 20)
            for s in scan:
                cached[s : s + 1000].read().result()
        each = median_time(3, cold_scan) / len(scan)
        out.append((f"1d {codec}: 1000-row windows, in order, 256 MiB cache (each)", each))
    for codec in ("zstd", "raw"):
        store = f"2d-{codec}.zarr"
        st = open_stack(store, 0)
        out.append((f"2d {codec}: full stacked read", median_time(reps, lambda: st.read().result())))
        wins = windows_2d(side)
        each = median_time(3, lambda: [st[r : r + 256, c : c + 256].read().result() for r, c in wins]) / len(wins)
        out.append((f"2d {codec}: 256x256 windows, random (each)", each))
        out.append((f"2d {codec}: strided [::7, ::7]", median_time(reps, lambda: st[::7, ::7].read().result())))
        rows = unsorted_rows(side, 100)
        out.append((f"2d {codec}: 100 unsorted rows", median_time(reps, lambda: st[rows].read().result())))
    return out


def time_zarr_python(root, n, side, reps):
    import zarr

    out = []
    for codec in ("zstd", "raw"):
        group = zarr.open_group(os.path.join(root, f"1d-{codec}.zarr"), mode="r")
        arrays = [group[name] for name in "xyz"]
        out.append((f"1d {codec}: full stacked read", median_time(reps, lambda: np.stack([a[:] for a in arrays], -1))))
        starts = windows_1d(n)[:200]
        each = median_time(3, lambda: [np.stack([a[s : s + 1000] for a in arrays], -1) for s in starts]) / len(starts)
        out.append((f"1d {codec}: 1000-row windows, random (each)", each))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--make-data", action="store_true")
    p.add_argument("--n", type=int, default=20_000_000)
    p.add_argument("--side", type=int, default=4096)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--reps", type=int, default=5)
    a = p.parse_args()
    if a.make_data:
        make_data(a.data, a.n, a.side)
        return
    for name, secs in time_tensorstore(a.data, a.n, a.side, a.threads, a.reps):
        print(f"{name}\ttensorstore\t{secs}")
        sys.stdout.flush()
    for name, secs in time_zarr_python(a.data, a.n, a.side, a.reps):
        print(f"{name}\tzarr-python\t{secs}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
