//! Criterion benchmarks of boolean masks and long sorted lists (issue 24),
//! each next to its baseline in the same run: `read_all()` and filtering by
//! hand.
//!
//! `cargo bench --bench masks` (in memory), `cargo bench --features libhdf5,zarr
//! --bench masks` (also HDF5 and Zarr, gzip); `LAZY_BENCH_N` sets the length
//! of each of the three `f32` channels (default 2,000,000). The mask keeps
//! 97% of the positions, at random; the sorted list is the positions it
//! keeps. HDF5 chunks are h5py's automatic ones for this size (7,813
//! elements), Zarr chunks lazy-zarr's default (about 1 MiB). Stores are
//! written to `target/bench-masks/` once and reused, and read with the cache
//! off (`Cache::new(0)`), so every read decodes what it needs.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use lazy_datasets::prelude::*;
#[cfg(any(feature = "libhdf5", feature = "zarr"))]
use lazy_datasets::Cache;
use ndarray::{Array1, Array2};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

fn n() -> usize {
    std::env::var("LAZY_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000)
}

fn channel(n: usize, k: usize) -> Array1<f32> {
    Array1::from_iter((0..n).map(|i| ((i * 7 + k) % 1000) as f32 * 0.25))
}

/// 97% true, at random (seeded).
fn mask(n: usize) -> Vec<bool> {
    let mut rng = SmallRng::seed_from_u64(24);
    (0..n).map(|_| rng.random::<f64>() < 0.97).collect()
}

/// The baseline: the elements under `mask`, filtered by hand.
fn filter(a: &Array1<f32>, mask: &[bool]) -> Array1<f32> {
    a.iter()
        .zip(mask)
        .filter(|(_, &m)| m)
        .map(|(&v, _)| v)
        .collect()
}

/// The baseline of a stack along the last axis: rows under `mask`.
fn filter_rows(columns: &[Array1<f32>], mask: &[bool], kept: usize) -> Array2<f32> {
    let mut out = Array2::<f32>::zeros((kept, columns.len()));
    for (k, col) in columns.iter().enumerate() {
        let mut dst = out.column_mut(k);
        let picked = col.iter().zip(mask).filter(|(_, &m)| m).map(|(&v, _)| v);
        for (d, v) in dst.iter_mut().zip(picked) {
            *d = v;
        }
    }
    out
}

/// Mask, sorted list and stack-of-three mask reads of `sources`, next to
/// `read_all` and filtering by hand.
fn group<D>(c: &mut Criterion, name: &str, sources: [&D; 3])
where
    D: Dataset<Elem = f32, Rank = U1>,
{
    let n = sources[0].shape()[0];
    let mask = mask(n);
    let list: Vec<usize> = (0..n).filter(|&i| mask[i]).collect();
    let kept = list.len();
    let x = sources[0];
    // The new paths give the baseline's values.
    let by_hand = filter(&x.read_all().unwrap(), &mask);
    assert_eq!(x.read(sel![&mask[..]]).unwrap(), by_hand);
    assert_eq!(x.read(sel![&list[..]]).unwrap(), by_hand);
    let stacked = Stacked::new(sources.to_vec(), -1).unwrap();

    let mut g = c.benchmark_group(format!("masks_{name}"));
    g.sample_size(10);
    g.bench_function("read_all_filter", |b| {
        b.iter(|| black_box(filter(&x.read_all().unwrap(), &mask)))
    });
    g.bench_function("mask", |b| {
        b.iter(|| black_box(x.read(sel![&mask[..]]).unwrap()))
    });
    g.bench_function("sorted_list", |b| {
        b.iter(|| black_box(x.read(sel![&list[..]]).unwrap()))
    });
    g.bench_function("stack3_read_all_filter", |b| {
        b.iter(|| {
            let cols: Vec<Array1<f32>> = sources.iter().map(|s| s.read_all().unwrap()).collect();
            black_box(filter_rows(&cols, &mask, kept))
        })
    });
    g.bench_function("stack3_mask", |b| {
        b.iter(|| black_box(stacked.read(sel![&mask[..], ..]).unwrap()))
    });
    g.finish();
}

fn memory(c: &mut Criterion) {
    let n = n();
    let a: Vec<Array1<f32>> = (0..3).map(|k| channel(n, k)).collect();
    group(c, "memory", [&a[0], &a[1], &a[2]]);
}

#[cfg(any(feature = "libhdf5", feature = "zarr"))]
fn dir(n: usize) -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(format!("target/bench-masks/{n}"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(feature = "libhdf5")]
fn hdf5(c: &mut Criterion) {
    use lazy_datasets::hdf5::{create_file, open_file, Compression, CreateOptions, H5Dataset};
    let n = n();
    let path = dir(n).join("channels.h5");
    if !path.exists() {
        let tmp = path.with_extension("h5.tmp");
        let file = create_file(&tmp).unwrap();
        let options = CreateOptions::default()
            .chunks([7813])
            .compression(Compression::Gzip(4));
        for k in 0..3 {
            let mut x =
                H5Dataset::<f32, U1>::create(&file, &format!("ch{k}"), &[n], &options).unwrap();
            x.write_all(&channel(n, k)).unwrap();
        }
        drop(file);
        std::fs::rename(&tmp, &path).unwrap();
    }
    let file = open_file(&path).unwrap();
    let ds: Vec<H5Dataset<f32, U1>> = (0..3)
        .map(|k| {
            H5Dataset::open(&file, &format!("ch{k}"))
                .unwrap()
                .with_cache(Cache::new(0))
        })
        .collect();
    group(c, "hdf5", [&ds[0], &ds[1], &ds[2]]);
}

#[cfg(feature = "zarr")]
fn zarr(c: &mut Criterion) {
    use lazy_datasets::zarr::{Compression, CreateOptions, ZarrDataset};
    let n = n();
    let store = dir(n).join("channels.zarr");
    if !store.exists() {
        let tmp = dir(n).join("channels.zarr.tmp");
        let _ = std::fs::remove_dir_all(&tmp);
        let options = CreateOptions::default().compression(Compression::Gzip(4));
        for k in 0..3 {
            let mut x =
                ZarrDataset::<f32, U1>::create(&tmp, &format!("ch{k}"), &[n], &options).unwrap();
            x.write_all(&channel(n, k)).unwrap();
        }
        std::fs::rename(&tmp, &store).unwrap();
    }
    let ds: Vec<ZarrDataset<f32, U1>> = (0..3)
        .map(|k| {
            ZarrDataset::open(&store, &format!("ch{k}"))
                .unwrap()
                .with_cache(Cache::new(0))
        })
        .collect();
    group(c, "zarr", [&ds[0], &ds[1], &ds[2]]);
}

#[cfg(not(feature = "libhdf5"))]
fn hdf5(_: &mut Criterion) {}

#[cfg(not(feature = "zarr"))]
fn zarr(_: &mut Criterion) {}

criterion_group!(benches, memory, hdf5, zarr);
criterion_main!(benches);
