//! The Rust side of `bench/compare_python.sh`: the operations that
//! `bench/reference_bench.py` times with the Python reference module, on the
//! same data, printed as `name<TAB>seconds` (median of several runs).
//!
//! `cargo bench --bench compare [--features libhdf5] -- --n N --data DIR`

use std::hint::black_box;
use std::time::Instant;

use lazy_datasets::prelude::*;
use ndarray::{Array1, Array2};

fn median_time(reps: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let t0 = Instant::now();
            f();
            t0.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn channel(n: usize, k: usize) -> Array1<f64> {
    Array1::from_iter((0..n).map(|i| (i * 3 + k) as f64 * 0.5))
}

fn flags(n: usize, k: usize) -> Array1<u8> {
    Array1::from_iter((0..n).map(|i| u8::from((i + k) % 97 == 0)))
}

/// The same start positions as the Python side.
fn starts(n: usize, count: u64) -> Vec<isize> {
    (0..count)
        .map(|k| (k.wrapping_mul(2654435761) % (n as u64 - 1000)) as isize)
        .collect()
}

fn rows(start: isize, len: isize) -> DynSelection {
    DynSelection::from(vec![SelectionItem::slice(
        Some(start),
        Some(start + len),
        None,
    )])
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> Result<()> {
    let Some(n) = arg("--n").and_then(|v| v.parse::<usize>().ok()) else {
        // Run without arguments (e.g. by `cargo bench` for every target): nothing to do.
        eprintln!("usage: compare --n N [--data DIR] [--reps R]");
        return Ok(());
    };
    let reps: usize = arg("--reps").and_then(|v| v.parse().ok()).unwrap_or(5);
    let mut out: Vec<(String, f64)> = Vec::new();

    let (a, b, c) = (channel(n, 0), channel(n, 1), channel(n, 2));
    let (f1, f2, f3) = (flags(n, 0), flags(n, 1), flags(n, 2));
    let st = Stacked::new(vec![&a, &b, &c], -1)?;
    let st0 = Stacked::new(vec![&a, &b, &c], 0)?;
    let mut t = |name: &str, secs: f64| out.push((name.to_string(), secs));
    t(
        "mem stacked full read, axis -1",
        median_time(reps, || drop(black_box(st.read_all()))),
    );
    t(
        "mem stacked full read, axis 0",
        median_time(reps, || drop(black_box(st0.read_all()))),
    );
    let sum = Sum::new(vec![&a, &b, &c])?;
    t(
        "mem sum full read",
        median_time(reps, || drop(black_box(sum.read_all()))),
    );
    let scaled = Scaled::new(&a, 2.5);
    t(
        "mem scaled full read",
        median_time(reps, || drop(black_box(scaled.read_all()))),
    );
    let or = BooleanOr::new(vec![&f1, &f2, &f3])?;
    t(
        "mem boolean or full read",
        median_time(reps, || drop(black_box(or.read_all()))),
    );
    let mid = (n / 2) as isize;
    t(
        "mem stacked 1M-row slice",
        median_time(reps, || drop(black_box(st.read_dyn(&rows(mid, 1_000_000))))),
    );
    let ss = starts(n, 10_000);
    let each = median_time(3, || {
        for &i in &ss {
            drop(black_box(st.read_dyn(&rows(i, 1000))));
        }
    }) / ss.len() as f64;
    t("mem stacked 1000-row read (each)", each);
    let value = Array2::<f64>::from_elem((n, 3), 1.5);
    let (mut wa, mut wb, mut wc) = (a.clone(), b.clone(), c.clone());
    let mut wst = Stacked::new(vec![&mut wa, &mut wb, &mut wc], -1)?;
    t(
        "mem stacked full write",
        median_time(reps, || wst.write_all(&value).unwrap_or(())),
    );

    #[cfg(feature = "libhdf5")]
    if let Some(dir) = arg("--data") {
        use lazy_datasets::hdf5::{File, H5Dataset};
        let files: Vec<File> = (0..3)
            .map(|k| lazy_datasets::hdf5::open_file(format!("{dir}/ch{k}.h5")))
            .collect::<Result<_>>()?;
        for layout in ["contiguous", "chunked"] {
            let ds: Vec<H5Dataset<f64, U1>> = files
                .iter()
                .map(|f| H5Dataset::open(f, layout))
                .collect::<Result<_>>()?;
            t(
                &format!("h5 {layout} raw reads of 3 datasets"),
                median_time(reps, || {
                    for d in &ds {
                        drop(black_box(
                            d.inner().expect("opened through libhdf5").read_raw::<f64>(),
                        ));
                    }
                }),
            );
            let hst = Stacked::new(ds.iter().collect(), -1)?;
            t(
                &format!("h5 {layout} stacked full read"),
                median_time(reps, || drop(black_box(hst.read_all()))),
            );
            let small = &ss[..1000];
            let each = median_time(3, || {
                for &i in small {
                    for d in &ds {
                        let i = i as usize;
                        drop(black_box(
                            d.inner()
                                .expect("opened through libhdf5")
                                .read_slice_1d::<f64, _>(i..i + 1000),
                        ));
                    }
                }
            }) / small.len() as f64;
            t(
                &format!("h5 {layout} raw 1000-element reads of 3 datasets (each)"),
                each,
            );
            let each = median_time(3, || {
                for &i in small {
                    drop(black_box(hst.read_dyn(&rows(i, 1000))));
                }
            }) / small.len() as f64;
            t(&format!("h5 {layout} stacked 1000-row read (each)"), each);
        }
    }

    #[cfg(feature = "zarr")]
    if let Some(dir) = arg("--data") {
        use lazy_datasets::zarr::ZarrDataset;
        let zs: Vec<ZarrDataset<f64, U1>> = (0..3)
            .map(|k| ZarrDataset::open(format!("{dir}/ch{k}.zarr"), "/"))
            .collect::<Result<_>>()?;
        t(
            "zarr raw reads of 3 arrays",
            median_time(reps, || {
                for z in &zs {
                    drop(black_box(z.read_all()));
                }
            }),
        );
        let zst = Stacked::new(zs.iter().collect(), -1)?;
        t(
            "zarr stacked full read",
            median_time(reps, || drop(black_box(zst.read_all()))),
        );
        let small = &ss[..1000];
        let each = median_time(3, || {
            for &i in small {
                drop(black_box(zst.read_dyn(&rows(i, 1000))));
            }
        }) / small.len() as f64;
        t("zarr stacked 1000-row read (each)", each);
    }

    for (name, secs) in out {
        println!("{name}\t{secs:.9}");
    }
    Ok(())
}
