#!/usr/bin/env bash
# Compares lazy-datasets (`hdf5::open_url`, the pure-Rust reader, feature
# `cloud`) with h5py over fsspec (s3fs and its default block cache) and,
# where it installs, h5coro, reading the same HDF5 file from an
# S3-compatible server on 127.0.0.1: three float64 datasets of N elements
# written by h5py (gzip + shuffle, h5py's automatic chunks), stacked along a
# new last axis; a full read and 100 random 1,000-row windows, each side
# opening the file anew for each run (so its metadata reads count). Prints
# a table: the peers' times over lazy-datasets' (above 1 means
# lazy-datasets is faster).
#
#   bash bench/compare_hdf5_remote.sh          # N=2M
#   N=5000000 bash bench/compare_hdf5_remote.sh
#   SERVER=moto bash bench/compare_hdf5_remote.sh
#
# The server: SERVER=s3s-fs (default; crates.io's S3 server over a
# directory, built from bench/s3-server into $OUT: s3s-fs's library with
# two changes that make it cost, on the cores it shares with the client
# under test, what a production object store's front end costs: its
# connections set TCP_NODELAY, as S3's front ends do, and a GET's bytes are
# read by one positional read instead of 4 KiB at a time),
# SERVER=s3s-fs-binary (s3s-fs's own binary, `cargo install`ed into
# $OUT/s3s: without TCP_NODELAY about every other answer waits ~40 ms on
# loopback for the client's delayed ACK, which costs a reader of many
# requests more than one of few) or SERVER=moto (PyPI's mock: it answers one
# request at a time, ~120 ms each for a 176 MB object whatever the range, so
# only the number of requests counts there).
#
# The sides take turns ROUNDS times (default 2); each keeps its best median.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000000}
THREADS=${THREADS:-$(nproc)}
OUT=${OUT:-target/bench-hdf5-remote}
VENV=${VENV:-$OUT/venv}
mkdir -p "$OUT"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check numpy h5py s3fs boto3 'moto[server]'
"$VENV/bin/pip" install -q --disable-pip-version-check h5coro 2>/dev/null ||
    echo "h5coro does not install here: its rows are left out" >&2

export AWS_ACCESS_KEY_ID=benchkey AWS_SECRET_ACCESS_KEY=benchsecret AWS_REGION=us-east-1
port=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endpoint="http://127.0.0.1:$port"
SERVER=${SERVER:-s3s-fs}
case "$SERVER" in
moto)
    "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
    server=$!
    ;;
s3s-fs)
    echo "building bench/s3-server (s3s-fs as production servers serve)..." >&2
    cargo build -q --release --locked --manifest-path bench/s3-server/Cargo.toml \
        --target-dir "$OUT/s3-server-target"
    rm -rf "$OUT/s3s-data"
    mkdir -p "$OUT/s3s-data"
    "$OUT/s3-server-target/release/bench-s3-server" --host 127.0.0.1 --port "$port" \
        --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" "$OUT/s3s-data" \
        >/dev/null 2>&1 &
    server=$!
    ;;
s3s-fs-binary)
    if [ ! -x "$OUT/s3s/bin/s3s-fs" ]; then
        echo "installing s3s-fs (once)..." >&2
        cargo install -q s3s-fs@0.14.1 --locked --features binary --root "$OUT/s3s"
    fi
    rm -rf "$OUT/s3s-data"
    mkdir -p "$OUT/s3s-data"
    "$OUT/s3s/bin/s3s-fs" --host 127.0.0.1 --port "$port" --access-key "$AWS_ACCESS_KEY_ID" \
        --secret-key "$AWS_SECRET_ACCESS_KEY" "$OUT/s3s-data" >/dev/null 2>&1 &
    server=$!
    ;;
*)
    echo "SERVER must be s3s-fs, s3s-fs-binary or moto, not $SERVER" >&2
    exit 2
    ;;
esac
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.2
done
"$VENV/bin/python" -c "import boto3; boto3.client('s3', endpoint_url='$endpoint').create_bucket(Bucket='bench')"
PY="$VENV/bin/python bench/hdf5_remote_bench.py --endpoint $endpoint --n $N"
$PY --make-data

ROUNDS=${ROUNDS:-2}
: > "$OUT/python.tsv"
: > "$OUT/rust.tsv"
cargo build -q --release --features hdf5,cloud --bench compare_hdf5_remote
for round in $(seq "$ROUNDS"); do
    echo "round $round: h5py over fsspec, h5coro..." >&2
    $PY >> "$OUT/python.tsv"
    echo "round $round: lazy-datasets ($THREADS threads)..." >&2
    AWS_ENDPOINT_URL=$endpoint AWS_ALLOW_HTTP=true RAYON_NUM_THREADS=$THREADS \
        cargo bench -q --features hdf5,cloud --bench compare_hdf5_remote -- --n "$N" >> "$OUT/rust.tsv"
done

"$VENV/bin/python" - "$OUT/python.tsv" "$OUT/rust.tsv" "$N" "$THREADS" "$SERVER" <<'PYEOF'
import os, platform, sys
times = {}
for path in sys.argv[1:3]:
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 3:
            libs = times.setdefault(parts[0], {})
            libs[parts[1]] = min(float(parts[2]), libs.get(parts[1], float("inf")))
n, threads, server = int(sys.argv[3]), sys.argv[4], sys.argv[5]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"3 x {n:,} f64 (gzip + shuffle, h5py's chunks) on {server} at 127.0.0.1; {cpu}, {os.cpu_count()} cores, {threads} threads; best of the rounds' median times")
print()
cols = ("h5py over fsspec", "h5coro", "lazy-datasets")
print(f"| {'scenario':<32} | " + " | ".join(f"{c:>16}" for c in cols) + f" | {'vs h5py':>8} | {'vs h5coro':>9} |")
print(f"|{'-'*34}|" + "|".join("-" * 17 + ":" for _ in cols) + f"|{'-'*9}:|{'-'*10}:|")
def fmt(t):
    if t is None:
        return "-"
    return f"{t*1e3:.1f} ms" if t >= 1e-3 else f"{t*1e6:.0f} us"
for name, libs in times.items():
    h5, coro, ld = (libs.get(k) for k in cols)
    r1 = f"{h5/ld:.2f}x" if h5 and ld else "-"
    r2 = f"{coro/ld:.2f}x" if coro and ld else "-"
    print(f"| {name:<32} | " + " | ".join(f"{fmt(t):>16}" for t in (h5, coro, ld)) + f" | {r1:>8} | {r2:>9} |")
PYEOF
