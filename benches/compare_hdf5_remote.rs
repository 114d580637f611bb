//! The Rust side of `bench/compare_hdf5_remote.sh`: lazy-datasets reads
//! the HDF5 file `bench/hdf5_remote_bench.py` wrote with h5py to an
//! S3-compatible server on 127.0.0.1 (`hdf5::open_url`, the pure-Rust
//! reader), in the scenarios of the Python side, printed as
//! `scenario<TAB>lazy-datasets<TAB>seconds` (median of several runs). The
//! file is opened anew for each run, as the Python side does.
//!
//! `cargo bench --features cloud --bench compare_hdf5_remote -- [--n N] [--url URL] [--reps R]`
//! with `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP=true` and the `AWS_*` keys set.

use std::hint::black_box;

use lazy_datasets::hdf5::{open_url, H5Dataset};
use lazy_datasets::prelude::*;

const WINDOWS: usize = 100;
const ROWS: usize = 1000;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn median_time(reps: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t0 = std::time::Instant::now();
        f()?;
        times.push(t0.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

fn stack(url: &str) -> Result<Stacked<H5Dataset<f64, U1>>> {
    let file = open_url(url)?;
    let sources = ["x", "y", "z"]
        .iter()
        .map(|name| H5Dataset::<f64, U1>::open(&file, name))
        .collect::<Result<Vec<_>>>()?;
    Stacked::new(sources, -1)
}

fn main() -> Result<()> {
    let n: usize = arg("--n").and_then(|v| v.parse().ok()).unwrap_or(2_000_000);
    let url = arg("--url").unwrap_or_else(|| "s3://bench/channels.h5".to_string());
    let reps: usize = arg("--reps").and_then(|v| v.parse().ok()).unwrap_or(3);
    let full = median_time(reps, || {
        black_box(stack(&url)?.read_all()?);
        Ok(())
    })?;
    println!("full stacked read\tlazy-datasets\t{full}");
    let windows = median_time(reps, || {
        let st = stack(&url)?;
        for i in 0..WINDOWS {
            let s = (i * 7919) % (n - ROWS);
            black_box(st.read(sel![s..s + ROWS, ..])?);
        }
        Ok(())
    })?;
    println!(
        "1000-row windows, random (each)\tlazy-datasets\t{}",
        windows / WINDOWS as f64
    );
    Ok(())
}
