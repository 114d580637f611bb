//! The MPI tests: one program that every rank runs, under
//! `mpirun -np N` (`.ci/mpi` runs it with 1, 2 and 3 ranks); alone it is a
//! job of one rank. Not a libtest harness: MPI is initialized once per
//! process, and every rank must make the same collective calls.
//!
//! - `ranks` (without `missing-source`): copies a scaled stack of three HDF5 files,
//!   opened by each rank alone, into parallel HDF5 files (chunked,
//!   contiguous, tiny pieces) and compares them element for element with
//!   values computed from the formula that wrote the sources and with a
//!   serial copy; checks `sum`, `min` and `max`; a shape mismatch and a read
//!   that fails on one rank mid-copy are errors on every rank, with nothing
//!   hanging. Exits 0 when everything holds, else non-zero (a failed check
//!   panics, and OpenMPI ends the job).
//! - `ranks missing-source`: rank 1 (rank 0 when alone) is given a source
//!   file that does not exist; every rank must get an error and the
//!   process exits 1 (each rank prints `rank R: error: ...`), so the job
//!   exits non-zero, without hanging (`.ci/mpi` bounds it with `timeout`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use lazy_core::{
    CheckedRegion, CopyOptions, Dataset, DatasetExt, Error, ErrorKind, Result, Scaled, Stacked,
};
use lazy_hdf5::{create_file, open_file, CreateOptions, H5Dataset};
use lazy_mpi::mpi::traits::{Communicator, CommunicatorCollectives, Root};
use lazy_mpi::{agree, copy_into, copy_into_with, create_h5, open_h5, open_h5_rw};
use ndarray::{Array2, ArrayViewMutD};
use typenum::{U1, U2};

/// Rows of each source: prime, so shares and pieces are uneven.
const ROWS: usize = 10_007;
const FACTOR: f64 = 0.5;

/// The value the sources hold at `row` of channel `c`: small integers, so
/// that sums of halves are exact in `f64` whatever the order.
fn raw(c: usize, row: usize) -> i16 {
    ((row * 7 + c * 1000) % 2001) as i16 - 1000
}

/// The expected view, from the formula alone.
fn expected() -> Array2<f64> {
    Array2::from_shape_fn((ROWS, 3), |(row, c)| f64::from(raw(c, row)) * FACTOR)
}

fn main() {
    let Some(universe) = lazy_mpi::mpi::initialize() else {
        eprintln!("MPI was initialized already");
        std::process::exit(2);
    };
    let world = universe.world();
    // `cargo test` passes libtest's arguments (`--ignored`, filters) on:
    // they run the default scenario; `--list` lists it.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        println!("ranks: test");
        drop(universe);
        return;
    }
    let code = if args.iter().any(|a| a == "missing-source") {
        let dir = shared_dir(&world);
        match missing_source(&world, dir.path()) {
            Ok(()) => {
                println!("rank {}: no error (a failure was expected)", world.rank());
                0
            }
            Err(e) => {
                println!("rank {}: error: {e}", world.rank());
                1
            }
        }
    } else {
        let dir = shared_dir(&world);
        copies(&world, dir.path());
        world.barrier();
        println!("rank {}: ok", world.rank());
        0
    };
    drop(universe);
    std::process::exit(code);
}

/// A directory every rank sees: made by rank 0, its path broadcast; rank 0
/// removes it when the job ends.
struct SharedDir {
    path: PathBuf,
    _owner: Option<tempfile::TempDir>,
}

impl SharedDir {
    fn path(&self) -> &Path {
        &self.path
    }
}

fn shared_dir<C: Communicator>(world: &C) -> SharedDir {
    let mut buf = [0u8; 1024];
    let owner = (world.rank() == 0).then(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let bytes = dir.path().to_str().expect("a UTF-8 path").as_bytes();
        buf[..bytes.len()].copy_from_slice(bytes);
        write_sources(dir.path()).expect("the source files");
        dir
    });
    world.process_at_rank(0).broadcast_into(&mut buf[..]);
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let path = PathBuf::from(std::str::from_utf8(&buf[..len]).expect("a UTF-8 path"));
    SharedDir {
        path,
        _owner: owner,
    }
}

/// Three channels `x`, `y`, `z` in three files: chunked with deflate,
/// chunked, contiguous.
fn write_sources(dir: &Path) -> Result<()> {
    for (c, name) in ["x", "y", "z"].into_iter().enumerate() {
        let data = ndarray::Array1::from_shape_fn(ROWS, |row| raw(c, row));
        let file = create_file(dir.join(format!("{name}.h5")))?;
        let builder = file.new_dataset_builder().with_data(&data);
        let made = match c {
            0 => builder.chunk(1000).deflate(4).create(name),
            1 => builder.chunk(777).create(name),
            _ => builder.create(name),
        };
        made.map_err(|e| Error::backend(format!("cannot write {name}"), e))?;
    }
    Ok(())
}

/// The view every rank copies: `0.5 * stack([x, y, z], -1)`, each file
/// opened by this rank alone (read by lazy-hdf5's own reader).
type View = Scaled<Stacked<H5Dataset<i16, U1>>, f64>;

fn open_view(dir: &Path, missing: Option<&str>) -> Result<View> {
    let open = |name: &str| {
        let file_name = if missing == Some(name) {
            format!("{name}-missing.h5")
        } else {
            format!("{name}.h5")
        };
        let file = open_file(dir.join(file_name))?;
        H5Dataset::<i16, U1>::open(&file, name)
    };
    Ok(Scaled::new(
        Stacked::new(vec![open("x")?, open("y")?, open("z")?], -1)?,
        FACTOR,
    ))
}

fn copies<C: Communicator>(world: &C, dir: &Path) {
    let rank = world.rank();
    let expected = expected();
    let view = agree(world, open_view(dir, None)).expect("the sources open on every rank");
    assert_eq!(view.shape(), &[ROWS, 3]);
    assert_eq!(
        view.read_all().expect("a serial read"),
        expected,
        "the view itself"
    );

    // A serial copy of the same view, through lazy-core, for comparison.
    let mut serial = Array2::<f64>::zeros((ROWS, 3));
    lazy_core::copy_into(&view, &mut serial).expect("a serial copy");
    assert_eq!(serial, expected);

    let cases: [(&str, Option<&[usize]>, usize); 4] = [
        ("chunked.h5", Some(&[64, 3]), 64 << 20),
        ("contiguous.h5", None, 64 << 20),
        // 1000 bytes: 41 rows a piece, many pieces, uneven across ranks.
        ("pieces.h5", Some(&[10, 3]), 1000),
        // Chunks longer than a share: some ranks have nothing to copy.
        ("few-chunks.h5", Some(&[4096, 3]), 64 << 20),
    ];
    for (name, chunks, budget) in cases {
        let path = dir.join(name);
        {
            let options = match chunks {
                Some(c) => CreateOptions::default().chunks(c),
                None => CreateOptions::default(),
            };
            let mut out = create_h5::<f64, U2, _>(world, &path, "/out/xyz", &[ROWS, 3], &options)
                .expect("a parallel file");
            assert!(out.is_mpio());
            assert!(out.reader().starts_with("libhdf5"), "{}", out.reader());
            let options = CopyOptions {
                budget,
                ..CopyOptions::default()
            };
            copy_into_with(world, &view, &mut out, &options).expect("the parallel copy");
            // Every rank reads all of the file back through its parallel handle.
            let back: Array2<f64> = out.read_all().expect("a read of the parallel file");
            assert_eq!(back, expected, "{name}: read back on rank {rank}");
            assert_eq!(back, serial, "{name}: the serial copy");
            // Reductions of the view and of the file, on every rank.
            let total: f64 = expected.sum();
            assert_eq!(lazy_mpi::sum(world, &view).expect("sum"), total);
            assert_eq!(lazy_mpi::sum(world, &out).expect("sum"), total);
            let (lo, hi) = expected
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            assert_eq!(lazy_mpi::min(world, &out).expect("min"), lo);
            assert_eq!(lazy_mpi::max(world, &view).expect("max"), hi);
        } // closed on every rank
        world.barrier();
        // The file is a plain HDF5 file afterwards: read by rank 0 with the
        // default driver (lazy-hdf5's own reader).
        if rank == 0 {
            let file = open_file(&path).expect("the written file");
            let again = H5Dataset::<f64, U2>::open(&file, "/out/xyz").expect("the dataset");
            assert_eq!(again.reader(), "lazy-hdf5");
            assert_eq!(again.read_all().expect("a serial read"), expected, "{name}");
        }
        world.barrier();
    }

    // Reopened read-only by every rank through the MPI-IO driver.
    {
        let back = open_h5::<f64, U2, _>(world, dir.join("chunked.h5"), "/out/xyz")
            .expect("reopened read-only");
        assert!(back.is_mpio());
        assert_eq!(back.read_all().expect("a read"), expected);
        assert_eq!(lazy_mpi::max(world, &back).expect("max"), 500.0);
        // A file that is not there: an error on every rank.
        let err = open_h5::<f64, U2, _>(world, dir.join("none.h5"), "x").expect_err("no file");
        assert_eq!(err.kind(), ErrorKind::Backend);
        let err = open_h5::<f64, U1, _>(world, dir.join("chunked.h5"), "/out/xyz")
            .expect_err("a rank mismatch");
        assert_eq!(err.kind(), ErrorKind::Shape, "{err}");
    }

    // Reopened for writing by every rank: copied again, the same values.
    {
        let path = dir.join("pieces.h5");
        let mut out =
            open_h5_rw::<f64, U2, _>(world, &path, "/out/xyz").expect("reopened for writing");
        copy_into(world, &Scaled::new(&view, 2.0), &mut out).expect("a second copy");
        let doubled = expected.mapv(|v| v * 2.0);
        assert_eq!(out.read_all().expect("a read"), doubled);
    }

    // A wrong shape: an error on every rank, before anything is written.
    {
        let path = dir.join("wrong.h5");
        let mut out = create_h5::<f64, U2, _>(
            world,
            &path,
            "x",
            &[ROWS, 2],
            &CreateOptions::default().chunks([100, 2]),
        )
        .expect("a parallel file");
        let err = copy_into(world, &view, &mut out).expect_err("a shape mismatch");
        assert_eq!(err.kind(), ErrorKind::Shape, "{err}");
        assert!(out.read_all().expect("a read").iter().all(|&v| v == 0.0));
    }

    // A read that fails on one rank only, in its third piece: every rank
    // gets an error after that piece, and all go on together.
    {
        let failing = world.size() - 1;
        let source = FailingOn {
            inner: &view,
            fail: rank == failing,
            reads: AtomicUsize::new(0),
        };
        let path = dir.join("failed.h5");
        let mut out = create_h5::<f64, U2, _>(
            world,
            &path,
            "x",
            &[ROWS, 3],
            &CreateOptions::default().chunks([10, 3]),
        )
        .expect("a parallel file");
        let options = CopyOptions {
            budget: 1000,
            ..CopyOptions::default()
        };
        let err = copy_into_with(world, &source, &mut out, &options).expect_err("a failed read");
        assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
        if rank == failing {
            assert!(err.to_string().contains("injected"), "{err}");
        } else {
            assert!(
                err.to_string().contains(&format!("rank {failing} of")),
                "{err}"
            );
        }
        // The ranks are still in step: a collective sum works.
        let ones = Array2::<f64>::ones((10, 3));
        assert_eq!(lazy_mpi::sum(world, &ones).expect("sum"), 30.0);
    }

    #[cfg(feature = "zarr")]
    zarr_copies(world, dir, &view, &expected);

    // Empty datasets: a sum of 0, no minimum.
    let empty = Array2::<f64>::zeros((0, 3));
    assert_eq!(lazy_mpi::sum(world, &empty).expect("sum"), 0.0);
    let err = lazy_mpi::min(world, &empty).expect_err("no minimum");
    assert_eq!(err.kind(), ErrorKind::Value);
}

/// A Zarr array as the target (feature `zarr`): made by rank 0, opened by
/// every rank, each writing whole chunks (gzip, so a chunk split between
/// ranks would be rewritten by both).
#[cfg(feature = "zarr")]
fn zarr_copies<C: Communicator>(world: &C, dir: &Path, view: &View, expected: &Array2<f64>) {
    use lazy_mpi::ParallelTarget;
    use lazy_zarr::{Compression, CreateOptions, ZarrDataset};
    let store = dir.join("out.zarr");
    let made = if world.rank() == 0 {
        let options = CreateOptions::default()
            .chunks([100, 3])
            .compression(Compression::Gzip(1));
        ZarrDataset::<f64, U2>::create(&store, "/xyz", &[ROWS, 3], &options).map(drop)
    } else {
        Ok(())
    };
    agree(world, made).expect("a Zarr array");
    let mut out = agree(world, ZarrDataset::<f64, U2>::open_rw(&store, "/xyz"))
        .expect("the Zarr array on every rank");
    assert_eq!(out.grain(), 100);
    let options = CopyOptions {
        budget: 2000,
        ..CopyOptions::default()
    };
    copy_into_with(world, view, &mut out, &options).expect("the parallel copy");
    world.barrier();
    assert_eq!(out.read_all().expect("a read of the array"), *expected);
    assert_eq!(lazy_mpi::sum(world, &out).expect("sum"), expected.sum());
}

/// Rank 1 (rank 0 when it is alone) has no `y.h5`: every rank must return
/// an error, none may go on to create the file alone.
fn missing_source<C: Communicator>(world: &C, dir: &Path) -> Result<()> {
    let failing = 1.min(world.size() - 1);
    let missing = (world.rank() == failing).then_some("y");
    let view = agree(world, open_view(dir, missing))?;
    let mut out = create_h5::<f64, U2, _>(
        world,
        dir.join("out.h5"),
        "x",
        &[ROWS, 3],
        &CreateOptions::default(),
    )?;
    copy_into(world, &view, &mut out)
}

/// A view of `inner` whose reads fail from the third on, where `fail`.
struct FailingOn<'a> {
    inner: &'a View,
    fail: bool,
    reads: AtomicUsize,
}

impl Dataset for FailingOn<'_> {
    type Elem = f64;
    type Rank = U2;

    fn shape(&self) -> &[usize] {
        self.inner.shape()
    }

    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, f64>) -> Result<()> {
        if self.fail && self.reads.fetch_add(1, Ordering::SeqCst) >= 2 {
            return Err(Error::backend_msg("injected read failure"));
        }
        self.inner.read_into(&region, out)
    }
}
