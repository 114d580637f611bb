"""Times one chunk's inflate with four inflaters, on the chunks of the files
bench/compare_hdf5.sh makes (h5py's automatic chunks of 9,766 float64,
gzip 4, without and with shuffle): what bounds the HDF5 window rows of the
README (a window must inflate whole chunks).

    python -m venv v && v/bin/pip install numpy h5py isal zlib-ng deflate
    v/bin/python bench/inflaters.py target/bench-hdf5-compare/data-10000000

zlib (CPython's), zlib-ng (PyPI zlib-ng), ISA-L (PyPI isal) and libdeflate
(PyPI deflate, the library lazy-hdf5 uses through libdeflater) through their
Python bindings; best of 30 passes over 100 chunks of dataset x.
"""

import sys
import time

import deflate
import h5py
import numpy as np
import zlib
from isal import isal_zlib
from zlib_ng import zlib_ng


def main(root):
    for name in ["deflate", "shuffle_deflate"]:
        with h5py.File(f"{root}/{name}.h5") as f:
            d = f["x"]
            c = d.chunks[0]
            raw = [d.id.read_direct_chunk((i * c,))[1] for i in range(0, 1000, 10)]
        size = c * 8

        def per_chunk(fn):
            best = float("inf")
            for _ in range(30):
                t0 = time.perf_counter()
                for r in raw:
                    fn(r)
                best = min(best, (time.perf_counter() - t0) / len(raw))
            return best * 1e6

        stored = np.mean([len(r) for r in raw])
        print(f"{name}: chunks of {c} x 8 B = {size} B, {stored:.0f} B stored")
        for lib, fn in [
            ("zlib", zlib.decompress),
            ("zlib-ng", zlib_ng.decompress),
            ("ISA-L", isal_zlib.decompress),
            ("libdeflate", lambda r: deflate.zlib_decompress(r, size)),
        ]:
            us = per_chunk(fn)
            print(f"  {lib:10s} {us:6.1f} us per chunk, {size / us / 1e3:5.2f} GB/s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/bench-hdf5-compare/data-10000000")
