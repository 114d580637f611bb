//! The Rust side of `bench/compare_cloud.sh`: lazy-datasets reads the Zarr
//! store `bench/cloud_bench.py` wrote with zarr-python to an S3-compatible
//! server on 127.0.0.1, in the same scenarios as TensorStore and
//! zarr-python there, printed as `scenario<TAB>lazy-datasets<TAB>seconds`
//! (median of several runs). No cache, 32 requests in flight at most (the
//! default), as the Python side; "defaults" is each side's default: here a
//! 256 MiB cache (started cold each run), TensorStore no cache.
//!
//! `cargo bench --features cloud --bench compare_cloud -- --endpoint URL [--bucket B] [--prefix P] [--n N] [--windows W] [--reps R]`
//! with `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` set.

use std::hint::black_box;

use lazy_datasets::prelude::*;
use lazy_datasets::zarr::{StoreUrl, ZarrDataset};
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

/// The process's CPU time so far (user + system), in seconds.
fn cpu_time() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> Result<()> {
    let Some(endpoint) = arg("--endpoint") else {
        // `cargo bench` without arguments (as CI's all-targets builds do): nothing to measure.
        eprintln!("compare_cloud: pass --endpoint (see bench/compare_cloud.sh)");
        return Ok(());
    };
    let bucket = arg("--bucket").unwrap_or_else(|| "bench".into());
    let prefix = arg("--prefix").unwrap_or_else(|| "data.zarr".into());
    let n: usize = arg("--n").and_then(|v| v.parse().ok()).unwrap_or(4_000_000);
    let count: usize = arg("--windows").and_then(|v| v.parse().ok()).unwrap_or(200);
    let reps: usize = arg("--reps").and_then(|v| v.parse().ok()).unwrap_or(5);
    let concurrency: usize = arg("--concurrency")
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let url = StoreUrl::new(format!("s3://{bucket}/{prefix}"))
        .set("aws_endpoint", endpoint)
        .set("aws_allow_http", "true")
        .set("aws_region", "us-east-1")
        .concurrency(concurrency);
    let open = |name| {
        ZarrDataset::<f64, U1>::open_url(url.clone(), name).map(|a| a.with_cache(Cache::new(0)))
    };
    let xyz = Stacked::new(vec![open("x")?, open("y")?, open("z")?], -1)?;
    let check = xyz.read(sel![12345, ..])?;
    for (k, v) in check.iter().enumerate() {
        assert!((v - (12.345f64.sin() + k as f64)).abs() < 1e-12, "{check}");
    }
    let cpu0 = cpu_time();
    let full = median_time(reps, || {
        black_box(xyz.read_all().expect("a full read"));
    });
    println!("full stacked read\tlazy-datasets\t{full}");
    eprintln!(
        "full stacked read: {:.3} s of CPU per read",
        (cpu_time() - cpu0) / reps as f64
    );
    let cpu0 = cpu_time();
    let starts: Vec<usize> = (0..count).map(|i| (i * 7919) % (n - 1000)).collect();
    let each = median_time(3, || {
        for &s in &starts {
            black_box(xyz.read(sel![s..s + 1000, ..]).expect("a window"));
        }
    }) / count as f64;
    println!("1000-row windows (each)\tlazy-datasets\t{each}");
    // The defaults: the process-wide cache (256 MiB), each run starting cold.
    let each = median_time(3, || {
        let cache = Cache::new(Cache::DEFAULT_BUDGET);
        let open = |name| {
            ZarrDataset::<f64, U1>::open_url(url.clone(), name)
                .map(|a| a.with_cache(cache.clone()))
                .expect("an array")
        };
        let xyz = Stacked::new(vec![open("x"), open("y"), open("z")], -1).expect("a stack");
        for &s in &starts {
            black_box(xyz.read(sel![s..s + 1000, ..]).expect("a window"));
        }
    }) / count as f64;
    println!("windows, defaults (each)\tlazy-datasets\t{each}");
    eprintln!(
        "windows: {:.2} ms of CPU per window",
        (cpu_time() - cpu0) / (3 * count) as f64 * 1e3
    );
    Ok(())
}
