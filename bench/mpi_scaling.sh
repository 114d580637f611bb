#!/usr/bin/env bash
# Throughput of examples/mpi_copy.rs with 1, 2 and 3 MPI ranks: a scaled
# stack of three int16 HDF5 channels (chunks of 65,536, deflate 1), read as
# f64, copied into one parallel HDF5 file. The copy is timed between two
# barriers (create and sum excluded); throughput is the view's f64 bytes
# over that time. Prints a table: best of ROUNDS runs per rank count, with
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
ROUNDS=${ROUNDS:-3}
RANKS=${RANKS:-"1 2 3"}
DIR=${DIR:-$CARGO_TARGET_DIR/bench-mpi-$ROWS}
MPIRUN=(mpirun --allow-run-as-root --oversubscribe)

cargo build -q --release --features mpi --example mpi_copy
example="$CARGO_TARGET_DIR/release/examples/mpi_copy"
mkdir -p "$DIR"
echo "writing the channel files (once) and a warm-up run..." >&2
"${MPIRUN[@]}" -np 1 "$example" --dir "$DIR" --rows "$ROWS" >/dev/null

# best (highest) MB/s of ROUNDS runs, and its time
best() {
    local n=$1 threads=$2 line mbps seconds best_mbps=0 best_s=0
    for _ in $(seq "$ROUNDS"); do
        if [ "$threads" = default ]; then
            line=$("${MPIRUN[@]}" -np "$n" "$example" --dir "$DIR" --rows "$ROWS" | grep '^copied')
        else
            line=$("${MPIRUN[@]}" -x RAYON_NUM_THREADS="$threads" -np "$n" "$example" --dir "$DIR" --rows "$ROWS" | grep '^copied')
        fi
        seconds=$(sed -n 's/.* in \([0-9.]*\) s: .*/\1/p' <<<"$line")
        mbps=$(sed -n 's/.*: \([0-9.]*\) MB\/s$/\1/p' <<<"$line")
        echo "  $n rank(s), threads $threads: $seconds s, $mbps MB/s" >&2
        if awk -v a="$mbps" -v b="$best_mbps" 'BEGIN { exit !(a > b) }'; then
            best_mbps=$mbps
            best_s=$seconds
        fi
    done
    echo "$best_s $best_mbps"
}

declare -A S M
for threads in 1 default; do
    for n in $RANKS; do
        read -r s m < <(best "$n" "$threads")
        S[$n,$threads]=$s
        M[$n,$threads]=$m
    done
done

bytes=$(awk -v r="$ROWS" 'BEGIN { printf "%.2f", r * 3 * 8 / 1e9 }')
echo
echo "$ROWS x 3 f64 view ($bytes GB) copied into one parallel HDF5 file; $(nproc) cores; best of $ROUNDS"
echo
echo "| ranks | 1 thread per rank | MB/s | vs 1 rank | rayon default threads per rank | MB/s | vs 1 rank |"
echo "|------:|------------------:|-----:|----------:|-------------------------------:|-----:|----------:|"
first=${RANKS%% *}
for n in $RANKS; do
    r1=$(awk -v a="${M[$n,1]}" -v b="${M[$first,1]}" 'BEGIN { printf "%.2fx", a / b }')
    rd=$(awk -v a="${M[$n,default]}" -v b="${M[$first,default]}" 'BEGIN { printf "%.2fx", a / b }')
    printf '| %5s | %16s s | %s | %s | %29s s | %s | %s |\n' \
        "$n" "${S[$n,1]}" "${M[$n,1]}" "$r1" "${S[$n,default]}" "${M[$n,default]}" "$rd"
done
