//! Faults in HDF5 files: a truncated file, a corrupted compressed chunk, a
//! checksum that does not match, a file cut short while open, a file
//! deleted while open, a full disk, and a write through a stack that one
//! target refuses. Each is an `ErrorKind::Backend` error carrying HDF5's
//! message, or (lazy-hdf5's own reader) naming the dataset, the file and
//! the chunk, or, where the operating system makes the fault harmless, the
//! right data; never a panic, never wrong values.

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use lazy_datasets::hdf5::{create_file, open_file, open_file_rw, H5Dataset};
use lazy_datasets::prelude::*;
use ndarray::{Array1, ArrayD};

/// Serialises the tests of this file. The full-disk test starts processes
/// (`mount`, `prlimit`), which inherit every file descriptor open at that
/// moment, and libhdf5 opens files without `O_CLOEXEC` and locks them with
/// `flock`: a child holding a copy of another test's descriptor would keep
/// that file locked ("unable to lock file, errno = 11") after the test
/// closed it.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "lazy-datasets-faults-{}-{what}-{n}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn ramp(n: usize) -> Array1<f64> {
    Array1::from_iter((0..n).map(|i| i as f64))
}

/// Writes `data` as dataset `x` of a new file: contiguous, or in chunks of
/// `chunk` elements compressed with deflate.
fn write_file(path: &Path, data: &Array1<f64>, chunk: Option<usize>) {
    let file = create_file(path).unwrap();
    let builder = file.new_dataset_builder();
    match chunk {
        Some(c) => builder.chunk(c).deflate(6).with_data(data).create("x"),
        None => builder.with_data(data).create("x"),
    }
    .unwrap();
}

fn assert_backend(err: &Error, hdf5_says: &[&str]) {
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    let message = err.to_string();
    assert!(
        hdf5_says.iter().any(|s| message.contains(s)),
        "the error should carry HDF5's message (one of {hdf5_says:?}): {message}"
    );
    assert!(
        std::error::Error::source(err).is_some(),
        "the HDF5 error is attached as the source: {err:?}"
    );
}

#[test]
fn truncated_file() {
    let _serial = serial();
    let dir = TempDir::new("truncated");
    let path = dir.path("data.h5");
    write_file(&path, &ramp(100_000), None);
    let full = std::fs::metadata(&path).unwrap().len();
    for keep in [full / 2, full - 1, 100, 0] {
        let cut = dir.path(&format!("cut-{keep}.h5"));
        std::fs::copy(&path, &cut).unwrap();
        OpenOptions::new()
            .write(true)
            .open(&cut)
            .unwrap()
            .set_len(keep)
            .unwrap();
        let err = open_file(&cut).unwrap_err();
        assert_backend(
            &err,
            &[
                "truncated file",
                "file signature not found",
                "unable to open file",
            ],
        );
        assert!(err.to_string().contains(&*cut.to_string_lossy()), "{err}");
    }
    // Bytes that are not HDF5 at all.
    let junk = dir.path("junk.h5");
    std::fs::write(&junk, vec![0x5a; 4096]).unwrap();
    assert_backend(
        &open_file(&junk).unwrap_err(),
        &["file signature not found", "unable to open file"],
    );
}

/// A Backend error of lazy-hdf5's own reader, naming the dataset, the file
/// and the chunk, and saying what is wrong (one of `says`).
fn assert_chunk_error(err: &Error, path: &Path, chunk: &str, says: &[&str]) {
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    let message = err.to_string();
    for part in [
        format!("chunk {chunk}"),
        "dataset \"/x\"".to_string(),
        path.to_string_lossy().into_owned(),
    ] {
        assert!(
            message.contains(&part),
            "{part:?} is missing from: {message}"
        );
    }
    assert!(
        says.iter().any(|s| message.contains(s)),
        "the error should say one of {says:?}: {message}"
    );
}

/// Where chunk 0 of dataset `x` of `path` is stored: address and size.
fn chunk_zero(path: &Path) -> (u64, u64) {
    let file = open_file(path).unwrap();
    let x = H5Dataset::<f64, U1>::open(&file, "x").unwrap();
    let info = x
        .inner()
        .unwrap()
        .chunk_info(0)
        .expect("chunk 0 is allocated");
    assert_eq!(info.offset, vec![0]);
    (info.addr, info.size)
}

/// Overwrites `len` bytes at `at` of `path` with `byte`.
fn overwrite(path: &Path, at: u64, len: usize, byte: u8) {
    let mut f = OpenOptions::new().write(true).open(path).unwrap();
    f.seek(SeekFrom::Start(at)).unwrap();
    f.write_all(&vec![byte; len]).unwrap();
}

#[test]
fn corrupted_compressed_chunk() {
    let _serial = serial();
    let dir = TempDir::new("corrupt");
    let path = dir.path("data.h5");
    let data = ramp(10_000);
    write_file(&path, &data, Some(1000));
    let (addr, size) = chunk_zero(&path);
    // Overwrite the first compressed chunk (positions 0..1000) with junk.
    overwrite(&path, addr, size as usize, 0xa5);

    let file = open_file(&path).unwrap();
    let inflate_failed = ["inflate() failed", "filter", "can't read", "unable to read"];
    let bad_stream = ["a bad deflate stream"];
    // Through lazy-hdf5's reader and through libhdf5, each with its words.
    for via_libhdf5 in [false, true] {
        let x = H5Dataset::<f64, U1>::open(&file, "x")
            .unwrap()
            .via_libhdf5(via_libhdf5);
        let check = |err: Error| {
            if via_libhdf5 {
                assert_backend(&err, &inflate_failed);
            } else {
                assert_chunk_error(&err, &path, "[0]", &bad_stream);
            }
        };
        // Any read touching chunk 0 fails...
        check(x.read_all().unwrap_err());
        check(x.read(sel![999]).unwrap_err());
        check(x.read(sel![[5000, 3]]).unwrap_err());
        // ...through views as well...
        let other = ramp(10_000);
        let sources: Vec<Box<dyn Dataset<Elem = f64, Rank = U1> + '_>> =
            vec![Box::new(&other), Box::new(&x)];
        let stack = Stacked::new(sources, 0).unwrap();
        check(stack.read(sel![.., ..10]).unwrap_err());
        check(Scaled::new(&x, 2.0).read_all().unwrap_err());
        // ...and reads of other chunks still work.
        assert_eq!(
            x.read(sel![1000..1010]).unwrap(),
            data.slice(ndarray::s![1000..1010])
        );
        assert_eq!(stack.read(sel![1, 9999]).unwrap().into_scalar(), 9999.0);
    }
}

/// A chunk whose fletcher32 checksum does not match (one byte of its
/// stored, uncompressed data changed) is an error naming the chunk, never
/// the changed data.
#[test]
fn checksum_mismatch() {
    let _serial = serial();
    let dir = TempDir::new("checksum");
    let path = dir.path("data.h5");
    let data = ramp(4000);
    {
        let file = create_file(&path).unwrap();
        file.new_dataset_builder()
            .chunk(1000)
            .fletcher32()
            .with_data(&data)
            .create("x")
            .unwrap();
    }
    let (addr, size) = chunk_zero(&path);
    assert_eq!(size, 8004, "1000 f64 and a 4-byte checksum");
    // Element 10 of chunk 0: its lowest byte.
    overwrite(&path, addr + 80, 1, 0x77);
    let file = open_file(&path).unwrap();
    let x = H5Dataset::<f64, U1>::open(&file, "x").unwrap();
    assert_eq!(x.reader(), "lazy-hdf5");
    assert_chunk_error(&x.read(sel![10]).unwrap_err(), &path, "[0]", &["checksum"]);
    assert_chunk_error(&x.read_all().unwrap_err(), &path, "[0]", &["checksum"]);
    assert_eq!(
        x.read(sel![1000..1003]).unwrap(),
        data.slice(ndarray::s![1000..1003])
    );
    // libhdf5 refuses it too.
    let via = H5Dataset::<f64, U1>::open(&file, "x")
        .unwrap()
        .via_libhdf5(true);
    assert_backend(
        &via.read(sel![10]).unwrap_err(),
        &["filter", "can't read", "Fletcher32"],
    );
}

/// A file cut short after it was opened: chunks past the new end are an
/// error naming the chunk (the file ends before it), the rest read.
#[test]
fn file_truncated_after_open() {
    let _serial = serial();
    let dir = TempDir::new("cut");
    for chunk in [Some(1000), None] {
        let path = dir.path(&format!("data-{}.h5", chunk.is_some()));
        let data = ramp(10_000);
        write_file(&path, &data, chunk);
        let file = open_file(&path).unwrap();
        let x = H5Dataset::<f64, U1>::open(&file, "x").unwrap();
        assert_eq!(x.reader(), "lazy-hdf5");
        // The data's end, and the (compressed) chunk or block there.
        let (end, last) = match chunk {
            Some(_) => {
                let info = x
                    .inner()
                    .unwrap()
                    .chunk_info(9)
                    .expect("chunk 9 is allocated");
                (info.addr + info.size, "[9]")
            }
            None => (x.inner().unwrap().offset().unwrap() + 80_000, "[0]"),
        };
        OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(end - 10)
            .unwrap();
        let err = x.read(sel![9990..]).unwrap_err();
        assert_chunk_error(
            &err,
            &path,
            last,
            &["the file ends before byte", "cut short"],
        );
        assert_eq!(x.read(sel![..5]).unwrap(), data.slice(ndarray::s![..5]));
    }
}

#[test]
fn file_deleted_while_open() {
    let _serial = serial();
    let dir = TempDir::new("deleted");
    let path = dir.path("data.h5");
    let data = ramp(5000);
    write_file(&path, &data, Some(500));
    let file = open_file_rw(&path).unwrap();
    let mut x = H5Dataset::<f64, U1>::open_rw(&file, "x").unwrap();
    std::fs::remove_file(&path).unwrap();
    // POSIX keeps an open file alive after it is unlinked: reads and writes
    // of the open dataset work and see the data...
    assert_eq!(x.read_all().unwrap(), data);
    x.write(sel![10..20], 0.0).unwrap();
    let mut expected = data.clone();
    expected.slice_mut(ndarray::s![10..20]).fill(0.0);
    assert_eq!(x.read_all().unwrap(), expected);
    // ...while the path is gone: opening it again is a Backend error.
    let err = open_file(&path).unwrap_err();
    assert_backend(&err, &["unable to open file", "No such file"]);
    assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
}

/// A 1 MiB tmpfs mounted for the test, unmounted on drop.
struct SmallDisk(TempDir);

impl SmallDisk {
    fn mount() -> Option<Self> {
        let dir = TempDir::new("tmpfs");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1M", "tmpfs"])
            .arg(&dir.0)
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(SmallDisk(dir))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0 .0).status();
    }
}

/// Where the full-disk test writes: a small tmpfs, or (when it cannot be
/// mounted) a directory in which this process may write at most 1 MiB per
/// file (`RLIMIT_FSIZE`, set by `prlimit` on a child process that ignores
/// `SIGXFSZ`).
enum Disk {
    Tmpfs(SmallDisk),
    Limited(TempDir),
}

const CHILD: &str = "LAZY_DATASETS_FULL_DISK_DIR";

#[test]
fn full_disk_on_write() {
    let _serial = serial();
    let disk = if let Ok(dir) = std::env::var(CHILD) {
        // The child of the fallback below: the file size limit is in force.
        full_disk_checks(Path::new(&dir));
        return;
    } else if let Some(tmpfs) = SmallDisk::mount() {
        Disk::Tmpfs(tmpfs)
    } else {
        Disk::Limited(TempDir::new("fsize"))
    };
    match &disk {
        Disk::Tmpfs(tmpfs) => full_disk_checks(&tmpfs.0 .0),
        Disk::Limited(dir) => {
            let exe = std::env::current_exe().unwrap();
            let status = Command::new("sh")
                .arg("-c")
                .arg("trap '' XFSZ; exec prlimit --fsize=1048576 \"$@\"")
                .arg("sh")
                .arg(&exe)
                .args(["--exact", "full_disk_on_write", "--test-threads=1"])
                .env(CHILD, &dir.0)
                .status();
            match status {
                Ok(s) if s.success() => {}
                Ok(s) => panic!("the full-disk checks failed in the size-limited child: {s}"),
                Err(e) => panic!(
                    "full_disk_on_write cannot run here: no tmpfs can be mounted and prlimit \
                     cannot be run ({e}); install util-linux or run as root"
                ),
            }
        }
    }
}

fn full_disk_checks(dir: &Path) {
    let path = dir.join("full.h5");
    let n = 1 << 18; // 2 MiB of f64, twice what fits
    {
        let file = create_file(&path).unwrap();
        file.new_dataset::<f64>().shape([n]).create("x").unwrap();
    }
    let file = open_file_rw(&path).unwrap();
    let mut x = H5Dataset::<f64, U1>::open_rw(&file, "x").unwrap();
    // A write that fits succeeds.
    x.write(sel![..1000], 1.0).unwrap();
    assert_eq!(x.read(sel![..1000]).unwrap(), Array1::from_elem(1000, 1.0));
    // One that does not is a Backend error with HDF5's (and the system's) message.
    let err = x.write_all(2.0).unwrap_err();
    assert_backend(&err, &["No space left", "File too large", "write failed"]);
    // Through a stack with an in-memory source the error is the same.
    let mut mem = ArrayD::<f64>::zeros(vec![n]);
    let sources: Vec<Box<dyn DatasetMut<Elem = f64, Rank = Dyn> + Send + '_>> = vec![
        Box::new(&mut mem),
        Box::new(H5Dataset::<f64, Dyn>::open_rw(&file, "x").unwrap()),
    ];
    let mut stack = Stacked::new(sources, 0).unwrap();
    let err = stack.write_all(3.0).unwrap_err();
    assert_backend(&err, &["No space left", "File too large", "write failed"]);
    drop(stack);
    // The failure was found while writing, after the in-memory source
    // (stacked first) had taken its part: a failure the backend reports only
    // during the transfer cannot be undone.
    assert!(mem.iter().all(|&v| v == 3.0));
    // A buffered handle holds the write, reports the failure at its flush
    // and keeps what is pending (a flush can be tried again); dropping it
    // then ignores the error, as `std::io::BufWriter` does.
    let mut held = H5Dataset::<f64, U1>::open_rw(&file, "x")
        .unwrap()
        .buffered(64 << 20);
    held.write_all(4.0).unwrap();
    let pending = held.pending_bytes();
    assert!(pending > 0);
    let err = held.flush().unwrap_err();
    assert_backend(&err, &["No space left", "File too large", "write failed"]);
    assert_eq!(held.pending_bytes(), pending);
    drop(held);
}

/// Chunked data is written into HDF5's chunk cache and reaches the file when
/// the cache is flushed, at the latest when the dataset is closed, where a
/// full disk can no longer be reported: the write must flush and report it
/// (or the data must be in the file).
#[test]
#[ignore = "needs root: mounts a 1 MiB tmpfs (run by .ci/run with --ignored)"]
fn full_disk_under_the_chunk_cache() {
    let _serial = serial();
    let disk =
        SmallDisk::mount().expect("full_disk_under_the_chunk_cache needs root, to mount a tmpfs");
    let path = disk.0.path("chunked.h5");
    {
        let file = create_file(&path).unwrap();
        file.new_dataset::<f64>()
            .chunk(1024)
            .shape([25_000])
            .create("x")
            .unwrap();
    }
    // Leave about 28 KiB free: much less than the 200 KB to write.
    std::fs::write(disk.0.path("filler"), vec![1u8; 1_020_000]).unwrap();
    let result = {
        let file = open_file_rw(&path).unwrap();
        let mut x = H5Dataset::<f64, U1>::open_rw(&file, "x").unwrap();
        x.write_all(2.0)
    };
    match result {
        Err(err) => assert_backend(&err, &["No space left", "write failed", "flush"]),
        Ok(()) => {
            let file = open_file(&path).unwrap();
            let x = H5Dataset::<f64, U1>::open(&file, "x").unwrap();
            let got = x.read_all().unwrap();
            let lost = got.iter().filter(|&&v| v != 2.0).count();
            assert_eq!(
                lost, 0,
                "the write succeeded but {lost} of 25000 elements are not in the file"
            );
        }
    }
}

#[test]
fn stacked_write_refused_by_one_target_changes_nothing() {
    // A file opened read-only has no write methods at all (tests/ui): the
    // refusals left at run time are those of views, such as a scale of 0.
    let _serial = serial();
    let dir = TempDir::new("refused");
    let (a_path, b_path) = (dir.path("a.h5"), dir.path("b.h5"));
    write_file(&a_path, &ramp(100), None);
    write_file(&b_path, &ramp(100), Some(10));
    let (a_file, b_file) = (
        open_file_rw(&a_path).unwrap(),
        open_file_rw(&b_path).unwrap(),
    );
    let open =
        |f: &lazy_datasets::hdf5::File<ReadWrite>| H5Dataset::<f64, U1>::open_rw(f, "x").unwrap();

    for refusing_first in [false, true] {
        let (mut a, mut b) = (open(&a_file), open(&b_file));
        let pair = if refusing_first {
            vec![Scaled::new(&mut b, 0.0), Scaled::new(&mut a, 1.0)]
        } else {
            vec![Scaled::new(&mut a, 1.0), Scaled::new(&mut b, 0.0)]
        };
        let w = usize::from(refusing_first);
        let mut stack = Stacked::new(pair, 0).unwrap();
        // Every target is checked before any is written: refused, and the
        // accepting file is unchanged.
        for err in [
            stack.write_all(-1.0).unwrap_err(),
            stack.write(sel![.., 5..8], -1.0).unwrap_err(),
            stack.write(sel![[w, 1 - w, w], 0], -1.0).unwrap_err(),
            Scaled::new(&mut stack, 2.0).write_all(-1.0).unwrap_err(),
        ] {
            assert_eq!(err.kind(), ErrorKind::Value, "{err}");
            assert!(err.to_string().contains("factor 0"), "{err}");
        }
        assert_eq!(open(&a_file).read_all().unwrap(), ramp(100));
        // A write that selects only the accepting file goes through.
        stack.write(sel![w, 0], -7.0).unwrap();
        assert_eq!(open(&a_file).read(sel![0]).unwrap().into_scalar(), -7.0);
        stack.write(sel![w, 0], 0.0).unwrap();
    }

    // An in-memory source stacked with a refusing file is unchanged too.
    let mut mem = ramp(100);
    let mut b = open(&b_file);
    let sources: Vec<Box<dyn DatasetMut<Elem = f64, Rank = U1> + Send + '_>> =
        vec![Box::new(&mut mem), Box::new(Scaled::new(&mut b, 0.0))];
    let mut stack = Stacked::new(sources, -1).unwrap();
    let err = stack.write_all(&ndarray::array![5.0, 6.0]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Value, "{err}");
    drop(stack);
    assert_eq!(mem, ramp(100));
}
