"""Writes a Zarr store with zarr-python into a bucket of an S3-compatible
server (through obstore's S3Store), for lazy-zarr's cloud tests.

Usage: python write_zarr_python.py ENDPOINT KEY SECRET BUCKET PREFIX

Arrays (zarr-python 3's default codecs: bytes + zstd, Zarr v3):
- x, y, z: int16, shape (10000,), chunks (1000,); element i of channel c
  (0, 1, 2) is (i * 7 + c * 1000) % 30000 - 15000; z's chunk 4 never written
  (fill value -1).
- grid: float64, shape (60, 50), chunks (16, 16); element (i, j) is i * 0.5 - j.
"""
import sys

import numpy as np
import obstore.store
import zarr
import zarr.storage

endpoint, key, secret, bucket, prefix = sys.argv[1:6]
s3 = obstore.store.S3Store(
    bucket,
    prefix=prefix,
    endpoint=endpoint,
    access_key_id=key,
    secret_access_key=secret,
    region="us-east-1",
    client_options={"allow_http": True},
)
root = zarr.open_group(zarr.storage.ObjectStore(s3), mode="w")
i = np.arange(10000, dtype=np.int64)
for c, name in enumerate("xyz"):
    a = root.create_array(name, shape=(10000,), chunks=(1000,), dtype="int16", fill_value=-1)
    values = ((i * 7 + c * 1000) % 30000 - 15000).astype(np.int16)
    if name == "z":
        a[:4000] = values[:4000]
        a[5000:] = values[5000:]
    else:
        a[:] = values
g = root.create_array("grid", shape=(60, 50), chunks=(16, 16), dtype="float64")
ii, jj = np.meshgrid(np.arange(60), np.arange(50), indexing="ij")
g[:] = ii * 0.5 - jj
print("ok")
