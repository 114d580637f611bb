//! Criterion benchmarks of HDF5 datasets through lazy-datasets, each next to
//! raw hdf5-metno reads of the same bytes in the same run.
//!
//! `cargo bench --features libhdf5 --bench hdf5`; `LAZY_BENCH_N` sets the length
//! of each of the three channels (default 20,000,000 `f64`). The files are
//! written to `target/bench-hdf5/` once and reused.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lazy_datasets::hdf5::{create_file, open_file, File, H5Dataset};
use lazy_datasets::prelude::*;
use ndarray::Array1;

fn n() -> usize {
    std::env::var("LAZY_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000_000)
}

/// The three channel files, written once per length: datasets `contiguous`
/// and `chunked` (chunks of 65,536), as `bench/reference_bench.py` writes them.
fn files(n: usize) -> Vec<File> {
    let dir = PathBuf::from(format!("target/bench-hdf5/{n}"));
    std::fs::create_dir_all(&dir).unwrap();
    (0..3)
        .map(|k| {
            let path = dir.join(format!("ch{k}.h5"));
            if !path.exists() {
                let tmp = dir.join(format!("ch{k}.h5.tmp"));
                let file = create_file(&tmp).unwrap();
                let x = Array1::from_iter((0..n).map(|i| (i * 3 + k) as f64 * 0.5));
                file.new_dataset_builder()
                    .with_data(&x)
                    .create("contiguous")
                    .unwrap();
                file.new_dataset_builder()
                    .with_data(&x)
                    .chunk(65536)
                    .create("chunked")
                    .unwrap();
                drop(file);
                std::fs::rename(&tmp, &path).unwrap();
            }
            open_file(&path).unwrap()
        })
        .collect()
}

fn hdf5(c: &mut Criterion) {
    let n = n();
    let files = files(n);
    let starts: Vec<usize> = (0..1000u64)
        .map(|k| (k.wrapping_mul(2654435761) % (n as u64 - 1000)) as usize)
        .collect();
    for layout in ["contiguous", "chunked"] {
        let ds: Vec<H5Dataset<f64, U1>> = files
            .iter()
            .map(|f| H5Dataset::open(f, layout).unwrap())
            .collect();
        let stacked = Stacked::new(ds.iter().collect(), -1).unwrap();
        let mut g = c.benchmark_group(format!("hdf5_{layout}"));
        g.sample_size(10)
            .throughput(Throughput::Bytes((3 * n * 8) as u64));
        g.bench_function("raw_full_reads", |b| {
            b.iter(|| {
                for d in &ds {
                    black_box(
                        d.inner()
                            .expect("opened through libhdf5")
                            .read_raw::<f64>()
                            .unwrap(),
                    );
                }
            })
        });
        g.bench_function("lazy_stacked_full_read", |b| {
            b.iter(|| black_box(stacked.read_all().unwrap()))
        });
        g.throughput(Throughput::Elements(starts.len() as u64));
        g.bench_function("raw_1000_element_reads", |b| {
            b.iter(|| {
                for &i in &starts {
                    for d in &ds {
                        black_box(
                            d.inner()
                                .expect("opened through libhdf5")
                                .read_slice_1d::<f64, _>(i..i + 1000)
                                .unwrap(),
                        );
                    }
                }
            })
        });
        g.bench_function("lazy_stacked_1000_row_reads", |b| {
            b.iter(|| {
                for &i in &starts {
                    let i = i as isize;
                    black_box(stacked.read(sel![i..i + 1000]).unwrap());
                }
            })
        });
        g.finish();
    }
}

criterion_group!(benches, hdf5);
criterion_main!(benches);
