#!/usr/bin/env bash
# Compares lazy-datasets with h5py reading the same HDF5 files, written by
# h5py: three float64 datasets of N elements stacked along a new last axis,
# contiguous, deflate (h5py's automatic chunks, gzip 4) and shuffle+deflate.
# lazy-datasets reads them with its own reader (files opened by libhdf5,
# chunks located by the index read in Rust, read and decoded in Rust),
# through libhdf5 (`via_libhdf5`), and with the pure-Rust reader
# (`open_file_pure`: no libhdf5 call); raw
# hdf5-metno reads of the same bytes are timed beside. Prints one table:
# h5py's time over lazy-datasets' (above 1 means lazy-datasets is faster).
#
#   bash bench/compare_hdf5.sh              # N=10M
#   N=1000000 bash bench/compare_hdf5.sh
#
# The sides take turns ROUNDS times (default 2); each keeps its best median.
# Threads: RAYON_NUM_THREADS=THREADS (default: the number of cores) for
# lazy-datasets; h5py reads on one thread (libhdf5 is serialised), except
# in the reader-thread rows, where each side reads from 1, 2 or 8 threads
# of its own (lazy-datasets' each in a one-thread rayon pool, so one reader
# uses one core and more readers show how reads scale).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000000}
THREADS=${THREADS:-$(nproc)}
OUT=${OUT:-target/bench-hdf5-compare}
VENV=${VENV:-$OUT/venv}
DATA=$OUT/data-$N
mkdir -p "$OUT"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q numpy h5py
fi
PY="$VENV/bin/python bench/hdf5_bench.py --n $N --data $DATA"
[ -f "$DATA/shuffle_deflate.h5" ] || $PY --make-data

ROUNDS=${ROUNDS:-2}
: > "$OUT/python.tsv"
: > "$OUT/rust.tsv"
cargo build -q --release --features libhdf5 --bench compare_hdf5
for round in $(seq "$ROUNDS"); do
    echo "round $round: h5py..." >&2
    $PY --threads "$THREADS" >> "$OUT/python.tsv"
    echo "round $round: lazy-datasets ($THREADS threads)..." >&2
    RAYON_NUM_THREADS=$THREADS cargo bench -q --features libhdf5 --bench compare_hdf5 -- \
        --n "$N" --data "$DATA" >> "$OUT/rust.tsv"
    echo "round $round: lazy-datasets reader threads..." >&2
    cargo bench -q --features libhdf5 --bench compare_hdf5 -- \
        --n "$N" --data "$DATA" --readers >> "$OUT/rust.tsv"
done

"$VENV/bin/python" - "$OUT/python.tsv" "$OUT/rust.tsv" "$N" "$THREADS" <<'PYEOF'
import os, platform, sys
import h5py
times = {}
for path in sys.argv[1:3]:
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 3:
            libs = times.setdefault(parts[0], {})
            libs[parts[1]] = min(float(parts[2]), libs.get(parts[1], float("inf")))
n, threads = int(sys.argv[3]), sys.argv[4]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"3 x {n:,} f64; {cpu}, {os.cpu_count()} cores, {threads} threads; best of the rounds' median times; h5py {h5py.__version__}, its libhdf5 {h5py.version.hdf5_version}")
print()
cols = ("h5py", "hdf5-metno", "via libhdf5", "lazy-datasets", "pure Rust")
print(f"| {'scenario':<52} | " + " | ".join(f"{c:>13}" for c in cols) + f" | {'vs h5py':>8} | {'vs hdf5-metno':>13} | {'pure vs h5py':>12} |")
print(f"|{'-'*54}|" + "|".join("-" * 14 + ":" for _ in cols) + f"|{'-'*9}:|{'-'*14}:|{'-'*13}:|")
def fmt(t):
    if t is None:
        return "-"
    return f"{t*1e3:.1f} ms" if t >= 1e-3 else f"{t*1e6:.0f} us"
for name, libs in times.items():
    h5, raw, via, ld, pure = (libs.get(k) for k in cols)
    vs_h5 = f"{h5/ld:.2f}x" if h5 and ld else "-"
    vs_raw = f"{raw/ld:.2f}x" if raw and ld else "-"
    pure_h5 = f"{h5/pure:.2f}x" if h5 and pure else "-"
    print(f"| {name:<52} | " + " | ".join(f"{fmt(t):>13}" for t in (h5, raw, via, ld, pure)) + f" | {vs_h5:>8} | {vs_raw:>13} | {pure_h5:>12} |")
PYEOF
