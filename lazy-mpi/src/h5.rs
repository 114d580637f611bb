//! Parallel HDF5: one file written by every rank, through libhdf5's MPI-IO
//! driver.
//!
//! The calls are lazy-hdf5's, with the communicator first: [`open_file`],
//! [`open_file_rw`] and [`create_file`] open one file on every rank, and
//! its datasets open and are made with `H5Dataset::open`, `open_rw` and
//! `create` as in any file; [`open_h5`], [`open_h5_rw`] and [`create_h5`]
//! do both in one call. All are collective: every rank of the
//! communicator calls them with the same arguments, and each gets its own
//! handle of the one dataset. Reads and writes through the handles are
//! independent (each rank moves its own rows, when it likes) and go through
//! libhdf5 (lazy-hdf5's own reader reads files of the default driver
//! only); a write does not flush the file, as a flush is collective here:
//! [`copy_into`](crate::copy_into) flushes on every rank at its end, and
//! code that writes by itself calls
//! [`H5Dataset::flush`](lazy_hdf5::H5Dataset::flush) on every rank. Closing
//! the file (dropping the last handle) is collective too: drop the handles
//! on every rank, before MPI is finalized (before the `Universe`).
//!
//! ```no_run
//! use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, SelectionItem};
//! use lazy_hdf5::{CreateOptions, H5Dataset};
//! use mpi::traits::Communicator;
//! use typenum::U2;
//!
//! let universe = mpi::initialize().ok_or("MPI was initialized already")?;
//! let world = universe.world();
//! // Every rank: one 1000 x 3 dataset in chunks of 100 rows.
//! let file = lazy_mpi::create_file(&world, "out.h5")?;
//! let options = CreateOptions::default().chunks([100, 3]);
//! let mut out = lazy_mpi::agree(&world, H5Dataset::<f64, U2>::create(&file, "x", &[1000, 3], &options))?;
//! let rows = lazy_mpi::share(&world, 1000, 100);
//! let sel = DynSelection::from(vec![SelectionItem::slice(Some(rows.start as isize), Some(rows.end as isize), None)]);
//! out.write(sel, world.rank() as f64)?;
//! out.flush()?; // collective: every rank
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::Path;

use lazy_core::{Error, Rank, ReadOnly, ReadWrite, Result};
use lazy_hdf5::{hdf5_metno as h5, CreateOptions, File, H5Dataset, H5Element};
use mpi::traits::Communicator;

use crate::agree::agree;

/// Opens the existing HDF5 file at `path` read-only on every rank of
/// `comm` through the MPI-IO driver: [`lazy_hdf5::open_file`] for a job.
/// Collective, with the same arguments on every rank; an error on any rank
/// is an error on every rank. Datasets open from it as from any file,
/// with [`H5Dataset::open`] (wrap the result in [`agree`] before the next
/// collective step).
pub fn open_file<C: Communicator + ?Sized>(
    comm: &C,
    path: impl AsRef<Path>,
) -> Result<File<ReadOnly>> {
    open_mpio(comm, path.as_ref(), false)
}

/// Opens the existing HDF5 file at `path` for reading and writing on every
/// rank of `comm` through the MPI-IO driver: [`lazy_hdf5::open_file_rw`]
/// for a job. Collective, as [`open_file`].
pub fn open_file_rw<C: Communicator + ?Sized>(
    comm: &C,
    path: impl AsRef<Path>,
) -> Result<File<ReadWrite>> {
    open_mpio(comm, path.as_ref(), true)
}

/// Creates (truncating) the HDF5 file at `path` for every rank of `comm`
/// through the MPI-IO driver: [`lazy_hdf5::create_file`] for a job.
/// Collective, as [`open_file`]. Datasets are made in it with
/// [`H5Dataset::create`], as in any file (no filters: see [`create_h5`]).
pub fn create_file<C: Communicator + ?Sized>(
    comm: &C,
    path: impl AsRef<Path>,
) -> Result<File<ReadWrite>> {
    let path = path.as_ref();
    let created = h5::File::with_options()
        .with_fapl(|p| p.mpio(comm.as_raw(), None))
        .create(path)
        .map_err(file_error("create", path))
        .and_then(File::from_inner);
    agree(comm, created)
}

/// Creates (truncating) the HDF5 file at `path` for every rank of `comm`
/// through the MPI-IO driver, and in it the dataset `dataset_path` of
/// `shape` with `options` (chunks, fill value; contiguous without chunks);
/// collective, with the same arguments on every rank. Every rank gets a
/// `ReadWrite` handle. The same as [`create_file`] followed by
/// [`H5Dataset::create`], with the errors agreed on.
///
/// Datasets of parallel HDF5 take no filters here (compression, shuffle,
/// Fletcher-32: libhdf5 1.10 writes filtered chunks only collectively, and
/// these writes are independent). The chunk length along the first axis is
/// the grain [`copy_into`](crate::copy_into) cuts the rows at, so that no
/// two ranks write one chunk.
///
/// Errors, on every rank: a shape of another rank than `R`, or chunks of
/// another rank than the shape ([`Shape`](lazy_core::ErrorKind::Shape)); a
/// zero chunk length or a filter ([`Value`](lazy_core::ErrorKind::Value));
/// a file or dataset that cannot be created
/// ([`Backend`](lazy_core::ErrorKind::Backend), with HDF5's error).
///
/// ```no_run
/// use lazy_hdf5::CreateOptions;
/// use typenum::U1;
/// let universe = mpi::initialize().ok_or("MPI was initialized already")?;
/// let x = lazy_mpi::create_h5::<i32, U1, _>(&universe.world(), "counts.h5", "/raw/counts", &[10], &CreateOptions::default())?;
/// assert!(x.is_mpio());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_h5<T, R, C>(
    comm: &C,
    path: impl AsRef<Path>,
    dataset_path: &str,
    shape: &[usize],
    options: &CreateOptions<T>,
) -> Result<H5Dataset<T, R, ReadWrite>>
where
    T: H5Element,
    R: Rank,
    C: Communicator + ?Sized,
{
    let path = path.as_ref();
    let unfiltered = if options.filtered() {
        Err(Error::value(format!(
            "cannot create dataset {dataset_path:?} in {} with filters: parallel HDF5 \
             datasets are written without compression, shuffle or Fletcher-32 here",
            path.display()
        )))
    } else {
        Ok(())
    };
    agree(comm, unfiltered)?;
    let file = create_file(comm, path)?;
    agree(
        comm,
        H5Dataset::<T, R>::create(&file, dataset_path, shape, options),
    )
}

/// Opens the dataset `dataset_path` of the existing HDF5 file at `path` for
/// reading and writing on every rank of `comm`, through the MPI-IO driver;
/// collective, with the same arguments on every rank: [`open_file_rw`]
/// followed by [`H5Dataset::open_rw`], with the errors agreed on.
pub fn open_h5_rw<T, R, C>(
    comm: &C,
    path: impl AsRef<Path>,
    dataset_path: &str,
) -> Result<H5Dataset<T, R, ReadWrite>>
where
    T: H5Element,
    R: Rank,
    C: Communicator + ?Sized,
{
    let file = open_file_rw(comm, path)?;
    agree(comm, H5Dataset::<T, R>::open_rw(&file, dataset_path))
}

/// Opens the dataset `dataset_path` of the HDF5 file at `path` read-only on
/// every rank of `comm`, through the MPI-IO driver; collective, as
/// [`open_h5_rw`]. (Sources that every rank only reads can as well be
/// opened by each rank alone with [`lazy_hdf5::open_file`], which reads
/// them without libhdf5's lock.)
pub fn open_h5<T, R, C>(
    comm: &C,
    path: impl AsRef<Path>,
    dataset_path: &str,
) -> Result<H5Dataset<T, R, ReadOnly>>
where
    T: H5Element,
    R: Rank,
    C: Communicator + ?Sized,
{
    let file = open_file(comm, path)?;
    agree(comm, H5Dataset::<T, R>::open(&file, dataset_path))
}

/// Opens the existing file at `path` on every rank of `comm` through the
/// MPI-IO driver, for writing too when `M` is `ReadWrite`; collective.
fn open_mpio<C, M>(comm: &C, path: &Path, writable: bool) -> Result<File<M>>
where
    C: Communicator + ?Sized,
    M: lazy_core::Mode,
{
    let mut options = h5::File::with_options();
    let options = options.with_fapl(|p| p.mpio(comm.as_raw(), None));
    let opened = if writable {
        options
            .open_rw(path)
            .map_err(file_error("open for writing", path))
    } else {
        options.open(path).map_err(file_error("open", path))
    };
    agree(comm, opened.and_then(File::from_inner))
}

fn file_error<'a>(action: &'a str, path: &'a Path) -> impl FnOnce(h5::Error) -> Error + 'a {
    move |e| {
        Error::backend(
            format!(
                "cannot {action} HDF5 file {} with the MPI-IO driver: {e}",
                path.display()
            ),
            e,
        )
    }
}
