"""The Python side of bench/compare_writes.sh: TensorStore, zarr-python and
h5py write the same data as benches/compare_writes.rs.

    python bench/writes_bench.py --scenario NAME --dir DIR [--n N] [--threads T]

Runs one scenario (a fresh process each, so that its peak RSS is its own)
and prints `scenario<TAB>library<TAB>seconds<TAB>peak RSS in MB<TAB>RSS at the
start in MB` lines (the peak is the timed part's: reset when it starts).

Data: three float64 channels of N elements, channel k holding
((i * 7919) % 100003) * 0.01 + k at position i (the Rust side computes the
same values).
Scenarios:
  zarr-whole    three Zarr v3 arrays, zstd level 3, chunks of 1M, created
                and written whole
  zarr-stack    the (N, 3) array written through a stack of three arrays
  zarr-windows  200 in-order 1,000-row windows of the (N, 3) array, scaled
                by 2 (the Rust side writes through Scaled(Stacked, 0.5)),
                with and without a TensorStore transaction (committed at
                the end, included in the time)
  h5-whole      three HDF5 datasets, gzip 4 + shuffle, chunks of 65,536,
                created and written whole
  h5-stack      the (N, 3) array: h5py writes the three columns
  h5-windows    200 in-order 1,000-row windows, each column written
"""

import argparse
import os
import shutil
import sys
import time

import numpy as np

WINDOWS, ROWS = 200, 1000


def channel(n, k):
    i = np.arange(n, dtype=np.int64)
    return ((i * 7919) % 100003).astype(np.float64) * 0.01 + k


def status_mb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


BASE = [0.0]


def start():
    """Resets the peak RSS (Linux clear_refs) so that the peak reported is
    the timed part's, and notes the RSS it starts from; returns the time."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    BASE[0] = status_mb("VmRSS")
    return time.perf_counter()


def report(scenario, lib, secs):
    print(f"{scenario}\t{lib}\t{secs}\t{status_mb('VmHWM'):.0f}\t{BASE[0]:.0f}", flush=True)


def ts_spec(path, n, chunks, threads):
    return {
        "driver": "zarr3",
        "kvstore": {"driver": "file", "path": path},
        "metadata": {
            "shape": [n],
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [chunks]}},
            "chunk_key_encoding": {"name": "default"},
            "data_type": "float64",
            "codecs": [
                {"name": "bytes", "configuration": {"endian": "little"}},
                {"name": "zstd", "configuration": {"level": 3, "checksum": False}},
            ],
            "fill_value": 0.0,
        },
        "create": True,
        "delete_existing": True,
    }


def ts_arrays(root, n, threads):
    import tensorstore as ts

    ctx = ts.Context(
        {
            "cache_pool": {"total_bytes_limit": 0},
            "data_copy_concurrency": {"limit": threads},
            "file_io_concurrency": {"limit": threads},
        }
    )
    return ts, [
        ts.open(ts_spec(os.path.join(root, f"ts-{k}"), n, 1 << 20, threads), context=ctx).result()
        for k in range(3)
    ]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scenario", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--n", type=int, default=20_000_000)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--lib", default=None, help="only this library")
    a = p.parse_args()
    n, root, s = a.n, a.dir, a.scenario
    os.makedirs(root, exist_ok=True)
    data = [channel(n, k) for k in range(3)]
    want = lambda lib: a.lib in (None, lib)

    if s == "zarr-whole":
        if want("tensorstore"):
            t0 = start()
            ts, arrays = ts_arrays(root, n, a.threads)
            futures = [arr.write(d) for arr, d in zip(arrays, data)]
            for f in futures:
                f.result()
            report(s, "tensorstore", time.perf_counter() - t0)
        if want("zarr-python"):
            import zarr
            from zarr.codecs import ZstdCodec

            t0 = start()
            for k in range(3):
                z = zarr.create_array(
                    os.path.join(root, f"zp-{k}"), shape=(n,), chunks=(1 << 20,), dtype="<f8",
                    compressors=ZstdCodec(level=3), fill_value=0.0, overwrite=True, zarr_format=3,
                )
                z[...] = data[k]
            report(s, "zarr-python", time.perf_counter() - t0)
    elif s == "zarr-stack":
        block = np.stack(data, axis=-1)
        if want("tensorstore"):
            ts, arrays = ts_arrays(root, n, a.threads)
            t0 = start()
            ts.stack(arrays, axis=-1).write(block).result()
            report(s, "tensorstore", time.perf_counter() - t0)
    elif s == "zarr-windows":
        block = np.stack(data, axis=-1)
        if want("tensorstore"):
            ts, arrays = ts_arrays(root, n, a.threads)
            stack = ts.stack(arrays, axis=-1)
            t0 = start()
            for w in range(WINDOWS):
                stack[w * ROWS:(w + 1) * ROWS].write(block[w * ROWS:(w + 1) * ROWS] * 2).result()
            report(s, "tensorstore", (time.perf_counter() - t0) / WINDOWS)
        if want("tensorstore-transaction"):
            ts, arrays = ts_arrays(root, n, a.threads)
            stack = ts.stack(arrays, axis=-1)
            t0 = start()
            txn = ts.Transaction()
            for w in range(WINDOWS):
                stack.with_transaction(txn)[w * ROWS:(w + 1) * ROWS].write(
                    block[w * ROWS:(w + 1) * ROWS] * 2
                ).result()
            txn.commit_async().result()
            report(s, "tensorstore-transaction", (time.perf_counter() - t0) / WINDOWS)
    elif s.startswith("h5-"):
        import h5py

        path = os.path.join(root, "h5py.h5")

        def create(f):
            return [
                f.create_dataset(
                    f"c{k}", shape=(n,), dtype="<f8", chunks=(65536,),
                    compression="gzip", compression_opts=4, shuffle=True,
                )
                for k in range(3)
            ]

        if s == "h5-whole":
            t0 = start()
            with h5py.File(path, "w") as f:
                for d, x in zip(create(f), data):
                    d[...] = x
            report(s, "h5py", time.perf_counter() - t0)
        elif s == "h5-stack":
            block = np.stack(data, axis=-1)
            with h5py.File(path, "w") as f:
                ds = create(f)
                t0 = start()
                for k, d in enumerate(ds):
                    d[...] = block[:, k]
                f.flush()
            report(s, "h5py", time.perf_counter() - t0)
        elif s == "h5-windows":
            block = np.stack(data, axis=-1)
            with h5py.File(path, "w") as f:
                ds = create(f)
                t0 = start()
                for w in range(WINDOWS):
                    part = block[w * ROWS:(w + 1) * ROWS] * 2
                    for k, d in enumerate(ds):
                        d[w * ROWS:(w + 1) * ROWS] = part[:, k]
                f.flush()
            report(s, "h5py", (time.perf_counter() - t0) / WINDOWS)
    else:
        sys.exit(f"unknown scenario {s}")


if __name__ == "__main__":
    main()
