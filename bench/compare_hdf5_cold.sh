#!/usr/bin/env bash
# The first pass over HDF5 windows, against h5py: 1,000 windows of 1,000
# rows (starts i * 7919) of a stack of three float32 datasets of N elements,
# written by h5py with gzip (level 4) in its automatic chunks, read in a
# fresh process (file opened, nothing cached), then a second time. Two
# files: smooth data (very compressible) and a random walk. Each side runs
# ROUNDS times (default 5), taking turns; the median counts. Ratios are
# h5py's time over lazy-datasets' (above 1: lazy-datasets is faster).
#
#   bash bench/compare_hdf5_cold.sh        # N=2M
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000000}
ROUNDS=${ROUNDS:-5}
OUT=${OUT:-target/bench-hdf5-cold}
VENV=${VENV:-$OUT/venv}
mkdir -p "$OUT"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q numpy h5py
fi
"$VENV/bin/python" - "$OUT" "$N" <<'PYEOF'
import sys, h5py, numpy as np
out, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
with h5py.File(f"{out}/smooth.h5", "w") as f:
    for j, k in enumerate("abc"):
        f.create_dataset(k, data=(np.arange(n) % 1000 * 0.5 + j).astype("f4"), chunks=True, compression="gzip")
with h5py.File(f"{out}/walk.h5", "w") as f:
    for k in "abc":
        f.create_dataset(k, data=np.cumsum(rng.standard_normal(n)).astype("f4"), chunks=True, compression="gzip")
PYEOF
cargo build -q --release --features libhdf5 --bench hdf5_cold
BIN=$(ls -t target/release/deps/hdf5_cold-* | grep -v '\.d$' | head -1)
TSV=$OUT/results.tsv
: > "$TSV"
for round in $(seq "$ROUNDS"); do
    for data in smooth walk; do
        "$VENV/bin/python" - "$OUT/$data.h5" <<'PYEOF' | sed "s/^/$data\t/" >> "$TSV"
import sys, time, h5py, numpy as np
t0 = time.perf_counter()
f = h5py.File(sys.argv[1], "r")
ds = [f[k] for k in "abc"]
n = ds[0].shape[0]
for name in ("cold", "warm"):
    s = 0.0
    for i in range(1000):
        a = (i * 7919) % (n - 1000)
        s += np.stack([d[a:a + 1000] for d in ds], axis=-1)[999, 2]
    print(f"{name}\th5py\t{time.perf_counter() - t0}")
    t0 = time.perf_counter()
PYEOF
        "$BIN" "$OUT/$data.h5" | sed "s/^/$data\t/" >> "$TSV"
    done
done
"$VENV/bin/python" - "$TSV" "$N" <<'PYEOF'
import statistics, sys
t = {}
for line in open(sys.argv[1]):
    data, p, lib, secs = line.split()
    t.setdefault((data, p), {}).setdefault(lib, []).append(float(secs))
print(f"3 x {int(sys.argv[2]):,} float32, gzip; 1,000 windows of 1,000 rows; median of the rounds")
print()
print("| data   | pass | h5py      | lazy-datasets | h5py / ours |")
print("|--------|------|----------:|--------------:|------------:|")
for (data, p), libs in t.items():
    h, o = statistics.median(libs["h5py"]), statistics.median(libs["lazy-datasets"])
    print(f"| {data:<6} | {p} | {h*1e3:7.1f} ms | {o*1e3:10.1f} ms | {h/o:10.2f}x |")
PYEOF
