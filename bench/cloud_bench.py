"""TensorStore (s3 kvstore) and zarr-python (obstore's S3Store) reading a
Zarr store on an S3-compatible server on 127.0.0.1, the Python side of
bench/compare_cloud.sh. Prints `scenario<TAB>library<TAB>seconds` lines
(median of several runs); benches/compare_cloud.rs prints the same
scenarios for lazy-datasets.

The store (written by zarr-python with --make-data): three 1-D float64
arrays x, y, z of N elements in chunks of C, zarr-python 3's default codecs
(bytes + zstd), element i of array k being sin(i * 0.001) + k.

Credentials and endpoint: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
--endpoint. Both libraries read with no cache and 32 requests in flight at
most (TensorStore's default s3_request_concurrency; lazy-datasets' default
StoreUrl::concurrency).
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


def windows(n, count):
    return [(i * 7919) % (n - 1000) for i in range(count)]


def obstore_store(args):
    import obstore.store

    return obstore.store.S3Store(
        args.bucket,
        prefix=args.prefix,
        endpoint=args.endpoint,
        access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        region="us-east-1",
        client_options={"allow_http": True},
    )


def make_data(args):
    import zarr
    import zarr.storage

    root = zarr.open_group(zarr.storage.ObjectStore(obstore_store(args)), mode="w")
    i = np.arange(args.n)
    for k, name in enumerate("xyz"):
        a = root.create_array(name, shape=(args.n,), chunks=(args.chunk,), dtype="float64")
        for s in range(0, args.n, 8 * args.chunk):
            a[s : s + 8 * args.chunk] = np.sin(i[s : s + 8 * args.chunk] * 0.001) + k
    print(f"wrote s3://{args.bucket}/{args.prefix}", file=sys.stderr)


def time_tensorstore(args):
    import tensorstore as ts

    ctx = ts.Context(
        {
            "cache_pool": {"total_bytes_limit": 0},
            "data_copy_concurrency": {"limit": args.threads},
            "s3_request_concurrency": {"limit": 32},
        }
    )
    arrays = [
        ts.open(
            {
                "driver": "zarr3",
                "kvstore": {
                    "driver": "s3",
                    "bucket": args.bucket,
                    "path": f"{args.prefix}/{name}/",
                    "endpoint": args.endpoint,
                    "aws_region": "us-east-1",
                    "aws_credentials": {"type": "environment"},
                },
            },
            context=ctx,
        ).result()
        for name in "xyz"
    ]
    st = ts.stack(arrays, axis=-1)
    check = st[12345].read().result()
    assert np.allclose(check, np.sin(12.345) + np.arange(3)), check
    cpu0 = cpu_time()
    out = [("full stacked read", median_time(args.reps, lambda: st.read().result()))]
    print(f"TensorStore full stacked read: {(cpu_time() - cpu0) / args.reps:.3f} s of CPU per read", file=sys.stderr)
    starts = windows(args.n, args.windows)
    cpu0 = cpu_time()
    each = median_time(3, lambda: [st[s : s + 1000].read().result() for s in starts]) / len(starts)
    print(f"TensorStore windows: {(cpu_time() - cpu0) / 3 / len(starts) * 1e3:.2f} ms of CPU per window", file=sys.stderr)
    out.append(("1000-row windows (each)", each))
    # TensorStore's default context: no cache pool.
    ctx = ts.Context({"data_copy_concurrency": {"limit": args.threads}})
    st = ts.stack([ts.open(a.spec(), context=ctx).result() for a in arrays], axis=-1)
    each = median_time(3, lambda: [st[s : s + 1000].read().result() for s in starts]) / len(starts)
    out.append(("windows, defaults (each)", each))
    return out


def cpu_time():
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def time_zarr_python(args):
    import zarr
    import zarr.storage

    root = zarr.open_group(zarr.storage.ObjectStore(obstore_store(args), read_only=True), mode="r")
    arrays = [root[name] for name in "xyz"]
    out = [("full stacked read", median_time(args.reps, lambda: np.stack([a[:] for a in arrays], -1)))]
    starts = windows(args.n, args.windows)
    each = median_time(3, lambda: [np.stack([a[s : s + 1000] for a in arrays], -1) for s in starts]) / len(starts)
    out.append(("1000-row windows (each)", each))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--bucket", default="bench")
    p.add_argument("--prefix", default="data.zarr")
    p.add_argument("--n", type=int, default=4_000_000)
    p.add_argument("--chunk", type=int, default=100_000)
    p.add_argument("--windows", type=int, default=200)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--make-data", action="store_true")
    args = p.parse_args()
    if args.make_data:
        make_data(args)
        return
    for name, secs in time_tensorstore(args):
        print(f"{name}\ttensorstore\t{secs}", flush=True)
    for name, secs in time_zarr_python(args):
        print(f"{name}\tzarr-python\t{secs}", flush=True)


if __name__ == "__main__":
    main()
