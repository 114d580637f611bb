//! The Rust side of `bench/compare_writes.sh`: lazy-datasets writes the data
//! `bench/writes_bench.py` writes with TensorStore, zarr-python and h5py, in
//! the same scenarios (see there), one scenario per process, printed as
//! `scenario<TAB>library<TAB>seconds<TAB>peak RSS in MB<TAB>RSS at the start in MB`
//! (the peak is the timed part's: reset when it starts).
//!
//! `cargo bench --features zarr,libhdf5 --bench compare_writes -- --scenario NAME --dir DIR [--n N]`

use std::path::Path;
use std::time::Instant;

use lazy_datasets::hdf5::{self, create_file, H5Dataset};
use lazy_datasets::prelude::*;
use lazy_datasets::zarr::{Compression, CreateOptions, ZarrDataset};
use ndarray::{s, Array1, Array2, Axis};

const WINDOWS: usize = 200;
const ROWS: usize = 1000;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// Resets the peak resident memory to the present one (Linux
/// `clear_refs`), so that the peak reported is the timed part's.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory of this process, in MB (`VmHWM`), since
/// [`reset_peak`].
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Resets the peak and returns the resident memory now, in MB (what the
/// timed part starts from: the data to write).
fn start() -> f64 {
    reset_peak();
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn report(scenario: &str, lib: &str, secs: f64, base: f64) {
    println!("{scenario}\t{lib}\t{secs}\t{:.0}\t{base:.0}", peak_mb());
}

/// Channel `k`: ((i * 7919) % 100003) * 0.01 + k, as the Python side.
fn channel(n: usize, k: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| {
        ((i as u64 * 7919) % 100_003) as f64 * 0.01 + k as f64
    })
}

fn zarr_arrays(dir: &Path, n: usize) -> Vec<ZarrDataset<f64, U1, ReadWrite>> {
    let options = CreateOptions::default()
        .chunks([1 << 20])
        .compression(Compression::Zstd(3))
        .fill_value(0.0)
        .overwrite(true);
    (0..3)
        .map(|k| ZarrDataset::create(dir, &format!("lazy-{k}"), &[n], &options).unwrap())
        .collect()
}

fn h5_datasets(file: &hdf5::File<ReadWrite>, n: usize) -> Vec<H5Dataset<f64, U1, ReadWrite>> {
    let options = hdf5::CreateOptions::default()
        .chunks([65536])
        .compression(hdf5::Compression::Gzip(4))
        .shuffle(true);
    (0..3)
        .map(|k| H5Dataset::create(file, &format!("c{k}"), &[n], &options).unwrap())
        .collect()
}

fn main() {
    let scenario = arg("--scenario").expect("--scenario NAME");
    let dir = std::path::PathBuf::from(arg("--dir").expect("--dir DIR"));
    let n: usize = arg("--n").map_or(20_000_000, |v| v.parse().unwrap());
    let only = arg("--lib");
    let want = |lib: &str| only.as_deref().is_none_or(|o| o == lib);
    std::fs::create_dir_all(&dir).unwrap();
    let data: Vec<Array1<f64>> = (0..3).map(|k| channel(n, k)).collect();
    let s = scenario.as_str();
    match s {
        "zarr-whole" => {
            let (base, t0) = (start(), Instant::now());
            for (mut a, d) in zarr_arrays(&dir, n).into_iter().zip(&data) {
                a.write_all(d).unwrap();
            }
            report(s, "lazy-datasets", t0.elapsed().as_secs_f64(), base);
        }
        "zarr-stack" => {
            let block: Array2<f64> =
                ndarray::stack(Axis(1), &[data[0].view(), data[1].view(), data[2].view()]).unwrap();
            drop(data);
            let mut x = Stacked::new(zarr_arrays(&dir, n), -1).unwrap();
            let (base, t0) = (start(), Instant::now());
            x.write_all(&block).unwrap();
            report(s, "lazy-datasets", t0.elapsed().as_secs_f64(), base);
        }
        "zarr-windows" | "h5-windows" => {
            let block: Array2<f64> =
                ndarray::stack(Axis(1), &[data[0].view(), data[1].view(), data[2].view()]).unwrap();
            drop(data);
            let windows = |x: &mut dyn FnMut(usize, ndarray::ArrayView2<'_, f64>)| {
                for w in 0..WINDOWS {
                    x(w, block.slice(s![w * ROWS..(w + 1) * ROWS, ..]));
                }
            };
            let zarr = s == "zarr-windows";
            let file = (!zarr).then(|| create_file(dir.join("lazy.h5")).unwrap());
            for (lib, bytes) in [
                ("lazy-datasets", 0usize),
                ("lazy-datasets-buffered", 256 << 20),
            ] {
                if !want(lib) {
                    continue;
                }
                macro_rules! run {
                    ($sources:expr) => {{
                        let sources: Vec<_> = $sources;
                        let (base, t0) = (start(), Instant::now());
                        let mut x = Scaled::new(Stacked::new(sources, -1).unwrap(), 0.5);
                        windows(&mut |w, part| {
                            x.write(sel![w * ROWS..(w + 1) * ROWS, ..], &part).unwrap()
                        });
                        x.flush().unwrap();
                        drop(x);
                        report(s, lib, t0.elapsed().as_secs_f64() / WINDOWS as f64, base);
                    }};
                }
                if let Some(file) = &file {
                    // Fresh datasets for each run.
                    let sub = format!("{lib}-");
                    let options = hdf5::CreateOptions::default()
                        .chunks([65536])
                        .compression(hdf5::Compression::Gzip(4))
                        .shuffle(true)
                        .overwrite(true);
                    let ds: Vec<H5Dataset<f64, U1, ReadWrite>> = (0..3)
                        .map(|k| {
                            H5Dataset::create(file, &format!("{sub}{k}"), &[n], &options).unwrap()
                        })
                        .collect();
                    if bytes > 0 {
                        run!(ds.into_iter().map(|d| d.buffered(bytes)).collect())
                    } else {
                        run!(ds)
                    }
                } else {
                    let arrays = zarr_arrays(&dir, n);
                    if bytes > 0 {
                        run!(arrays.into_iter().map(|a| a.buffered(bytes)).collect())
                    } else {
                        run!(arrays)
                    }
                }
            }
        }
        "h5-whole" => {
            let (base, t0) = (start(), Instant::now());
            let file = create_file(dir.join("lazy.h5")).unwrap();
            for (mut d, x) in h5_datasets(&file, n).into_iter().zip(&data) {
                d.write_all(x).unwrap();
            }
            drop(file);
            report(s, "lazy-datasets", t0.elapsed().as_secs_f64(), base);
        }
        "h5-stack" => {
            let block: Array2<f64> =
                ndarray::stack(Axis(1), &[data[0].view(), data[1].view(), data[2].view()]).unwrap();
            drop(data);
            let file = create_file(dir.join("lazy.h5")).unwrap();
            let mut x = Stacked::new(h5_datasets(&file, n), -1).unwrap();
            let (base, t0) = (start(), Instant::now());
            x.write_all(&block).unwrap();
            report(s, "lazy-datasets", t0.elapsed().as_secs_f64(), base);
        }
        other => panic!("unknown scenario {other}"),
    }
}
