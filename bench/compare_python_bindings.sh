#!/usr/bin/env bash
# Compares the Python package (lazy-py) with the reference module it drops
# in for (issue 23): LazyScaledDataset(LazyStackedDataset([x, y, z]), 2.0)
# on three float64 datasets of N elements written by h5py (gzip + shuffle,
# h5py's automatic chunks), read whole and as 200 random 1,000-row windows:
# the reference over h5py datasets, ours over native opens of the same file
# (open_hdf5) and ours over the same h5py datasets. Median of ROUNDS
# (default 5) in one process; ratios are the reference's time over ours
# (above 1: ours is faster). Also times `import lazy_datasets` + an open in
# a fresh process.
#
#   bash bench/compare_python_bindings.sh          # N=5M
#   VENV=path/to/venv bash bench/compare_python_bindings.sh   # a venv with the wheel
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-5000000}
ROUNDS=${ROUNDS:-5}
OUT=${OUT:-target/bench-python-bindings}
VENV=${VENV:-$OUT/venv}
mkdir -p "$OUT"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q numpy h5py maturin
    PATH="$PWD/$VENV/bin:$PATH" "$VENV/bin/pip" install -q --no-build-isolation ./python
fi
PY="$VENV/bin/python"
FILE="$OUT/channels-$N.h5"
if [ ! -f "$FILE" ]; then
    "$PY" - "$FILE" "$N" <<'PYEOF'
import sys, h5py, numpy as np
path, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(5)
with h5py.File(path + ".tmp", "w") as f:
    for k in "xyz":
        data = np.cumsum(rng.standard_normal(n))
        f.create_dataset(k, data=data, chunks=True, compression="gzip", shuffle=True)
import os; os.replace(path + ".tmp", path)
PYEOF
fi
TSV="$OUT/results.tsv"
"$PY" bench/python_bindings_bench.py "$FILE" "$ROUNDS" > "$TSV"
IMPORT=$("$PY" -c "
import time, sys
t = time.perf_counter()
import lazy_datasets
lazy_datasets.open_hdf5(sys.argv[1], 'x')
print(f'{time.perf_counter() - t:.4f}')" "$FILE")
"$PY" - "$TSV" "$N" "$IMPORT" <<'PYEOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
t = {(s, lib): float(v) for s, lib, v in rows}
print(f"3 x {int(sys.argv[2]):,} float64, gzip + shuffle; LazyScaledDataset(LazyStackedDataset([x, y, z]), 2.0); median\n")
print("| read | reference over h5py | ours, native opens | ratio | ours over h5py | ratio |")
print("|---|---:|---:|---:|---:|---:|")
for s in ["full read", "1000-row window"]:
    r = t[(s, "reference over h5py")]
    a = t[(s, "ours over native opens")]
    b = t[(s, "ours over h5py")]
    fmt = (lambda x: f"{x * 1e3:.1f} ms") if s == "full read" else (lambda x: f"{x * 1e3:.3f} ms")
    print(f"| {s} | {fmt(r)} | {fmt(a)} | {r / a:.2f}x | {fmt(b)} | {r / b:.2f}x |")
print(f"\nimport lazy_datasets + open_hdf5 in a fresh process: {float(sys.argv[3]) * 1e3:.0f} ms")
PYEOF
