#!/usr/bin/env bash
# Compares lazy-datasets with the Python reference module (shared/seed/lazy_datasets.py)
# on identical data: builds the data once, times the reference with numpy,
# h5py and zarr-python in a venv and the Rust equivalents (benches/compare.rs), and prints one
# table of ratios (Python time / Rust time: above 1 means Rust is faster).
#
#   bash bench/compare_python.sh            # 3 x 20M f64, in memory and HDF5
#   N=1000000 FEATURES= bash bench/compare_python.sh   # small, without HDF5 rows in Rust
#
# Needs python3 with venv and pip, and for the HDF5 rows libhdf5-dev (see README).
# "zarr raw reads" are zarr-python's own reads of the three arrays in Python and
# ZarrDataset::read_all in Rust; the raw HDF5 rows are h5py and hdf5-metno reads.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20000000}
FEATURES=${FEATURES-hdf5,zarr}
SEED=${SEED:-../shared/seed}
OUT=${OUT:-target/bench-compare}
VENV=${VENV:-$OUT/venv}
DATA=$OUT/data-$N
mkdir -p "$OUT"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q numpy h5py zarr
fi
PY="$VENV/bin/python bench/reference_bench.py --n $N --data $DATA --seed-dir $SEED"
[ -f "$DATA/ch2.h5" ] || $PY --make-data

echo "timing the Python reference..." >&2
$PY > "$OUT/python.tsv"
echo "timing lazy-datasets..." >&2
cargo bench -q ${FEATURES:+--features "$FEATURES"} --bench compare -- --n "$N" --data "$DATA" > "$OUT/rust.tsv"

"$VENV/bin/python" - "$OUT/python.tsv" "$OUT/rust.tsv" "$N" <<'PYEOF'
import platform, os, sys
def load(p):
    return dict(line.rstrip("\n").split("\t") for line in open(p) if "\t" in line)
py, rs, n = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"3 x {n:,} f64; {cpu}, {os.cpu_count()} cores; median times")
print()
print(f"| {'operation':<42} | {'Python reference':>16} | {'lazy-datasets':>13} | {'speed-up':>8} |")
print(f"|{'-'*44}|{'-'*18}:|{'-'*15}:|{'-'*10}:|")
def fmt(s):
    s = float(s)
    return f"{s*1e3:.2f} ms" if s >= 1e-3 else f"{s*1e6:.2f} us"
for name, p in py.items():
    r = rs.get(name)
    ratio = f"{float(p)/float(r):.1f}x" if r else "-"
    print(f"| {name:<42} | {fmt(p):>16} | {fmt(r) if r else '-':>13} | {ratio:>8} |")
PYEOF
