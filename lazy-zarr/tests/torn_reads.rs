//! Readers of uncompressed chunks while a writer rewrites them: every read
//! sees one version of each chunk, never a mix of two.
//!
//! Uncompressed (raw) chunks are read by parts — slabs of a large part,
//! byte runs of a sparse one — so a read that opened the chunk's file again
//! for each part could mix the old chunk with the new one renamed over it
//! in between. Readers here read whole chunks, parts of chunks (large,
//! strided and sparse) and windows across chunks, in this process (threads)
//! and in child processes, while one writer rewrites every chunk; each
//! read's part of each chunk must be one round's. Bounded: the writer makes
//! a fixed number of rewrites and the readers stop when it is done (or
//! after a fixed number of reads); the test asserts counts.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use lazy_core::{Cache, DatasetExt, DatasetMutExt, DynSelection, SelectionItem as S};
use lazy_zarr::{CreateOptions, ZarrDataset};
use ndarray::{Array1, ArrayD};
use typenum::U1;

/// 1 MB chunks of f64.
const CHUNK: usize = 125_000;
const N: usize = 4 * CHUNK;
/// Element `i` of round `r` is `r * ROUND + i`.
const ROUND: f64 = 10_000_000.0;
const CHILD: &str = "LAZY_ZARR_TORN_CHILD";

fn round(r: usize) -> Array1<f64> {
    Array1::from_iter((0..N).map(|i| r as f64 * ROUND + i as f64))
}

/// The reads each reader cycles through, with the positions each reads.
fn reads() -> Vec<(&'static str, DynSelection)> {
    let slice = |a: usize, b: usize, step: isize| {
        DynSelection::from(vec![S::slice(
            Some(a as isize),
            Some(b as isize),
            Some(step),
        )])
    };
    vec![
        ("whole chunk", slice(CHUNK, 2 * CHUNK, 1)),
        (
            "large part of a chunk",
            slice(2 * CHUNK + 1_000, 3 * CHUNK - 3_000, 1),
        ),
        ("strided part of a chunk", slice(10, CHUNK - 10, 3)),
        (
            "reversed part of a chunk",
            slice(3 * CHUNK - 7, CHUNK + 5, -2),
        ),
        (
            "window across chunks",
            slice(CHUNK - 40_000, 2 * CHUNK + 40_000, 1),
        ),
        ("everything", slice(0, N, 1)),
        (
            "sparse positions",
            DynSelection::from(vec![S::List(
                (0..400).map(|k| ((k * 1_249) % N) as isize).collect(),
            )]),
        ),
    ]
}

/// The positions of `sel` in the array.
fn positions(sel: &DynSelection) -> Vec<usize> {
    let all = Array1::from_iter(0..N as u64);
    all.read_dyn(sel)
        .unwrap()
        .iter()
        .map(|&p| p as usize)
        .collect()
}

/// Whether every chunk's part of a read is one round's.
fn whole(values: &ArrayD<f64>, at: &[usize]) -> bool {
    let mut round_of_chunk = [None::<f64>; N / CHUNK];
    values.iter().zip(at).all(|(&v, &i)| {
        let r = ((v - i as f64) / ROUND).round();
        let seen = round_of_chunk[i / CHUNK].get_or_insert(r);
        *seen == r && v == r * ROUND + i as f64
    })
}

/// Reads until `done` (or `limit` reads): (reads, mixed, failed).
fn read_until(store: &Path, done: &dyn Fn() -> bool, limit: usize) -> (usize, usize, usize) {
    let x = ZarrDataset::<f64, U1>::open(store, "x")
        .unwrap()
        .with_cache(Cache::new(0));
    let cases: Vec<_> = reads()
        .into_iter()
        .map(|(name, sel)| {
            let at = positions(&sel);
            (name, sel, at)
        })
        .collect();
    let (mut n, mut mixed, mut failed) = (0, 0, 0);
    'outer: while n < limit {
        for (name, sel, at) in &cases {
            if done() || n >= limit {
                break 'outer;
            }
            match x.read_dyn(sel) {
                Ok(v) if whole(&v, at) => {}
                Ok(_) => {
                    eprintln!("a mixed read: {name}");
                    mixed += 1;
                }
                Err(e) => {
                    eprintln!("a failed read: {name}: {e}");
                    failed += 1;
                }
            }
            n += 1;
        }
    }
    (n, mixed, failed)
}

fn create(store: &Path) {
    let options = CreateOptions::default().chunks([CHUNK]); // uncompressed
    ZarrDataset::<f64, U1>::create(store, "x", &[N], &options)
        .unwrap()
        .write_all(&round(0))
        .unwrap();
}

fn rewrite(store: &Path, rounds: usize) {
    let mut w = ZarrDataset::<f64, U1>::open_rw(store, "x")
        .unwrap()
        .with_cache(Cache::new(0));
    for r in 1..=rounds {
        w.write_all(&round(r)).unwrap();
    }
}

#[test]
fn readers_in_threads_see_one_version_of_each_chunk() {
    let dir = tempfile::tempdir().unwrap();
    create(dir.path());
    let done = AtomicBool::new(false);
    let totals = [
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    ];
    std::thread::scope(|s| {
        s.spawn(|| {
            rewrite(dir.path(), 200);
            done.store(true, Ordering::SeqCst);
        });
        for _ in 0..2 {
            s.spawn(|| {
                let (n, mixed, failed) =
                    read_until(dir.path(), &|| done.load(Ordering::SeqCst), 20_000);
                for (t, v) in totals.iter().zip([n, mixed, failed]) {
                    t.fetch_add(v, Ordering::SeqCst);
                }
            });
        }
    });
    let [n, mixed, failed] = totals.map(AtomicUsize::into_inner);
    println!(
        "{n} reads during 200 rewrites of four 1 MB raw chunks: {mixed} mixed, {failed} failed"
    );
    assert!(n > 100, "too few reads overlapped the rewrites: {n}");
    assert_eq!((mixed, failed), (0, 0));
}

#[test]
fn readers_in_other_processes_see_one_version_of_each_chunk() {
    if let Ok(store) = std::env::var(CHILD) {
        // A reader process: reads until the parent's writer leaves a mark.
        let store = Path::new(&store);
        let mark = store.join("done");
        let (n, mixed, failed) = read_until(store, &|| mark.exists(), 20_000);
        println!("child: {n} reads, {mixed} mixed, {failed} failed");
        assert_eq!((mixed, failed), (0, 0), "{n} reads");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    create(dir.path());
    let kids: Vec<_> = (0..2)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "readers_in_other_processes_see_one_version_of_each_chunk",
                    "--test-threads=1",
                    "--nocapture",
                ])
                .env(CHILD, dir.path())
                .spawn()
                .unwrap()
        })
        .collect();
    rewrite(dir.path(), 200);
    std::fs::write(dir.path().join("done"), b"").unwrap();
    for mut kid in kids {
        assert!(
            kid.wait().unwrap().success(),
            "a reader process saw a mixed or failed read"
        );
    }
}
