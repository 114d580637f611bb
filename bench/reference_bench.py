"""Times the Python reference module (../shared/seed/lazy_datasets.py) on the
data that benches/compare.rs reads, and prints one `name<TAB>seconds` line per
operation (the median of several runs).

Run by bench/compare_python.sh; see there.
"""

import argparse
import os
import sys
import time

import numpy as np


def median_time(f, reps):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def channel(n, k):
    # The same values as benches/compare.rs: (3 i + k) / 2.
    return (np.arange(n, dtype=np.float64) * 3 + k) * 0.5


def flags(n, k):
    return ((np.arange(n) + k) % 97 == 0).astype(np.uint8)


def starts(n, count=10_000):
    # The same positions as benches/compare.rs: a multiplicative hash.
    k = np.arange(count, dtype=np.uint64)
    return ((k * np.uint64(2654435761)) % np.uint64(n - 1000)).astype(np.int64)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--data", required=True, help="folder of the HDF5 files")
    p.add_argument("--seed-dir", required=True, help="folder of lazy_datasets.py")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--make-data", action="store_true")
    args = p.parse_args()
    sys.path.insert(0, args.seed_dir)
    import h5py
    import zarr
    from lazy_datasets import (
        LazyBooleanOrDataset,
        LazyScaledDataset,
        LazyStackedDataset,
        LazySumDataset,
    )

    n, reps = args.n, args.reps
    if args.make_data:
        os.makedirs(args.data, exist_ok=True)
        for k in range(3):
            with h5py.File(os.path.join(args.data, f"ch{k}.h5"), "w") as f:
                x = channel(n, k)
                f.create_dataset("contiguous", data=x)
                f.create_dataset("chunked", data=x, chunks=(65536,))
            # zarr-python's defaults (Zarr v3, zstd), chunks as the HDF5 ones.
            z = zarr.create_array(store=os.path.join(args.data, f"ch{k}.zarr"), shape=(n,), chunks=(65536,), dtype="f8")
            z[:] = channel(n, k)
        return

    out = []
    a, b, c = (channel(n, k) for k in range(3))
    f1, f2, f3 = (flags(n, k) for k in range(3))
    st = LazyStackedDataset([a, b, c], axis=-1)
    st0 = LazyStackedDataset([a, b, c], axis=0)
    out.append(("mem stacked full read, axis -1", median_time(lambda: st[:], reps)))
    out.append(("mem stacked full read, axis 0", median_time(lambda: st0[:], reps)))
    out.append(("mem sum full read", median_time(lambda: LazySumDataset([a, b, c])[:], reps)))
    out.append(("mem scaled full read", median_time(lambda: LazyScaledDataset(a, 2.5)[:], reps)))
    out.append(("mem boolean or full read", median_time(lambda: LazyBooleanOrDataset([f1, f2, f3])[:], reps)))
    mid = n // 2
    out.append(("mem stacked 1M-row slice", median_time(lambda: st[mid : mid + 1_000_000], reps)))
    ss = starts(n)
    out.append(("mem stacked 1000-row read (each)", median_time(lambda: [st[i : i + 1000] for i in ss], 3) / len(ss)))
    value = np.full((n, 3), 1.5)
    wa, wb, wc = a.copy(), b.copy(), c.copy()
    wst = LazyStackedDataset([wa, wb, wc], axis=-1)

    def write():
        wst[:] = value

    out.append(("mem stacked full write", median_time(write, reps)))

    files = [h5py.File(os.path.join(args.data, f"ch{k}.h5"), "r") for k in range(3)]
    for layout in ("contiguous", "chunked"):
        ds = [f[layout] for f in files]
        hst = LazyStackedDataset(ds, axis=-1)
        out.append((f"h5 {layout} raw reads of 3 datasets", median_time(lambda: [d[:] for d in ds], reps)))
        out.append((f"h5 {layout} stacked full read", median_time(lambda: hst[:], reps)))
        small = ss[:1000]
        out.append((f"h5 {layout} raw 1000-element reads of 3 datasets (each)", median_time(lambda: [[d[i : i + 1000] for d in ds] for i in small], 3) / len(small)))
        out.append((f"h5 {layout} stacked 1000-row read (each)", median_time(lambda: [hst[i : i + 1000] for i in small], 3) / len(small)))

    zs = [zarr.open_array(os.path.join(args.data, f"ch{k}.zarr"), mode="r") for k in range(3)]
    zst = LazyStackedDataset(zs, axis=-1)
    out.append(("zarr raw reads of 3 arrays", median_time(lambda: [z[:] for z in zs], reps)))
    out.append(("zarr stacked full read", median_time(lambda: zst[:], reps)))
    small = ss[:1000]
    out.append(("zarr stacked 1000-row read (each)", median_time(lambda: [zst[i : i + 1000] for i in small], 3) / len(small)))

    for name, secs in out:
        print(f"{name}\t{secs:.9f}")


if __name__ == "__main__":
    main()
