//! Concurrent writers and readers of one HDF5 file in one process: threads
//! with handles of their own write disjoint elements (single elements and
//! unsorted lists) of contiguous and chunked datasets; no acknowledged
//! write is lost, no read fails. libhdf5 serialises its calls, and each
//! write is one transfer of exactly its elements, so nothing is read and
//! written back around them. (Several processes writing one HDF5 file is
//! not something HDF5 supports: the second open for writing is refused by
//! HDF5's file locking, a `Backend` error.)

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, SelectionItem};
use lazy_hdf5::{create_file, open_file_rw, H5Dataset};
use typenum::U1;

const N: usize = 20_000;

/// The tests of this file one at a time: libhdf5 opens files without
/// close-on-exec, so a child process started by one test would inherit
/// (and hold) the locks of files another test has open.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn value(i: usize, writer: usize) -> f64 {
    (i * 16 + writer) as f64
}

fn write_disjoint(path: &Path, name: &str, writers: usize) -> usize {
    let acknowledged = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for w in 0..writers {
            let acknowledged = &acknowledged;
            s.spawn(move || {
                let file = open_file_rw(path).unwrap();
                let mut h = H5Dataset::<f64, U1>::open_rw(&file, name).unwrap();
                for k in 0..30 {
                    // One element, then an unsorted list of three.
                    let i = (k * 997 * writers) % N / writers * writers + w;
                    let key = DynSelection::from(vec![SelectionItem::Index(i as isize)]);
                    h.write_dyn(&key, ndarray::arr0(value(i, w)).into_dyn().view())
                        .unwrap();
                    let list: Vec<usize> = (1..4)
                        .map(|d| (i + d * 3 * writers) % (N / writers * writers))
                        .rev()
                        .collect();
                    let values: Vec<f64> = list.iter().map(|&j| value(j, w)).collect();
                    let key = DynSelection::from(vec![SelectionItem::List(
                        list.iter().map(|&j| j as isize).collect(),
                    )]);
                    h.write_dyn(&key, ndarray::Array1::from(values).into_dyn().view())
                        .unwrap();
                    acknowledged.fetch_add(4, Ordering::Relaxed);
                }
            });
        }
    });
    acknowledged.into_inner()
}

#[test]
fn threads_writing_disjoint_elements() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.h5");
    {
        let file = create_file(&path).unwrap();
        let fill = ndarray::Array1::from_elem(N, -1.0);
        file.new_dataset_builder()
            .with_data(&fill)
            .create("contiguous")
            .unwrap();
        file.new_dataset_builder()
            .with_data(&fill)
            .chunk(1000)
            .deflate(1)
            .create("chunked")
            .unwrap();
    }
    let writers = 6;
    for name in ["contiguous", "chunked"] {
        let acknowledged = write_disjoint(&path, name, writers);
        let file = open_file_rw(&path).unwrap();
        let all = H5Dataset::<f64, U1>::open(&file, name)
            .unwrap()
            .read_all()
            .unwrap();
        let present = all
            .iter()
            .enumerate()
            .filter(|&(i, &v)| v == value(i, i % writers))
            .count();
        let wrong = all
            .iter()
            .enumerate()
            .filter(|&(i, &v)| v != -1.0 && v != value(i, i % writers))
            .count();
        println!("{name}: {acknowledged} acknowledged writes, {present} present, {wrong} wrong");
        assert_eq!(wrong, 0);
        assert_eq!(present, acknowledged, "{name}: lost writes");
    }
}

#[test]
fn a_reader_during_rewrites_never_fails() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rewrites.h5");
    create_file(&path)
        .unwrap()
        .new_dataset_builder()
        .with_data(&ndarray::Array1::<f64>::zeros(N))
        .chunk(1000)
        .create("x")
        .unwrap();
    let (reads, bad) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let file = open_file_rw(&path).unwrap();
            let mut x = H5Dataset::<f64, U1>::open_rw(&file, "x").unwrap();
            for r in 1..=50 {
                x.write_all(r as f64).unwrap();
            }
            done.store(true, Ordering::Relaxed);
        });
        s.spawn(|| {
            let file = open_file_rw(&path).unwrap();
            let x = H5Dataset::<f64, U1>::open(&file, "x").unwrap();
            for _ in 0..5_000 {
                if done.load(Ordering::Relaxed) {
                    break;
                }
                match x.read_all() {
                    // Each write is one transfer under libhdf5's lock: a read
                    // sees all of one round.
                    Ok(a) if a.iter().all(|&v| v == a[0]) => {}
                    _ => {
                        bad.fetch_add(1, Ordering::Relaxed);
                    }
                }
                reads.fetch_add(1, Ordering::Relaxed);
            }
        });
    });
    println!(
        "{} reads during 50 rewrites, {} bad",
        reads.load(Ordering::Relaxed),
        bad.load(Ordering::Relaxed)
    );
    assert!(reads.into_inner() > 0);
    assert_eq!(bad.into_inner(), 0);
}

#[test]
fn a_second_process_cannot_open_the_file_for_writing() {
    const CHILD: &str = "LAZY_HDF5_HOLDER";
    if let Ok(path) = std::env::var(CHILD) {
        // The child: holds the file open for writing for a while.
        let _file = open_file_rw(&path).unwrap();
        std::fs::write(format!("{path}.ready"), b"").unwrap();
        std::thread::sleep(std::time::Duration::from_secs(3));
        return;
    }
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("held.h5");
    create_file(&path)
        .unwrap()
        .new_dataset_builder()
        .with_data(&[1.0, 2.0])
        .create("x")
        .unwrap();
    let mut kid = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_second_process_cannot_open_the_file_for_writing",
            "--test-threads=1",
        ])
        .env(CHILD, &path)
        .spawn()
        .unwrap();
    let ready = dir.path().join("held.h5.ready");
    for _ in 0..200 {
        if ready.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(ready.exists(), "the child did not open the file");
    let err = open_file_rw(&path).unwrap_err();
    assert_eq!(err.kind(), lazy_core::ErrorKind::Backend, "{err}");
    assert!(err.to_string().contains("lock"), "{err}");
    assert!(kid.wait().unwrap().success());
}
