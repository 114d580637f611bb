#!/usr/bin/env bash
# Compares lazy-datasets with TensorStore (s3 kvstore) and zarr-python
# (obstore's S3Store) reading the same Zarr store, written by zarr-python,
# from one S3-compatible server on 127.0.0.1: three 1-D float64 arrays of N
# elements in chunks of C (zstd, zarr-python's default), stacked along a new
# last axis; a full read and 1000-row windows, no cache, 32 requests in
# flight at most on every side. Prints a table of ratios: TensorStore's time
# over lazy-datasets' (above 1 means lazy-datasets is faster).
#
#   bash bench/compare_cloud.sh                    # s3s-fs (Rust, from crates.io), N=4M, C=100k
#   SERVER=moto bash bench/compare_cloud.sh        # moto's server (Python, from PyPI)
#
# The sides take turns ROUNDS times (default 4), who goes first alternating;
# each keeps its best median.
# Threads: THREADS (default: the number of cores) for TensorStore's
# data_copy_concurrency and lazy-datasets' RAYON_NUM_THREADS.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-4000000}
C=${C:-100000}
THREADS=${THREADS:-$(nproc)}
SERVER=${SERVER:-s3s-fs}
OUT=${OUT:-target/bench-cloud}
VENV=${VENV:-$OUT/venv}
mkdir -p "$OUT"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q numpy zarr obstore tensorstore 'moto[server]'

export AWS_ACCESS_KEY_ID=benchkey AWS_SECRET_ACCESS_KEY=benchsecret AWS_REGION=us-east-1
port=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endpoint="http://127.0.0.1:$port"
case "$SERVER" in
    s3s-fs)
        [ -x "$OUT/tools/bin/s3s-fs" ] ||
            cargo install -q --root "$OUT/tools" s3s-fs@0.14.1 --features binary
        rm -rf "$OUT/s3s-root" && mkdir -p "$OUT/s3s-root/bench"
        "$OUT/tools/bin/s3s-fs" --host 127.0.0.1 --port "$port" \
            --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" \
            "$OUT/s3s-root" >/dev/null 2>&1 &
        ;;
    moto)
        "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
        ;;
    *) echo "SERVER is s3s-fs or moto" >&2; exit 2 ;;
esac
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.2
done
if [ "$SERVER" = moto ]; then
    "$VENV/bin/python" -c "import boto3; boto3.client('s3', endpoint_url='$endpoint').create_bucket(Bucket='bench')"
fi

PY="$VENV/bin/python bench/cloud_bench.py --endpoint $endpoint --n $N --chunk $C"
$PY --make-data

ROUNDS=${ROUNDS:-4}
: > "$OUT/python.tsv"
: > "$OUT/rust.tsv"
cargo build -q --release --features cloud --bench compare_cloud
python_side() {
    echo "round $round: TensorStore and zarr-python ($THREADS threads)..." >&2
    $PY --threads "$THREADS" >> "$OUT/python.tsv"
}
rust_side() {
    echo "round $round: lazy-datasets ($THREADS threads)..." >&2
    RAYON_NUM_THREADS=$THREADS cargo bench -q --features cloud --bench compare_cloud -- \
        --endpoint "$endpoint" --n "$N" >> "$OUT/rust.tsv"
}
# Who goes first alternates: a server slowing down (or warming up) over the
# run then favours neither side.
for round in $(seq "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then python_side; rust_side; else rust_side; python_side; fi
done

"$VENV/bin/python" - "$OUT/python.tsv" "$OUT/rust.tsv" "$N" "$C" "$THREADS" "$SERVER" <<'PYEOF'
import os, platform, sys
times = {}
for path in sys.argv[1:3]:
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 3:
            libs = times.setdefault(parts[0], {})
            libs[parts[1]] = min(float(parts[2]), libs.get(parts[1], float("inf")))
n, c, threads, server = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"3 x {n:,} f64 in chunks of {c:,} (zstd) on {server} at 127.0.0.1; {cpu}, {os.cpu_count()} cores, {threads} threads; best of the rounds' median times")
print()
print(f"| {'scenario':<26} | {'TensorStore':>11} | {'zarr-python':>11} | {'lazy-datasets':>13} | {'vs TensorStore':>14} | {'vs zarr-python':>14} |")
print(f"|{'-'*28}|{'-'*12}:|{'-'*12}:|{'-'*14}:|{'-'*15}:|{'-'*15}:|")
def fmt(t):
    if t is None:
        return "-"
    return f"{t*1e3:.1f} ms" if t >= 1e-3 else f"{t*1e6:.0f} us"
for name, libs in times.items():
    ts, zp, ld = (libs.get(k) for k in ("tensorstore", "zarr-python", "lazy-datasets"))
    r1 = f"{ts/ld:.2f}x" if ts and ld else "-"
    r2 = f"{zp/ld:.2f}x" if zp and ld else "-"
    print(f"| {name:<26} | {fmt(ts):>11} | {fmt(zp):>11} | {fmt(ld):>13} | {r1:>14} | {r2:>14} |")
PYEOF
