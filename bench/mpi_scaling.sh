#!/usr/bin/env bash
# Throughput of examples/mpi_copy.rs with 1, 2 and 3 MPI ranks: a scaled
# stack of three int16 HDF5 channels (chunks of 65,536, deflate 1), read as
# f64, copied into one parallel HDF5 file. The copy is timed between two
# barriers (create and sum excluded); throughput is the view's f64 bytes
# over that time. Prints a table: best of ROUNDS (5) runs per rank count, with
# one rayon thread per rank and with rayon's default (one per core).
#
#   bash bench/mpi_scaling.sh                   # ROWS=45M: a 1.08 GB view
#   ROWS=10000000 ROUNDS=2 bash bench/mpi_scaling.sh
#
# Needs what .ci/mpi installs (OpenMPI, libhdf5-openmpi-dev); DIR holds the
# channel files (about 200 MB, written once) and the output (the view's size).
set -euo pipefail
cd "$(dirname "$0")/.."
export HDF5_DIR=${HDF5_DIR:-/usr/lib/x86_64-linux-gnu/hdf5/openmpi}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target/mpi}
ROWS=${ROWS:-45000000}
ROUNDS=${ROUNDS:-5}
RANKS=${RANKS:-"1 2 3"}
DIR=${DIR:-$CARGO_TARGET_DIR/bench-mpi-$ROWS}
MPIRUN=(mpirun --allow-run-as-root --oversubscribe)

cargo build -q --release --features mpi --example mpi_copy
example="$CARGO_TARGET_DIR/release/examples/mpi_copy"
mkdir -p "$DIR"
echo "writing the channel files (once) and a warm-up run..." >&2
"${MPIRUN[@]}" -np 1 "$example" --dir "$DIR" --rows "$ROWS" >/dev/null

# best (highest) copy MB/s of ROUNDS runs, its time, and the best read-only MB/s
best() {
    local n=$1 threads=$2 out mbps seconds read best_mbps=0 best_s=0 best_read=0
    for _ in $(seq "$ROUNDS"); do
        out=$("${MPIRUN[@]}" -x RAYON_NUM_THREADS="$threads" -np "$n" "$example" --dir "$DIR" --rows "$ROWS")
        seconds=$(sed -n 's/^copied .* in \([0-9.]*\) s: .*/\1/p' <<<"$out")
        mbps=$(sed -n 's/^copied .*: \([0-9.]*\) MB\/s$/\1/p' <<<"$out")
        read=$(sed -n 's/^read .*: \([0-9.]*\) MB\/s$/\1/p' <<<"$out")
        echo "  $n rank(s), threads $threads: copy $seconds s, $mbps MB/s; read $read MB/s" >&2
        if awk -v a="$mbps" -v b="$best_mbps" 'BEGIN { exit !(a > b) }'; then
            best_mbps=$mbps
            best_s=$seconds
        fi
        if awk -v a="$read" -v b="$best_read" 'BEGIN { exit !(a > b) }'; then
            best_read=$read
        fi
    done
    echo "$best_s $best_mbps $best_read"
}

declare -A S M R
# RAYON_NUM_THREADS=0 is rayon's default: one thread per core.
for threads in 1 0; do
    for n in $RANKS; do
        read -r s m r < <(best "$n" "$threads")
        S[$n,$threads]=$s
        M[$n,$threads]=$m
        R[$n,$threads]=$r
    done
done

bytes=$(awk -v r="$ROWS" 'BEGIN { printf "%.2f", r * 3 * 8 / 1e9 }')
first=${RANKS%% *}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
echo
echo "$ROWS x 3 f64 view ($bytes GB) copied into one parallel HDF5 file; $(nproc) cores; best of $ROUNDS"
echo
echo "| ranks | copy, 1 thread per rank | MB/s | vs 1 rank | copy, rayon threads (1 per core) per rank | MB/s | vs 1 rank | read only (sum of the view), 1 thread per rank, MB/s |"
echo "|------:|------------------------:|-----:|----------:|------------------------------------------:|-----:|----------:|-----------------------------------------------------:|"
for n in $RANKS; do
    printf '| %s | %s s | %s | %s | %s s | %s | %s | %s |\n' "$n" \
        "${S[$n,1]}" "${M[$n,1]}" "$(ratio "${M[$n,1]}" "${M[$first,1]}")" \
        "${S[$n,0]}" "${M[$n,0]}" "$(ratio "${M[$n,0]}" "${M[$first,0]}")" \
        "${R[$n,1]}"
done
