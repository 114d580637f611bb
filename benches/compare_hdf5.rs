//! The Rust side of `bench/compare_hdf5.sh`: lazy-datasets reads the HDF5
//! files `bench/hdf5_bench.py` made with h5py, in the same scenarios as h5py
//! there, printed as `scenario<TAB>library<TAB>seconds` (median of several
//! runs). Libraries: `lazy-datasets` (lazy-hdf5's own reader: chunks
//! located by libhdf5, read and decoded in Rust), `via libhdf5` (the same
//! datasets with `via_libhdf5(true)`), and `hdf5-metno` (raw reads of the
//! same bytes, one dataset after the other, not stacked).
//!
//! `cargo bench --features libhdf5 --bench compare_hdf5 -- --data DIR [--n N] [--reps R]`
//!
//! Random windows and reader threads read with the cache off
//! (`Cache::new(0)`: every window decodes its chunks); in-order windows
//! with a fresh default cache (256 MiB) each run. `--readers` runs just the
//! reader-thread scenarios, each reader in a one-thread rayon pool of its
//! own (one reader uses one core, so more readers show how reads scale);
//! `--only TEXT` just the scenarios whose name holds TEXT.

use std::hint::black_box;
use std::path::Path;

use lazy_datasets::hdf5::{open_file, open_file_pure, H5Dataset};
use lazy_datasets::prelude::*;
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

fn report(name: &str, lib: &str, secs: f64) {
    println!("{name}\t{lib}\t{secs}");
}

/// The window starts of the Python side's `windows` and `scan`.
fn windows(n: usize) -> Vec<usize> {
    (0..1000).map(|i| (i * 7919) % (n - 1000)).collect()
}

fn scan(n: usize) -> Vec<usize> {
    (0..1000.min(n / 1000)).map(|i| i * 1000).collect()
}

/// How the datasets are opened: through libhdf5 (chunks located by the
/// index read in Rust, read and decoded in Rust), the same with every read
/// through libhdf5 (`via_libhdf5`), or by the pure-Rust reader
/// (`open_file_pure`: no libhdf5 call at all).
#[derive(Clone, Copy)]
enum Engine {
    Ours,
    ViaLibhdf5,
    Pure,
}

/// Datasets x, y, z of `path`, stacked along a new last axis.
fn stack(path: &Path, cache: &Cache, engine: Engine) -> Result<Stacked<H5Dataset<f64, U1>>> {
    let sources = match engine {
        Engine::Pure => {
            let file = open_file_pure(path)?;
            ["x", "y", "z"]
                .iter()
                .map(|name| Ok(H5Dataset::<f64, U1>::open(&file, name)?.with_cache(cache.clone())))
                .collect::<Result<Vec<_>>>()?
        }
        Engine::Ours | Engine::ViaLibhdf5 => {
            let file = open_file(path)?;
            ["x", "y", "z"]
                .iter()
                .map(|name| {
                    Ok(H5Dataset::<f64, U1>::open(&file, name)?
                        .with_cache(cache.clone())
                        .via_libhdf5(matches!(engine, Engine::ViaLibhdf5)))
                })
                .collect::<Result<Vec<_>>>()?
        }
    };
    Stacked::new(sources, -1)
}

fn main() -> Result<()> {
    let Some(data) = arg("--data") else {
        eprintln!("usage: compare_hdf5 --data DIR [--n N] [--reps R] [--only TEXT] [--lib NAME] [--readers]");
        return Ok(());
    };
    let root = Path::new(&data);
    let n: usize = arg("--n")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let reps: usize = arg("--reps").and_then(|v| v.parse().ok()).unwrap_or(5);
    // `--only TEXT`: just the scenarios whose name holds TEXT (profiles).
    let only = arg("--only").unwrap_or_default();
    // `--readers`: just the reader-thread scenarios.
    let readers = std::env::args().any(|a| a == "--readers");
    // `--lib NAME`: just that library's rows (profiles).
    let only_lib = arg("--lib").unwrap_or_default();
    let run = |name: String, lib: &str, reps: usize, per: f64, f: &mut dyn FnMut()| {
        let threads = name.contains("reader threads");
        if name.contains(only.as_str()) && lib.contains(only_lib.as_str()) && threads == readers {
            report(&name, lib, median_time(reps, f) / per);
        }
    };
    for layout in ["contiguous", "deflate", "shuffle_deflate"] {
        let path = root.join(format!("{layout}.h5"));
        let off = Cache::new(0);
        for (lib, via) in [
            ("lazy-datasets", Engine::Ours),
            ("via libhdf5", Engine::ViaLibhdf5),
            ("pure Rust", Engine::Pure),
        ] {
            let st = stack(&path, &off, via)?;
            run(
                format!("{layout}: full stacked read"),
                lib,
                reps,
                1.0,
                &mut || drop(black_box(st.read_all())),
            );
            run(
                format!("{layout}: 1000-row windows, random (each)"),
                lib,
                3,
                1000.0,
                &mut || {
                    let st = stack(&path, &off, via).expect("opened above");
                    for s in windows(n) {
                        drop(black_box(st.read(sel![s..s + 1000, ..])));
                    }
                },
            );
            let starts = scan(n);
            run(
                format!("{layout}: 1000-row windows, in order (each)"),
                lib,
                3,
                starts.len() as f64,
                &mut || {
                    let st = stack(&path, &Cache::new(Cache::DEFAULT_BUDGET), via)
                        .expect("opened above");
                    for &s in &starts {
                        drop(black_box(st.read(sel![s..s + 1000, ..])));
                    }
                },
            );
            for threads in [1, 2, 8] {
                let name = format!("{layout}: 1000 random windows, {threads} reader threads");
                run(name, lib, 3, 1.0, &mut || {
                    std::thread::scope(|s| {
                        for t in 0..threads {
                            let (path, off) = (&path, &off);
                            s.spawn(move || {
                                // Each reader in a one-thread pool of its own:
                                // one reader, one core (as an h5py thread).
                                let pool = rayon::ThreadPoolBuilder::new()
                                    .num_threads(1)
                                    .build()
                                    .expect("a one-thread pool");
                                pool.install(|| {
                                    let st = stack(path, off, via).expect("opened above");
                                    for w in windows(n).into_iter().skip(t).step_by(threads) {
                                        drop(black_box(st.read(sel![w..w + 1000, ..])));
                                    }
                                });
                            });
                        }
                    });
                });
            }
        }
        // Raw hdf5-metno reads of the same bytes: each dataset whole into a
        // vector, and each window of each dataset, not stacked.
        let file = open_file(&path)?;
        let raw: Vec<_> = ["x", "y", "z"]
            .iter()
            .map(|name| file.dataset(name))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::backend("open", e))?;
        run(
            format!("{layout}: full stacked read"),
            "hdf5-metno",
            reps,
            1.0,
            &mut || {
                for d in &raw {
                    drop(black_box(d.read_raw::<f64>()));
                }
            },
        );
        run(
            format!("{layout}: 1000-row windows, random (each)"),
            "hdf5-metno",
            3,
            1000.0,
            &mut || {
                for s in windows(n) {
                    for d in &raw {
                        drop(black_box(d.read_slice_1d::<f64, _>(s..s + 1000)));
                    }
                }
            },
        );
    }
    Ok(())
}
