//! Criterion benchmarks of in-memory views, each next to its baselines in the
//! same run: hand-written ndarray code, and a plain memcpy of the bytes the
//! view reads from its sources.
//!
//! `cargo bench --bench views`; `LAZY_BENCH_N` sets the length of each source
//! (default 20,000,000 `f64`, as in the comparison with the Python reference).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lazy_datasets::prelude::*;
use lazy_datasets::Region;
use ndarray::{s, Array1, Array2, ArrayD, Axis, Zip};

fn n() -> usize {
    std::env::var("LAZY_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000_000)
}

fn channel(n: usize, k: usize) -> Array1<f64> {
    Array1::from_iter((0..n).map(|i| (i * 3 + k) as f64 * 0.5))
}

fn flags(n: usize, k: usize) -> Array1<u8> {
    Array1::from_iter((0..n).map(|i| u8::from((i + k) % 97 == 0)))
}

/// Copies the sources' bytes one after another into `out`: the memory-speed floor.
fn memcpy(sources: &[&[f64]], out: &mut [f64]) {
    let mut at = 0;
    for s in sources {
        out[at..at + s.len()].copy_from_slice(s);
        at += s.len();
    }
}

fn stacked_full(c: &mut Criterion) {
    let n = n();
    let (a, b, cc) = (channel(n, 0), channel(n, 1), channel(n, 2));
    let mut g = c.benchmark_group("stacked_full");
    g.sample_size(10)
        .throughput(Throughput::Bytes((3 * n * 8) as u64));
    let mut flat = vec![0.0; 3 * n];
    g.bench_function("memcpy", |bch| {
        bch.iter(|| {
            memcpy(
                &[
                    a.as_slice().unwrap(),
                    b.as_slice().unwrap(),
                    cc.as_slice().unwrap(),
                ],
                &mut flat,
            )
        })
    });
    for axis in [-1isize, 0] {
        let stacked = Stacked::new(vec![&a, &b, &cc], axis).unwrap();
        let region = Region::full(stacked.shape());
        let mut out = ArrayD::<f64>::zeros(stacked.shape().to_vec());
        g.bench_function(BenchmarkId::new("lazy", axis), |bch| {
            bch.iter(|| stacked.read_into(&region, out.view_mut()).unwrap())
        });
        let ax = if axis < 0 { 1 } else { 0 };
        g.bench_function(BenchmarkId::new("ndarray", axis), |bch| {
            bch.iter(|| {
                for (k, src) in [&a, &b, &cc].into_iter().enumerate() {
                    out.index_axis_mut(Axis(ax), k).assign(src);
                }
            })
        });
    }
    g.finish();
}

fn slices(c: &mut Criterion) {
    let n = n();
    let (a, b, cc) = (channel(n, 0), channel(n, 1), channel(n, 2));
    let stacked = Stacked::new(vec![&a, &b, &cc], -1).unwrap();
    let mut g = c.benchmark_group("slice");
    g.sample_size(20);
    let mid = (n / 2) as isize;
    let key = DynSelection::from(vec![SelectionItem::slice(
        Some(mid),
        Some(mid + 1_000_000),
        None,
    )]);
    g.bench_function("lazy_1M_rows", |bch| {
        bch.iter(|| stacked.read_dyn(black_box(&key)).unwrap())
    });
    g.bench_function("ndarray_1M_rows", |bch| {
        bch.iter(|| {
            let r = s![mid..mid + 1_000_000];
            ndarray::stack(Axis(1), &[a.slice(r), b.slice(r), cc.slice(r)]).unwrap()
        })
    });
    // 10,000 random 1,000-row reads, as `stacked[i:i+1000]` in the reference.
    let starts: Vec<isize> = (0..10_000u64)
        .map(|k| (k.wrapping_mul(2654435761) % (n as u64 - 1000)) as isize)
        .collect();
    g.sample_size(10);
    g.bench_function("lazy_10k_random_1000", |bch| {
        bch.iter(|| {
            for &i in &starts {
                let key =
                    DynSelection::from(vec![SelectionItem::slice(Some(i), Some(i + 1000), None)]);
                black_box(stacked.read_dyn(&key).unwrap());
            }
        })
    });
    g.bench_function("ndarray_10k_random_1000", |bch| {
        bch.iter(|| {
            for &i in &starts {
                let r = s![i..i + 1000];
                black_box(ndarray::stack(Axis(1), &[a.slice(r), b.slice(r), cc.slice(r)]).unwrap());
            }
        })
    });
    g.finish();
}

fn elementwise(c: &mut Criterion) {
    let n = n();
    let (a, b, cc) = (channel(n, 0), channel(n, 1), channel(n, 2));
    let region = Region::full(&[n]);
    let mut out = Array1::<f64>::zeros(n);
    let mut flat = vec![0.0; 3 * n];

    let mut g = c.benchmark_group("scaled");
    g.sample_size(10)
        .throughput(Throughput::Bytes((n * 8) as u64));
    let scaled = Scaled::new(&a, 2.5);
    g.bench_function("memcpy", |bch| {
        bch.iter(|| memcpy(&[a.as_slice().unwrap()], &mut flat[..n]))
    });
    g.bench_function("lazy", |bch| {
        bch.iter(|| {
            scaled
                .read_into(&region, out.view_mut().into_dyn())
                .unwrap()
        })
    });
    g.bench_function("ndarray", |bch| {
        bch.iter(|| Zip::from(&mut out).and(&a).for_each(|o, &x| *o = x * 2.5))
    });
    g.finish();

    let mut g = c.benchmark_group("sum");
    g.sample_size(10)
        .throughput(Throughput::Bytes((3 * n * 8) as u64));
    let sum = Sum::new(vec![&a, &b, &cc]).unwrap();
    g.bench_function("memcpy", |bch| {
        bch.iter(|| {
            memcpy(
                &[
                    a.as_slice().unwrap(),
                    b.as_slice().unwrap(),
                    cc.as_slice().unwrap(),
                ],
                &mut flat,
            )
        })
    });
    g.bench_function("lazy", |bch| {
        bch.iter(|| sum.read_into(&region, out.view_mut().into_dyn()).unwrap())
    });
    g.bench_function("ndarray", |bch| {
        bch.iter(|| {
            Zip::from(&mut out)
                .and(&a)
                .and(&b)
                .and(&cc)
                .for_each(|o, &x, &y, &z| *o = x + y + z)
        })
    });
    g.finish();

    let (f1, f2, f3) = (flags(n, 0), flags(n, 1), flags(n, 2));
    let mut bools = Array1::<bool>::from_elem(n, false);
    let mut bytes = vec![0u8; 3 * n];
    let mut g = c.benchmark_group("boolean_or");
    g.sample_size(10)
        .throughput(Throughput::Bytes((3 * n) as u64));
    let or = BooleanOr::new(vec![&f1, &f2, &f3]).unwrap();
    g.bench_function("memcpy", |bch| {
        bch.iter(|| {
            for (k, f) in [&f1, &f2, &f3].into_iter().enumerate() {
                bytes[k * n..(k + 1) * n].copy_from_slice(f.as_slice().unwrap());
            }
        })
    });
    g.bench_function("lazy", |bch| {
        bch.iter(|| or.read_into(&region, bools.view_mut().into_dyn()).unwrap())
    });
    g.bench_function("ndarray", |bch| {
        bch.iter(|| {
            Zip::from(&mut bools)
                .and(&f1)
                .and(&f2)
                .and(&f3)
                .for_each(|o, &x, &y, &z| *o = x != 0 || y != 0 || z != 0)
        })
    });
    g.finish();
}

fn stacked_write(c: &mut Criterion) {
    let n = n();
    let (mut a, mut b, mut cc) = (channel(n, 0), channel(n, 1), channel(n, 2));
    let value = Array2::<f64>::from_elem((n, 3), 1.5);
    let mut g = c.benchmark_group("stacked_write");
    g.sample_size(10)
        .throughput(Throughput::Bytes((3 * n * 8) as u64));
    {
        let mut stacked = Stacked::new(vec![&mut a, &mut b, &mut cc], -1).unwrap();
        g.bench_function("lazy", |bch| {
            bch.iter(|| stacked.write_all(&value).unwrap())
        });
    }
    g.bench_function("ndarray", |bch| {
        bch.iter(|| {
            for (k, dst) in [&mut a, &mut b, &mut cc].into_iter().enumerate() {
                dst.assign(&value.column(k));
            }
        })
    });
    g.finish();
}

/// One 1,000-row read of a stack of three in-memory arrays per iteration,
/// at a different place each time, as `stacked[i:i+1000]`: what a view
/// adds to a small read (resolving the key, planning, the parts of the
/// stack, the output allocation) against hand-written ndarray code doing
/// the same copy. The starts are the same on both sides.
fn small_read(c: &mut Criterion) {
    let n = n();
    let (a, b, cc) = (channel(n, 0), channel(n, 1), channel(n, 2));
    let stacked = Stacked::new(vec![&a, &b, &cc], -1).unwrap();
    let starts: Vec<usize> = (0..4096u64)
        .map(|k| (k.wrapping_mul(2654435761) % (n as u64 - 1000)) as usize)
        .collect();
    let mut g = c.benchmark_group("small_read");
    g.sample_size(50);
    let mut k = 0;
    g.bench_function("lazy", |bch| {
        bch.iter(|| {
            let i = starts[k % starts.len()];
            k += 1;
            let rows: Array2<f64> = stacked.read(sel![i..i + 1000, ..]).unwrap();
            black_box(rows)
        })
    });
    let mut k = 0;
    g.bench_function("ndarray", |bch| {
        bch.iter(|| {
            let i = starts[k % starts.len()];
            k += 1;
            let r = s![i..i + 1000];
            black_box(ndarray::stack(Axis(1), &[a.slice(r), b.slice(r), cc.slice(r)]).unwrap())
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    stacked_full,
    slices,
    elementwise,
    stacked_write,
    small_read
);
criterion_main!(benches);
