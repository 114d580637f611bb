#!/usr/bin/env bash
# Compares lazy-datasets' writes with TensorStore, zarr-python and h5py on
# the same data (three float64 channels of N elements; see
# bench/writes_bench.py): Zarr v3 zstd-3 in chunks of 1M and HDF5 gzip-4 +
# shuffle in chunks of 65,536, written whole, through a stack, and as 200
# in-order 1,000-row windows through Scaled(Stacked) (lazy-datasets plain
# and with buffered handles; TensorStore with and without a transaction).
# Each scenario and library runs in a process of its own; the table gives
# the time (per window for the windows), the peak RSS of the timed part
# (with, in brackets, the RSS it started from: mostly the data to write),
# and the peer's time over lazy-datasets' (above 1: lazy-datasets is
# faster).
#
#   bash bench/compare_writes.sh            # N=20M
#   N=2000000 bash bench/compare_writes.sh
#
# Threads: TensorStore's data_copy/file_io concurrency and lazy-datasets'
# RAYON_NUM_THREADS are THREADS (default: the number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20000000}
THREADS=${THREADS:-$(nproc)}
OUT=${OUT:-target/bench-writes}
VENV=${VENV:-$OUT/venv}
mkdir -p "$OUT"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q numpy zarr tensorstore h5py
fi
cargo build -q --release --features zarr,libhdf5 --bench compare_writes
BIN=$(ls -t target/release/deps/compare_writes-* | grep -v '\.d$' | head -1)
TSV=$OUT/results.tsv
: > "$TSV"
for scenario in zarr-whole zarr-stack zarr-windows h5-whole h5-stack h5-windows; do
    echo "$scenario..." >&2
    case $scenario in
        zarr-whole) libs="tensorstore zarr-python" ;;
        zarr-windows) libs="tensorstore tensorstore-transaction" ;;
        zarr-*) libs="tensorstore" ;;
        h5-*) libs="h5py" ;;
    esac
    for lib in $libs; do
        rm -rf "$OUT/data"
        "$VENV/bin/python" bench/writes_bench.py --scenario "$scenario" --dir "$OUT/data" \
            --n "$N" --threads "$THREADS" --lib "$lib" >> "$TSV"
    done
    rust_libs="lazy-datasets"
    case $scenario in *-windows) rust_libs="lazy-datasets lazy-datasets-buffered" ;; esac
    for lib in $rust_libs; do
        rm -rf "$OUT/data"
        RAYON_NUM_THREADS=$THREADS "$BIN" --scenario "$scenario" --dir "$OUT/data" --n "$N" \
            --lib "$lib" >> "$TSV"
    done
done
rm -rf "$OUT/data"

"$VENV/bin/python" - "$TSV" "$N" "$THREADS" <<'PYEOF'
import os, platform, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.count("\t") == 4]
n, threads = int(sys.argv[2]), sys.argv[3]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"3 x {n:,} f64; {cpu}, {os.cpu_count()} cores, {threads} threads; one run each, time per window for *-windows")
print()
print(f"| {'scenario':<13} | {'library':<24} | {'time':>10} | {'peak RSS (data)':>16} | {'peer / ours':>26} |")
print(f"|{'-'*15}|{'-'*26}|{'-'*12}|{'-'*18}|{'-'*28}|")
ours = {}
for s, lib, t, rss, base in rows:
    if lib.startswith("lazy-datasets"):
        ours.setdefault(s, {})[lib] = float(t)
for s, lib, t, rss, base in rows:
    t = float(t)
    unit = f"{t*1e3:.2f} ms" if t < 1 else f"{t:.3f} s"
    ratio = ""
    if not lib.startswith("lazy-datasets"):
        ratio = ", ".join(f"{t / v:.2f}x vs {k.replace('lazy-datasets', 'ours')}" for k, v in ours.get(s, {}).items())
    mem = f"{float(rss):.0f} ({float(base):.0f}) MB"
    print(f"| {s:<13} | {lib:<24} | {unit:>10} | {mem:>16} | {ratio:>26} |")
PYEOF
