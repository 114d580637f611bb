//! Parallel HDF5: one file written by every rank, through libhdf5's MPI-IO
//! driver.
//!
//! [`create_h5`] and [`open_h5_rw`] are collective: every rank of the
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
//! use mpi::traits::Communicator;
//! use typenum::U2;
//!
//! let universe = mpi::initialize().ok_or("MPI was initialized already")?;
//! let world = universe.world();
//! // Every rank: one 1000 x 3 dataset in chunks of 100 rows.
//! let mut out = lazy_mpi::create_h5::<f64, U2, _>(&world, "out.h5", "x", &[1000, 3], Some(&[100, 3]))?;
//! let rows = lazy_mpi::share(&world, 1000, 100);
//! let sel = DynSelection::from(vec![SelectionItem::slice(Some(rows.start as isize), Some(rows.end as isize), None)]);
//! out.write(sel, world.rank() as f64)?;
//! out.flush()?; // collective: every rank
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::Path;

use lazy_core::{Error, Rank, ReadOnly, ReadWrite, Result};
use lazy_hdf5::{h5, H5Dataset, H5Element};
use mpi::traits::Communicator;

use crate::agree::agree;

/// Creates (truncating) the HDF5 file at `path` for every rank of `comm`
/// through the MPI-IO driver, and in it the dataset `dataset_path` of
/// `shape`, chunked in `chunks` or contiguous (`None`); collective, with
/// the same arguments on every rank. Every rank gets a `ReadWrite` handle.
///
/// Chunked datasets of parallel HDF5 take no compression filter here
/// (libhdf5 1.10 writes filtered chunks only collectively). The chunk
/// length along the first axis is the grain [`copy_into`](crate::copy_into)
/// cuts the rows at, so that no two ranks write one chunk.
///
/// Errors, on every rank: a shape of another rank than `R`
/// ([`Shape`](lazy_core::ErrorKind::Shape)); chunks of another length than
/// the shape, or a zero chunk length ([`Value`](lazy_core::ErrorKind::Value));
/// a file or dataset that cannot be created
/// ([`Backend`](lazy_core::ErrorKind::Backend), with HDF5's error).
///
/// ```no_run
/// use typenum::U1;
/// let universe = mpi::initialize().ok_or("MPI was initialized already")?;
/// let x = lazy_mpi::create_h5::<i32, U1, _>(&universe.world(), "counts.h5", "/raw/counts", &[10], None)?;
/// assert!(x.is_mpio());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_h5<T, R, C>(
    comm: &C,
    path: impl AsRef<Path>,
    dataset_path: &str,
    shape: &[usize],
    chunks: Option<&[usize]>,
) -> Result<H5Dataset<T, R, ReadWrite>>
where
    T: H5Element,
    R: Rank,
    C: Communicator + ?Sized,
{
    let path = path.as_ref();
    agree(comm, check_create::<R>(path, dataset_path, shape, chunks))?;
    let file = agree(
        comm,
        h5::File::with_options()
            .with_fapl(|p| p.mpio(comm.as_raw(), None))
            .create(path)
            .map_err(file_error("create", path)),
    )?;
    let builder = file.new_dataset::<T>().shape(shape.to_vec());
    let builder = match chunks {
        Some(chunks) => builder.chunk(chunks.to_vec()),
        None => builder,
    };
    let made = builder.create(dataset_path).map_err(|e| {
        Error::backend(
            format!(
                "cannot create dataset {dataset_path:?} of shape {shape:?} in {}: {e}",
                path.display()
            ),
            e,
        )
    });
    let dataset = agree(comm, made)?;
    agree(comm, H5Dataset::<T, R>::from_inner_rw(dataset))
}

/// Opens the dataset `dataset_path` of the existing HDF5 file at `path` for
/// reading and writing on every rank of `comm`, through the MPI-IO driver;
/// collective, with the same arguments on every rank. Checks the element
/// type and rank as [`H5Dataset::open`] does; an error on any rank is an
/// error on every rank.
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
    let file = open_mpio(comm, path.as_ref(), true)?;
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
    let file = open_mpio(comm, path.as_ref(), false)?;
    agree(comm, H5Dataset::<T, R>::open(&file, dataset_path))
}

/// Opens the existing file at `path` on every rank of `comm` through the
/// MPI-IO driver, for writing too when `writable`; collective.
fn open_mpio<C: Communicator + ?Sized>(comm: &C, path: &Path, writable: bool) -> Result<h5::File> {
    let mut options = h5::File::with_options();
    let options = options.with_fapl(|p| p.mpio(comm.as_raw(), None));
    let opened = if writable {
        options
            .open_rw(path)
            .map_err(file_error("open for writing", path))
    } else {
        options.open(path).map_err(file_error("open", path))
    };
    agree(comm, opened)
}

fn check_create<R: Rank>(
    path: &Path,
    dataset_path: &str,
    shape: &[usize],
    chunks: Option<&[usize]>,
) -> Result<()> {
    let what = || format!("dataset {dataset_path:?} in {}", path.display());
    if let Some(ndim) = R::NDIM {
        if ndim != shape.len() {
            return Err(Error::shape(format!(
                "cannot create {} with shape {shape:?}: its type has rank {ndim}",
                what()
            )));
        }
    }
    if let Some(chunks) = chunks {
        if chunks.len() != shape.len() || chunks.contains(&0) {
            return Err(Error::value(format!(
                "cannot create {} of shape {shape:?} in chunks {chunks:?}: \
                 chunks need one non-zero length per axis",
                what()
            )));
        }
    }
    Ok(())
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
