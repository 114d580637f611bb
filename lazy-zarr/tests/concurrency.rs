//! Concurrent writers and readers of one Zarr array: no acknowledged write
//! lost, no torn read, within a process (threads, several handles) and
//! across processes (this test binary run again as a child), also when a
//! writer is killed mid-write. Every loop is bounded and every test asserts
//! counts.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lazy_core::{Cache, DatasetExt, DatasetMutExt, DynSelection, ReadWrite, SelectionItem};
use lazy_zarr::{Compression, CreateOptions, ZarrDataset};
use typenum::U1;

const N: usize = 100_000;

fn create(dir: &Path, name: &str, chunk: usize) {
    let options = CreateOptions::default()
        .chunks([chunk])
        .compression(Compression::Zstd(1))
        .fill_value(-1.0);
    ZarrDataset::<f64, U1>::create(dir, name, &[N], &options).unwrap();
}

fn open_rw(dir: &Path, name: &str, cache: &Cache) -> ZarrDataset<f64, U1, ReadWrite> {
    ZarrDataset::<f64, U1>::open_rw(dir, name)
        .unwrap()
        .with_cache(cache.clone())
}

fn at(i: usize) -> DynSelection {
    DynSelection::from(vec![SelectionItem::Index(i as isize)])
}

/// The element a writer stores at `i`: where and who, recognisable.
fn value(i: usize, writer: usize) -> f64 {
    (i * 16 + writer) as f64
}

/// `writers` handles on 4 threads each write every `writers`-th element of
/// their own residue, one element per write (`per_writer` writes),
/// spread over the array; returns the acknowledged writes.
fn write_disjoint(dir: &Path, name: &str, writers: usize, per_writer: usize) -> usize {
    let acknowledged = AtomicUsize::new(0);
    let errors = AtomicUsize::new(0);
    let caches = [Cache::new(0), Cache::global(), Cache::new(1 << 20)];
    std::thread::scope(|s| {
        for thread in 0..4 {
            let (acknowledged, errors, caches) = (&acknowledged, &errors, &caches);
            s.spawn(move || {
                // This thread's handles, each with its own residue.
                let mine: Vec<usize> = (0..writers).filter(|w| w % 4 == thread).collect();
                let mut handles: Vec<_> = mine
                    .iter()
                    .map(|&w| (w, open_rw(dir, name, &caches[w % caches.len()])))
                    .collect();
                for k in 0..per_writer {
                    for (w, h) in &mut handles {
                        let i =
                            (k * 997 * writers + *w) % (N - N % writers) / writers * writers + *w;
                        match h.write_dyn(&at(i), ndarray::arr0(value(i, *w)).into_dyn().view()) {
                            Ok(()) => acknowledged.fetch_add(1, Ordering::Relaxed),
                            Err(e) => {
                                eprintln!("writer {w}: {e}");
                                errors.fetch_add(1, Ordering::Relaxed)
                            }
                        };
                    }
                }
            });
        }
    });
    assert_eq!(errors.load(Ordering::Relaxed), 0, "failed writes");
    acknowledged.load(Ordering::Relaxed)
}

/// Every acknowledged write of `write_disjoint` is in the array.
fn count_present(dir: &Path, name: &str, writers: usize) -> (usize, usize) {
    let all = ZarrDataset::<f64, U1>::open(dir, name)
        .unwrap()
        .with_cache(Cache::new(0))
        .read_all()
        .unwrap();
    let (mut present, mut lost) = (0, 0);
    for (i, &v) in all.iter().enumerate() {
        if v == value(i, i % writers) {
            present += 1;
        } else if v != -1.0 {
            lost += 1; // neither written nor the fill value: a wrong value
        }
    }
    (present, lost)
}

#[test]
fn threads_and_handles_writing_disjoint_elements_of_shared_chunks() {
    let dir = tempfile::tempdir().unwrap();
    for (name, chunk) in [("one_chunk", N), ("many_chunks", 1000)] {
        create(dir.path(), name, chunk);
        let writers = 8;
        let acknowledged = write_disjoint(dir.path(), name, writers, 40);
        assert_eq!(acknowledged, writers * 40);
        let (present, wrong) = count_present(dir.path(), name, writers);
        println!("{name}: {acknowledged} acknowledged writes, {present} present, {wrong} wrong");
        assert_eq!(wrong, 0, "{name}");
        assert_eq!(present, acknowledged, "{name}: lost writes");
    }
}

/// Whether every chunk of `a` (chunks of `chunk`) is one round's: element
/// `i` of round `r` is `r * 1e6 + i`.
fn chunks_whole(a: &ndarray::ArrayD<f64>, chunk: usize) -> bool {
    let rounds: Vec<f64> = a.iter().enumerate().map(|(i, &v)| v - i as f64).collect();
    rounds.chunks(chunk).all(|c| c.iter().all(|&r| r == c[0]))
}

/// The array holding round `r`.
fn round(r: usize, n: usize) -> ndarray::Array1<f64> {
    ndarray::Array1::from_iter((0..n).map(|i| (r * 1_000_000 + i) as f64))
}

#[test]
fn a_reader_during_rewrites_sees_whole_chunks() {
    // Uncompressed chunks of 800 KB: a chunk file takes many writes.
    let dir = tempfile::tempdir().unwrap();
    let (n, chunk) = (400_000, 100_000);
    let options = CreateOptions::default().chunks([chunk]);
    ZarrDataset::<f64, U1>::create(dir.path(), "x", &[n], &options)
        .unwrap()
        .write_all(&round(0, n))
        .unwrap();
    let rounds = 60;
    let (reads, torn, failed) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    );
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut w = open_rw(dir.path(), "x", &Cache::new(0));
            for r in 1..=rounds {
                w.write_all(&round(r, n)).unwrap();
            }
            done.store(true, Ordering::Relaxed);
        });
        s.spawn(|| {
            let reader = ZarrDataset::<f64, U1>::open(dir.path(), "x")
                .unwrap()
                .with_cache(Cache::new(0));
            for _ in 0..10_000 {
                if done.load(Ordering::Relaxed) {
                    break;
                }
                match reader.read_dyn(&DynSelection::all()) {
                    Ok(a) if chunks_whole(&a, chunk) => {}
                    Ok(_) => {
                        torn.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                reads.fetch_add(1, Ordering::Relaxed);
            }
        });
    });
    let (reads, torn, failed) = (reads.into_inner(), torn.into_inner(), failed.into_inner());
    println!("{reads} reads during {rounds} rewrites: {torn} torn, {failed} failed");
    assert!(reads > 0);
    assert_eq!((torn, failed), (0, 0));
}

const CHILD: &str = "LAZY_ZARR_CONCURRENCY_CHILD";

/// Runs this test binary's test `test` again as a child process with `env`.
fn child(test: &str, env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", test, "--test-threads=1", "--nocapture"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

#[test]
fn processes_writing_disjoint_elements_of_one_chunk() {
    if let Ok(role) = std::env::var(CHILD) {
        // The child: writer `role` of 2, on the store the parent named.
        let (dir, w): (String, usize) = (std::env::var("STORE").unwrap(), role.parse().unwrap());
        let mut h = open_rw(Path::new(&dir), "shared", &Cache::new(0));
        for k in 0..200 {
            let i = (k * 7919 * 2) % N / 2 * 2 + w;
            h.write_dyn(&at(i), ndarray::arr0(value(i, w)).into_dyn().view())
                .unwrap();
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    create(dir.path(), "shared", N);
    let store = dir.path().display().to_string();
    let mut kids: Vec<_> = (0..2)
        .map(|w| {
            child(
                "processes_writing_disjoint_elements_of_one_chunk",
                &[(CHILD, w.to_string()), ("STORE", store.clone())],
            )
            .spawn()
            .unwrap()
        })
        .collect();
    for kid in &mut kids {
        assert!(kid.wait().unwrap().success(), "a writer process failed");
    }
    let (present, wrong) = count_present(dir.path(), "shared", 2);
    println!("2 processes x 200 writes to one chunk: {present} present, {wrong} wrong");
    assert_eq!(wrong, 0);
    assert_eq!(present, 400, "lost writes");
}

#[test]
fn a_killed_writer_leaves_whole_chunks() {
    if std::env::var(CHILD).is_ok() {
        let dir = std::env::var("STORE").unwrap();
        let mut h = open_rw(Path::new(&dir), "killed", &Cache::new(0));
        for r in 1..100_000 {
            h.write_all(&round(r, 20_000)).unwrap();
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let options = CreateOptions::default()
        .chunks([1000])
        .compression(Compression::Zstd(1));
    ZarrDataset::<f64, U1>::create(dir.path(), "killed", &[20_000], &options)
        .unwrap()
        .write_all(&round(0, 20_000))
        .unwrap();
    let store = dir.path().display().to_string();
    let mut kills = 0;
    for round in 0..8u64 {
        let mut kid = child(
            "a_killed_writer_leaves_whole_chunks",
            &[(CHILD, "1".into()), ("STORE", store.clone())],
        )
        .spawn()
        .unwrap();
        std::thread::sleep(Duration::from_millis(150 + 37 * round));
        kid.kill().unwrap(); // SIGKILL
        let status = kid.wait().unwrap();
        kills += usize::from(!status.success());
        let a = ZarrDataset::<f64, U1>::open(dir.path(), "killed")
            .unwrap()
            .with_cache(Cache::new(0))
            .read_all()
            .unwrap()
            .into_dyn();
        assert!(chunks_whole(&a, 1000), "round {round}: a torn chunk");
    }
    println!("{kills} writers killed mid-run, every chunk whole after each");
    assert!(kills >= 6, "the writers finished before they were killed");
}
