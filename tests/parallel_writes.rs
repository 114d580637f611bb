//! Writes through `Scaled(Stacked(...))` of HDF5 datasets and Zarr arrays,
//! plain and buffered (a small budget, so blocks are stored mid-run too):
//! the stack writes and flushes its sources side by side on the pool. 400
//! random writes each (windows, strided rows, row lists, single columns,
//! column lists) mirrored into an in-memory array written element by
//! element; reads through the view checked against it as they go, and
//! every source read back whole after the flush. Each run is watched: one
//! that does not finish in 600 s fails as a hang (writes that lock chunks
//! while waiting on the pool would deadlock).
//!
//! Run with `cargo test --features libhdf5,zarr --test parallel_writes`.

use std::sync::mpsc;
use std::time::Duration;

use lazy_datasets::hdf5::{self, create_file, H5Dataset};
use lazy_datasets::prelude::*;
use lazy_datasets::zarr::{self, ZarrDataset};
use ndarray::{Array1, Array2};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

const ROWS: usize = 20_000;
const CHUNK: usize = 1_024;
const WRITES: usize = 400;
const FACTOR: f64 = 0.5;

/// Runs `f` on a thread of its own, failing when it does not return in
/// 600 s.
fn watched(what: &str, f: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        f();
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(600)) {
        Ok(()) => worker.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: no end after 600 s (a deadlock?)"),
    }
}

/// One random write: its selection of the (ROWS, 3) view, the rows and
/// columns it sets and its values (rows x columns), multiples of the
/// factor so scaling is exact. One list at most (two would pair up
/// pointwise, as in NumPy).
struct Write {
    sel: DynSelection,
    rows: Vec<usize>,
    cols: Vec<usize>,
    values: Array2<f64>,
    /// A single column: the values are written as one axis.
    one_col: bool,
}

fn random_write(rng: &mut SmallRng, k: usize) -> Write {
    let start = rng.random_range(0..ROWS - 1);
    let len = rng.random_range(1..=(ROWS - start).min(3 * CHUNK));
    let (row_item, rows): (SelectionItem, Vec<usize>) = match k % 3 {
        0 => (
            SelectionItem::slice(Some(start as isize), Some((start + len) as isize), None),
            (start..start + len).collect(),
        ),
        1 => {
            let step = rng.random_range(2..7);
            (
                SelectionItem::slice(
                    Some(start as isize),
                    Some((start + len) as isize),
                    Some(step as isize),
                ),
                (start..start + len).step_by(step).collect(),
            )
        }
        _ => {
            let mut r: Vec<usize> = (0..rng.random_range(1..50))
                .map(|_| rng.random_range(0..ROWS))
                .collect();
            r.sort_unstable();
            r.dedup();
            (
                SelectionItem::from(r.iter().map(|&p| p as isize).collect::<Vec<_>>()),
                r,
            )
        }
    };
    let row_list = k % 3 == 2;
    let (col_item, cols, one_col): (SelectionItem, Vec<usize>, bool) = match k % 4 {
        2 => {
            let c = rng.random_range(0..3);
            (SelectionItem::from(c as isize), vec![c], true)
        }
        3 if !row_list => (SelectionItem::from(vec![2isize, 0]), vec![2, 0], false),
        _ => (SelectionItem::FULL, vec![0, 1, 2], false),
    };
    let values = Array2::from_shape_fn((rows.len(), cols.len()), |_| {
        f64::from(rng.random_range(-1000i32..1000)) * FACTOR
    });
    Write {
        sel: DynSelection::from(vec![row_item, col_item]),
        rows,
        cols,
        values,
        one_col,
    }
}

/// A fresh directory for one test's files, removed at the end.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "lazy-datasets-parallel-writes-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run<D>(what: &str, sources: Vec<D>, reopen: impl Fn() -> Vec<Array1<f64>>, seed: u64)
where
    D: DatasetMut<Elem = f64, Rank = U1> + Send,
{
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut mirror = Array2::<f64>::zeros((ROWS, 3));
    let mut view = Scaled::new(Stacked::new(sources, -1).unwrap(), FACTOR);
    for k in 0..WRITES {
        let w = random_write(&mut rng, k);
        let values = if w.one_col {
            w.values.column(0).into_dyn()
        } else {
            w.values.view().into_dyn()
        };
        view.write_dyn(&w.sel, values).unwrap();
        for (i, &r) in w.rows.iter().enumerate() {
            for (j, &c) in w.cols.iter().enumerate() {
                mirror[[r, c]] = w.values[[i, j]];
            }
        }
        if k % 10 == 9 {
            let start = rng.random_range(0..ROWS - 2 * CHUNK);
            let got = view.read(sel![start..start + 2 * CHUNK, ..]).unwrap();
            let want = mirror.slice(ndarray::s![start..start + 2 * CHUNK, ..]);
            assert_eq!(got, want, "{what}: read after write {k}");
        }
    }
    view.flush().unwrap();
    assert_eq!(
        view.read_all().unwrap(),
        mirror,
        "{what}: the view after the flush"
    );
    drop(view);
    for (c, stored) in reopen().into_iter().enumerate() {
        let want = mirror.column(c).mapv(|v| v / FACTOR);
        assert_eq!(stored, want, "{what}: source {c} as stored");
    }
}

#[test]
fn stacked_writes_of_hdf5_datasets_side_by_side() {
    for (k, budget) in [0usize, 256 << 10].into_iter().enumerate() {
        watched("HDF5", move || {
            let dir = TempDir::new(&format!("h5-{k}"));
            let path = dir.0.join("channels.h5");
            let file = create_file(&path).unwrap();
            let options = hdf5::CreateOptions::default()
                .chunks([CHUNK])
                .compression(hdf5::Compression::Gzip(1))
                .shuffle(true);
            let sources: Vec<H5Dataset<f64, U1, ReadWrite>> = ["x", "y", "z"]
                .iter()
                .map(|n| H5Dataset::create(&file, n, &[ROWS], &options).unwrap())
                .collect();
            let reopen = || {
                let file = hdf5::open_file(&path).unwrap();
                ["x", "y", "z"]
                    .iter()
                    .map(|n| {
                        H5Dataset::<f64, U1>::open(&file, n)
                            .unwrap()
                            .read_all()
                            .unwrap()
                    })
                    .collect()
            };
            if budget == 0 {
                run("HDF5", sources, reopen, 7 + k as u64);
            } else {
                let buffered = sources.into_iter().map(|d| d.buffered(budget)).collect();
                run("HDF5 buffered", buffered, reopen, 7 + k as u64);
            }
        });
    }
}

#[test]
fn stacked_writes_of_zarr_arrays_side_by_side() {
    for (k, budget) in [0usize, 256 << 10].into_iter().enumerate() {
        watched("Zarr", move || {
            let dir = TempDir::new(&format!("zarr-{k}"));
            let store = dir.0.join("channels.zarr");
            let options = zarr::CreateOptions::default()
                .chunks([CHUNK])
                .compression(zarr::Compression::Zstd(1));
            let sources: Vec<ZarrDataset<f64, U1, ReadWrite>> = ["x", "y", "z"]
                .iter()
                .map(|n| ZarrDataset::create(&store, n, &[ROWS], &options).unwrap())
                .collect();
            let reopen = || {
                ["x", "y", "z"]
                    .iter()
                    .map(|n| {
                        ZarrDataset::<f64, U1>::open(&store, n)
                            .unwrap()
                            .read_all()
                            .unwrap()
                    })
                    .collect()
            };
            if budget == 0 {
                run("Zarr", sources, reopen, 11 + k as u64);
            } else {
                let buffered = sources.into_iter().map(|d| d.buffered(budget)).collect();
                run("Zarr buffered", buffered, reopen, 11 + k as u64);
            }
        });
    }
}
