"""The Python side of bench/compare_hdf5_remote.sh: h5py over fsspec (s3fs,
its default block cache) and, where it installs, h5coro, reading an HDF5
file of three float64 datasets from an S3-compatible server on 127.0.0.1.
Prints `scenario<TAB>library<TAB>seconds` (median of several runs).

    python hdf5_remote_bench.py --endpoint URL --n N --make-data   # write and upload the file
    python hdf5_remote_bench.py --endpoint URL --n N               # time the reads
"""

import argparse
import io
import statistics
import time

import numpy as np

BUCKET, KEY = "bench", "channels.h5"
WINDOWS, ROWS = 100, 1000


def starts(n):
    return [(i * 7919) % (n - ROWS) for i in range(WINDOWS)]


def median(reps, f):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def make_data(endpoint, n):
    import boto3
    import h5py

    rng = np.random.default_rng(5)
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        for k in "xyz":
            data = np.cumsum(rng.standard_normal(n))
            f.create_dataset(k, data=data, chunks=True, compression="gzip", shuffle=True)
    s3 = boto3.client("s3", endpoint_url=endpoint)
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=buf.getvalue())


def h5py_fsspec(endpoint, n, reps):
    import h5py
    import s3fs

    def opened():
        fs = s3fs.S3FileSystem(endpoint_url=endpoint)
        f = h5py.File(fs.open(f"{BUCKET}/{KEY}", "rb"), "r")
        return f, [f[k] for k in "xyz"]

    def full():
        f, ds = opened()
        np.stack([d[:] for d in ds], -1)
        f.close()

    def windows():
        f, ds = opened()
        for s in starts(n):
            np.stack([d[s : s + ROWS] for d in ds], -1)
        f.close()

    print(f"full stacked read\th5py over fsspec\t{median(reps, full)}")
    print(f"1000-row windows, random (each)\th5py over fsspec\t{median(reps, windows) / WINDOWS}")


def h5coro_side(endpoint, n, reps):
    try:
        from h5coro import h5coro, s3driver  # noqa: F401
    except Exception:
        return
    import os

    def opened():
        # h5coro's S3 driver takes the endpoint from AWS_ENDPOINT_URL and the
        # keys from the environment (credentials={}).
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        return h5coro.H5Coro(f"{BUCKET}/{KEY}", s3driver.S3Driver, credentials={}, errorChecking=True)

    def read(h, slices):
        promise = h.readDatasets([{"dataset": f"/{k}", "hyperslice": slices} for k in "xyz"], block=True)
        return np.stack([promise[f"/{k}"] for k in "xyz"], -1)

    try:
        read(opened(), [])
    except Exception:
        return
    print(f"full stacked read\th5coro\t{median(reps, lambda: read(opened(), []))}")

    def windows():
        h = opened()
        for s in starts(n):
            read(h, [[s, s + ROWS]])

    print(f"1000-row windows, random (each)\th5coro\t{median(reps, windows) / WINDOWS}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--make-data", action="store_true")
    a = p.parse_args()
    if a.make_data:
        make_data(a.endpoint, a.n)
        return
    h5py_fsspec(a.endpoint, a.n, a.reps)
    h5coro_side(a.endpoint, a.n, a.reps)


if __name__ == "__main__":
    main()
