//! The Rust side of `bench/compare_tensorstore.sh`: lazy-datasets reads the
//! Zarr stores `bench/tensorstore_bench.py` made with zarr-python, in the
//! same scenarios as TensorStore there, printed as
//! `scenario<TAB>lazy-datasets<TAB>seconds` (median of several runs).
//!
//! `cargo bench --features zarr --bench compare_tensorstore -- --data DIR [--n N] [--side S] [--reps R]`
//!
//! "cache off" reads use `Cache::new(0)` (every read decodes, like
//! TensorStore's default context); "cache on" the 256 MiB default.

use std::hint::black_box;
use std::path::Path;

use lazy_datasets::prelude::*;
use lazy_datasets::zarr::zarrs::array::{
    ArrayBytesDecodeIntoTarget, ArrayBytesFixedDisjointView, ArraySubset,
};
use lazy_datasets::zarr::ZarrDataset;
use lazy_datasets::Cache;

fn median_time(reps: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let t0 = std::time::Instant::now();
            f();
            t0.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn report(name: &str, secs: f64) {
    println!("{name}\tlazy-datasets\t{secs}");
}

/// The positions of the Python side's `windows_1d`, `scan_1d`, `windows_2d`.
fn windows_1d(n: usize) -> Vec<usize> {
    (0..1000).map(|i| (i * 7919) % (n - 1000)).collect()
}

fn scan_1d(n: usize) -> Vec<usize> {
    (0..1000.min(n / 1000)).map(|i| i * 1000).collect()
}

fn windows_2d(side: usize) -> Vec<(usize, usize)> {
    (0..200)
        .map(|i| ((i * 7919) % (side - 256), (i * 104729) % (side - 256)))
        .collect()
}

/// NumPy's `default_rng(7).integers(0, n, count)` cannot be reproduced
/// here; any fixed unsorted positions with repeats do (same count).
fn unsorted_rows(n: usize, count: usize) -> Vec<isize> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as isize
        })
        .collect()
}

fn open<T: lazy_datasets::zarr::ZarrElement, R: Rank>(
    root: &Path,
    store: &str,
    cache: &Cache,
) -> Result<Vec<ZarrDataset<T, R>>> {
    ["x", "y", "z"]
        .iter()
        .map(
            |name| Ok(ZarrDataset::<T, R>::open(root.join(store), name)?.with_cache(cache.clone())),
        )
        .collect()
}

/// A line of `/proc/self/status` in KiB (`VmRSS`, `VmHWM`); 0 elsewhere.
fn status_kib(field: &str) -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// `--rss`: the peak memory of one full stacked read of the 1-D zstd store
/// beyond the output it returns, with the cache off and with the default
/// cache (run in a fresh process for each: `--rss off`, `--rss on`).
fn rss(root: &Path, n: usize, cache: &str) -> Result<()> {
    let cache = if cache == "on" {
        Cache::new(Cache::DEFAULT_BUDGET)
    } else {
        Cache::new(0)
    };
    let st = Stacked::new(open::<f64, U1>(root, "1d-zstd.zarr", &cache)?, -1)?;
    let before = status_kib("VmRSS:");
    let out = st.read_all()?;
    let peak = status_kib("VmHWM:");
    let output = out.len() * 8 / 1024;
    println!(
        "full stacked read, cache {}: peak {} MiB above the start, output {} MiB, extra {} MiB",
        if cache.budget() > 0 { "on" } else { "off" },
        (peak - before) / 1024,
        output / 1024,
        (peak - before).saturating_sub(output) / 1024
    );
    drop(black_box(out));
    let _ = n;
    Ok(())
}

fn main() -> Result<()> {
    let Some(data) = arg("--data") else {
        eprintln!("usage: compare_tensorstore --data DIR [--n N] [--side S] [--reps R]");
        return Ok(());
    };
    let root = Path::new(&data);
    let n: usize = arg("--n")
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000_000);
    let side: usize = arg("--side").and_then(|v| v.parse().ok()).unwrap_or(4096);
    let reps: usize = arg("--reps").and_then(|v| v.parse().ok()).unwrap_or(5);
    if let Some(cache) = arg("--rss") {
        return rss(root, n, &cache);
    }
    for codec in ["zstd", "raw"] {
        let store = format!("1d-{codec}.zarr");
        let off = Cache::new(0);
        let st = Stacked::new(open::<f64, U1>(root, &store, &off)?, -1)?;
        report(
            &format!("1d {codec}: full stacked read"),
            median_time(reps, || drop(black_box(st.read_all()))),
        );
        let starts = windows_1d(n);
        let each = median_time(3, || {
            for &s in &starts {
                drop(black_box(st.read(sel![s..s + 1000])));
            }
        }) / starts.len() as f64;
        report(
            &format!("1d {codec}: 1000-row windows, random (each)"),
            each,
        );
        report(
            &format!("1d {codec}: strided [::7]"),
            median_time(reps, || drop(black_box(st.read(sel![..;7])))),
        );
        let one = ZarrDataset::<f64, U1>::open(root.join(&store), "x")?.with_cache(off.clone());
        report(
            &format!("1d {codec}: one array [::7]"),
            median_time(reps, || drop(black_box(one.read(sel![..;7])))),
        );
        report(
            &format!("1d {codec}: one array whole"),
            median_time(reps, || drop(black_box(one.read_all()))),
        );
        let rows = unsorted_rows(n, 1000);
        report(
            &format!("1d {codec}: 1000 unsorted rows"),
            median_time(reps, || drop(black_box(st.read(sel![rows.clone()])))),
        );
        // In order, with the default cache (TensorStore's default context
        // has none; the next row gives it the same budget).
        // A fresh cache (and open) each run: every run starts cold.
        let scan = scan_1d(n);
        let each = median_time(3, || {
            let on = Cache::new(Cache::DEFAULT_BUDGET);
            let cached = open::<f64, U1>(root, &store, &on)
                .and_then(|s| Stacked::new(s, -1))
                .expect("the store opened above");
            for &s in &scan {
                drop(black_box(cached.read(sel![s..s + 1000])));
            }
        }) / scan.len() as f64;
        report(
            &format!("1d {codec}: 1000-row windows, in order (each)"),
            each,
        );
        report(
            &format!("1d {codec}: 1000-row windows, in order, 256 MiB cache (each)"),
            each,
        );
        // One array whole, beside zarrs' own read into a preallocated buffer.
        let x = ZarrDataset::<f64, U1>::open(root.join(&store), "x")?.with_cache(Cache::new(0));
        let mut out = ndarray::Array1::<f64>::zeros(n);
        let region = lazy_datasets::Region::full(&[n]);
        report(
            &format!("1d {codec}: one array whole, into a buffer"),
            median_time(reps, || {
                black_box(x.read_into(&region, out.view_mut().into_dyn()).is_ok());
            }),
        );
        let raw = x.inner();
        let subset = ArraySubset::new_with_shape(vec![n as u64]);
        let secs = median_time(reps, || {
            let Some(bytes) = out
                .as_slice_mut()
                .and_then(lazy_datasets::backend::bytes_mut)
            else {
                return;
            };
            let cells = unsafe_cell_slice::UnsafeCellSlice::new(bytes);
            // SAFETY: the only view of `out` while it lives.
            let shape = [n as u64];
            let view =
                unsafe { ArrayBytesFixedDisjointView::new(cells, 8, &shape, subset.clone()) };
            if let Ok(mut view) = view {
                let target = ArrayBytesDecodeIntoTarget::Fixed(&mut view);
                black_box(raw.retrieve_array_subset_into(&subset, target).is_ok());
            }
        });
        println!("1d {codec}: one array whole, into a buffer\tzarrs\t{secs}");
    }
    for codec in ["zstd", "raw"] {
        let store = format!("2d-{codec}.zarr");
        let off = Cache::new(0);
        let st = Stacked::new(open::<f32, U2>(root, &store, &off)?, -1)?;
        report(
            &format!("2d {codec}: full stacked read"),
            median_time(reps, || drop(black_box(st.read_all()))),
        );
        let wins = windows_2d(side);
        let each = median_time(3, || {
            for &(r, c) in &wins {
                drop(black_box(st.read(sel![r..r + 256, c..c + 256])));
            }
        }) / wins.len() as f64;
        report(&format!("2d {codec}: 256x256 windows, random (each)"), each);
        report(
            &format!("2d {codec}: strided [::7, ::7]"),
            median_time(reps, || drop(black_box(st.read(sel![..;7, ..;7])))),
        );
        let rows = unsorted_rows(side, 100);
        report(
            &format!("2d {codec}: 100 unsorted rows"),
            median_time(reps, || drop(black_box(st.read(sel![rows.clone()])))),
        );
    }
    Ok(())
}
