#!/usr/bin/env bash
# Compares lazy-datasets with TensorStore (and zarr-python) reading the same
# Zarr v3 stores, written by zarr-python: three arrays stacked along a new
# last axis, 1-D float64 in chunks of 1M elements and 2-D float32 in chunks
# of 256 x 256, zstd (zarr-python's default) and uncompressed. Prints one
# table of ratios: TensorStore's time over lazy-datasets' (above 1 means
# lazy-datasets is faster).
#
#   bash bench/compare_tensorstore.sh              # N=20M, S=4096
#   N=2000000 S=1024 bash bench/compare_tensorstore.sh
#
# The two sides take turns ROUNDS times (default 2) and each keeps its best
# median per scenario. Threads: both sides use THREADS (default: the number
# of cores):
# TensorStore's data_copy_concurrency and file_io_concurrency limits, and
# RAYON_NUM_THREADS for lazy-datasets.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20000000}
S=${S:-4096}
THREADS=${THREADS:-$(nproc)}
OUT=${OUT:-target/bench-tensorstore}
VENV=${VENV:-$OUT/venv}
DATA=$OUT/data-$N-$S
mkdir -p "$OUT"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q numpy zarr tensorstore
fi
PY="$VENV/bin/python bench/tensorstore_bench.py --n $N --side $S --data $DATA"
[ -d "$DATA/2d-raw.zarr" ] || { mkdir -p "$DATA"; $PY --make-data; }

# The two sides take turns, ROUNDS times; each scenario's best time counts
# (the machine's state moves between runs by more than the differences).
ROUNDS=${ROUNDS:-2}
: > "$OUT/python.tsv"
: > "$OUT/rust.tsv"
cargo build -q --release --features zarr --bench compare_tensorstore
for round in $(seq "$ROUNDS"); do
    echo "round $round: TensorStore and zarr-python ($THREADS threads)..." >&2
    $PY --threads "$THREADS" >> "$OUT/python.tsv"
    echo "round $round: lazy-datasets ($THREADS threads)..." >&2
    RAYON_NUM_THREADS=$THREADS cargo bench -q --features zarr --bench compare_tensorstore -- \
        --n "$N" --side "$S" --data "$DATA" >> "$OUT/rust.tsv"
done

"$VENV/bin/python" - "$OUT/python.tsv" "$OUT/rust.tsv" "$N" "$S" "$THREADS" <<'PYEOF'
import os, platform, sys
times = {}
for path in sys.argv[1:3]:
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 3:
            libs = times.setdefault(parts[0], {})
            libs[parts[1]] = min(float(parts[2]), libs.get(parts[1], float("inf")))
n, s, threads = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"3 x {n:,} f64 (1d) and 3 x {s} x {s} f32 (2d); {cpu}, {os.cpu_count()} cores, {threads} threads; best of the rounds' median times")
print()
print(f"| {'scenario':<62} | {'TensorStore':>11} | {'zarr-python':>11} | {'zarrs':>8} | {'lazy-datasets':>13} | {'vs TensorStore':>14} |")
print(f"|{'-'*64}|{'-'*12}:|{'-'*12}:|{'-'*9}:|{'-'*14}:|{'-'*15}:|")
def fmt(t):
    if t is None:
        return "-"
    return f"{t*1e3:.1f} ms" if t >= 1e-3 else f"{t*1e6:.0f} us"
for name, libs in times.items():
    ts, zp, zr, ld = (libs.get(k) for k in ("tensorstore", "zarr-python", "zarrs", "lazy-datasets"))
    ratio = f"{ts/ld:.2f}x" if ts and ld else (f"zarrs/ours {zr/ld:.2f}x" if zr and ld else "-")
    print(f"| {name:<62} | {fmt(ts):>11} | {fmt(zp):>11} | {fmt(zr):>8} | {fmt(ld):>13} | {ratio:>14} |")
PYEOF

echo
for cache in off on; do
    RAYON_NUM_THREADS=$THREADS cargo bench -q --features zarr --bench compare_tensorstore -- \
        --n "$N" --side "$S" --data "$DATA" --rss $cache
done
