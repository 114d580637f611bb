//! Beyond one machine: every MPI rank reads its share of a scaled stack of
//! three HDF5 channel files and writes the same rows of one parallel HDF5
//! file; then the ranks sum the file together and rank 0 prints the sum.
//!
//! ```sh
//! export HDF5_DIR=/usr/lib/x86_64-linux-gnu/hdf5/openmpi   # the MPI build of libhdf5 (Debian)
//! cargo build --release --example mpi_copy --features mpi
//! mpirun -np 2 target/release/examples/mpi_copy                       # (as root: --allow-run-as-root)
//! srun -n 64 target/release/examples/mpi_copy --dir /scratch/$USER/mpi_copy --rows 100000000
//! ```
//!
//! Options: `--dir DIR` (on a filesystem every rank sees; default a
//! directory in the system's temporary directory, removed at the end
//! unless given), `--rows N` (rows of each channel, default 1,000,000).
//! Rank 0 writes the channel files when they are missing or of another
//! length; each rank opens them by itself, read-only.

use std::path::{Path, PathBuf};
use std::time::Instant;

use lazy_datasets::hdf5::{create_file, open_file, CreateOptions, H5Dataset};
use lazy_datasets::mpi::mpi::traits::{Communicator, CommunicatorCollectives};
use lazy_datasets::mpi::{agree, copy_into, create_h5, sum};
use lazy_datasets::prelude::*;
use ndarray::Array1;

const CHANNELS: [&str; 3] = ["x", "y", "z"];
/// Chunks of the channel files and of the output: 65,536 rows.
const CHUNK: usize = 1 << 16;
/// Counts to volts.
const VOLTS_PER_COUNT: f64 = 2.5 / 2048.0;

/// The count channel `c` holds at `row`: a slow ramp, -2048..2047.
fn count(c: usize, row: usize) -> i16 {
    ((row / (c + 1)) % 4096) as i16 - 2048
}

fn main() {
    let Some(universe) = lazy_datasets::mpi::mpi::initialize() else {
        eprintln!("MPI was initialized already");
        std::process::exit(2);
    };
    let world = universe.world();
    let code = match run(&world) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("rank {}: {e}", world.rank());
            1
        }
    };
    // Every parallel handle is closed by now; MPI is finalized here.
    drop(universe);
    std::process::exit(code);
}

struct Args {
    dir: Option<PathBuf>,
    rows: usize,
}

fn args() -> Result<Args> {
    let mut args = Args {
        dir: None,
        rows: 1_000_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| Error::value(format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--dir" => args.dir = Some(PathBuf::from(value()?)),
            "--rows" => {
                args.rows = value()?
                    .replace(['_', ','], "")
                    .parse()
                    .map_err(|e| Error::value(format!("--rows: {e}")))?
            }
            other => {
                return Err(Error::value(format!(
                    "unknown argument {other:?} (--dir, --rows)"
                )))
            }
        }
    }
    Ok(args)
}

fn run<C: Communicator>(world: &C) -> Result<()> {
    let (rank, ranks) = (world.rank(), world.size());
    let args = agree(world, args())?;
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("lazy-datasets-mpi-copy"));
    // Rank 0 writes the sources; the others wait for it, and learn if it failed.
    let written = if rank == 0 {
        write_channels(&dir, args.rows)
    } else {
        Ok(())
    };
    agree(world, written)?;

    // Each rank opens the three files by itself; all agree that all could
    // before the collective create.
    let volts = agree(world, open_view(&dir))?;
    let shape = volts.shape().to_vec();
    let out_path = dir.join("volts.h5");
    let result = {
        let mut out = create_h5::<f64, U2, _>(
            world,
            &out_path,
            "/volts",
            &shape,
            &CreateOptions::default().chunks([CHUNK, 3]),
        )?;
        world.barrier();
        let start = Instant::now();
        copy_into(world, &volts, &mut out)?;
        world.barrier();
        let seconds = start.elapsed().as_secs_f64();
        let total = sum(world, &out)?;
        (seconds, total)
    }; // the parallel file is closed on every rank
    let (seconds, total) = result;
    // The same view read alone (summed), for what the copy's writes cost.
    world.barrier();
    let start = Instant::now();
    let read_total = sum(world, &volts)?;
    world.barrier();
    let read_seconds = start.elapsed().as_secs_f64();
    if rank == 0 {
        let bytes = (shape.iter().product::<usize>() * 8) as f64;
        // Counts times 2.5 / 2048 are multiples of 2^-12 far below 2^41:
        // every sum of them is exact, in any order.
        let expected: f64 = (0..args.rows)
            .map(|row| {
                CHANNELS
                    .iter()
                    .enumerate()
                    .map(|(c, _)| f64::from(count(c, row)) * VOLTS_PER_COUNT)
                    .sum::<f64>()
            })
            .sum();
        println!(
            "copied a {shape:?} f64 view ({:.1} MB) into {} with {ranks} rank(s) in {seconds:.3} s: {:.1} MB/s",
            bytes / 1e6,
            out_path.display(),
            bytes / 1e6 / seconds
        );
        println!(
            "read (summed) the view with {ranks} rank(s) in {read_seconds:.3} s: {:.1} MB/s",
            bytes / 1e6 / read_seconds
        );
        if read_total != expected {
            return Err(Error::value(format!(
                "the view sums to {read_total}, the formula to {expected}"
            )));
        }
        println!("sum of the copy: {total} (from the formula: {expected})");
    }
    if args.dir.is_none() {
        world.barrier();
        if rank == 0 {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    Ok(())
}

/// The view: three channels of counts, stacked into rows of three and
/// scaled to volts.
fn open_view(dir: &Path) -> Result<Scaled<Stacked<H5Dataset<i16, U1>>, f64>> {
    let channels = CHANNELS
        .iter()
        .map(|name| {
            let file = open_file(dir.join(format!("{name}.h5")))?;
            H5Dataset::<i16, U1>::open(&file, name)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Scaled::new(Stacked::new(channels, -1)?, VOLTS_PER_COUNT))
}

/// Writes the three channel files (chunked, deflate) unless they are there
/// with `rows` rows.
fn write_channels(dir: &Path, rows: usize) -> Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::backend(format!("cannot create {}", dir.display()), e))?;
    for (c, name) in CHANNELS.iter().enumerate() {
        let path = dir.join(format!("{name}.h5"));
        let present = open_file(&path)
            .and_then(|file| H5Dataset::<i16, U1>::open(&file, name))
            .is_ok_and(|ds| ds.shape() == [rows]);
        if present {
            continue;
        }
        let file = create_file(&path)?;
        let ds = file
            .new_dataset::<i16>()
            .shape(rows)
            .chunk(CHUNK.min(rows.max(1)))
            .deflate(1)
            .create(*name)
            .map_err(|e| Error::backend(format!("cannot create {}", path.display()), e))?;
        let mut channel = H5Dataset::<i16, U1>::from_inner_rw(ds)?;
        for start in (0..rows).step_by(1 << 22) {
            let end = (start + (1 << 22)).min(rows);
            let block = Array1::from_shape_fn(end - start, |k| count(c, start + k));
            channel.write(sel![start as isize..end as isize], &block)?;
        }
    }
    Ok(())
}
