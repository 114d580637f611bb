//! The HDF5 backend of lazy-datasets: HDF5 and netCDF-4 files read in Rust,
//! and with the feature `libhdf5` written through
//! [hdf5-metno](https://docs.rs/hdf5-metno) and the system's libhdf5
//! (1.10.5 or later).
//!
//! # Features
//!
//! | feature | what it adds | system library |
//! |---|---|---|
//! | (none) | reading: [`open_file`], [`open_file_pure`], [`H5Dataset::open`], [`inspect`], [`CfAttributes`]; metadata and chunk index read by lazy-hdf5's own reader, chunks decoded in Rust (deflate, shuffle, fletcher32) | none |
//! | `libhdf5` | writing and creating (`open_file_rw`, `create_file`, `H5Dataset::open_rw`, `H5Dataset::create`, `CreateOptions`), the filters lazy-hdf5 does not decode (szip, scale-offset, n-bit, plugins) and compact or virtual layouts read through libhdf5, the hdf5-metno handles (`hdf5_metno`, `File` as a group, `H5Dataset::inner`) | libhdf5 1.10.5 or later (Debian `libhdf5-dev`) |
//! | `mpio` | `libhdf5` with its MPI-IO file driver (parallel HDF5) | the MPI build of libhdf5 |
//! | `cloud` | `open_url`: files in object stores and on web servers (`s3://`, `gs://`, `az://`, `http(s)://`) read by byte ranges with lazy-zarr's object_store client, returning a [`PureFile`] | none |
//!
//! The facade's feature `hdf5` is this crate without features, its feature
//! `libhdf5` this crate's, and its `cloud` (with `hdf5`) this crate's. Features are additive: [`open_file`] returns a
//! [`File`] in both builds (read in Rust without `libhdf5`, opened through
//! libhdf5 with it), and every call that compiles without `libhdf5`
//! compiles with it. Without `libhdf5`, a dataset whose filter lazy-hdf5
//! does not decode is a [`Backend`](lazy_core::ErrorKind::Backend) error
//! at open that names the filter and says that the feature `libhdf5`
//! reads it.
//!
//! [`H5Dataset<T, R, M>`](H5Dataset) opens a dataset typed, checking its
//! element type `T` and rank `R` against the file (or with rank
//! [`Dyn`](lazy_core::Dyn) for any rank), and is a lazy-core `Dataset`: it
//! can be read with every selection that works on an ndarray, with the same
//! results, and stacked, scaled, summed or OR'ed with other datasets. Opened
//! with `open_rw` (feature `libhdf5`) its mode `M` is
//! [`ReadWrite`](lazy_core::ReadWrite) and it is a `DatasetMut` too; opened
//! with [`open`](H5Dataset::open) it is [`ReadOnly`](lazy_core::ReadOnly),
//! and writing to it does not compile.
//! With the facade's feature `hdf5` this crate is `lazy_datasets::hdf5`.
//!
//! ```
//! # #[cfg(feature = "libhdf5")] {
//! use lazy_hdf5::{create_file, open_file, H5Dataset};
//! use lazy_core::{DatasetExt, DynSelection, Scaled, SelectionItem, Stacked};
//! use ndarray::array;
//! use typenum::U1;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("channels.h5");
//! {
//!     let file = create_file(&path)?;
//!     file.new_dataset_builder().with_data(&array![1, 2, 3]).create("x").unwrap();
//!     file.new_dataset_builder().with_data(&array![4, 5, 6]).create("y").unwrap();
//! }
//! let file = open_file(&path)?; // read-only
//! let x = H5Dataset::<i32, U1>::open(&file, "x")?;
//! let y = H5Dataset::<i32, U1>::open(&file, "y")?;
//! let xy = Scaled::new(Stacked::new(vec![x, y], -1)?, 0.5);
//! // NumPy: xy[::-2] — only rows 2 and 0 are read from the file.
//! let rows = xy.read_dyn(&DynSelection::from(vec![SelectionItem::slice(None, None, Some(-2))]))?;
//! assert_eq!(rows, array![[1.5, 3.0], [0.5, 2.0]].into_dyn());
//! # }
//! # Ok::<(), lazy_core::Error>(())
//! ```
//!
//! # lazy-hdf5's own reader: no libhdf5, and files libhdf5 cannot read
//!
//! Without the feature `libhdf5`, [`open_file`] opens every file this way.
//! [`open_file_pure`] opens a file with no libhdf5 at all: its metadata and
//! chunk index are read in Rust (the crate `hdf5-reader`, behind the
//! private module `pure`), its chunks by the same chunk engine as below.
//! It reads what HDF5 1.8 to 2.0 and netCDF-4 write, including files that
//! the system's libhdf5 1.10 refuses (h5py with HDF5 2.0 and
//! `libver="latest"`: layout and datatype messages of version 5). A
//! dataset of a file opened with [`open_file`] that libhdf5 cannot open is
//! opened this way by [`H5Dataset::open`] too. Such datasets are read-only
//! and have no hdf5-metno handle (`H5Dataset::inner` is `None`); filters
//! other than deflate, shuffle and fletcher32 are an error naming the
//! filter. See [`PureFile`].
//!
//! # How selections reach the file
//!
//! With the feature `libhdf5`, reads that lazy-hdf5's own reader does not
//! do and all writes go through libhdf5. They are planned by lazy-core's planner
//! ([`lazy_core::backend::Plan`]), with HDF5's policy: per axis the selected
//! positions sorted and without duplicates, as regular runs. Integers and
//! slices with a positive step are hyperslabs as they are; a negative step
//! reads the same positions ascending and reverses them in memory; a list is
//! read as its sorted distinct positions (one hyperslab when they are
//! regular, else the strided hyperslab holding them all when it is at most
//! about twice as large, else one hyperslab per regular run, else a point
//! selection) and gathered into the requested order, duplicates included.
//! When the buffer HDF5 fills is the output in its order and the output is
//! contiguous, HDF5 reads straight into it; a strided output (a column of a
//! stack) is read in pieces through a small contiguous buffer. Contiguous,
//! chunked and compressed datasets all work: HDF5 decompresses the chunks a
//! selection touches.
//!
//! A write builds the buffer of final values in memory (for a list with
//! duplicates the last value wins, as in NumPy), then writes it with the
//! same selections (never the strided hyperslab, which would touch elements
//! outside the region); a source already in the buffer's order is written
//! straight from its memory, strided or not.
//!
//! # Errors
//!
//! Every error is a [`lazy_core::Error`]: HDF5's own errors are
//! [`Backend`](lazy_core::ErrorKind::Backend) errors with the HDF5 error as
//! their source (a missing file or dataset among them), a rank mismatch at
//! open is a [`Shape`](lazy_core::ErrorKind::Shape) error, an element-type
//! mismatch a [`Value`](lazy_core::ErrorKind::Value) error, and opening for
//! writing a dataset of a file opened read-only a `Backend` error. Writing
//! to a dataset opened read-only does not compile.
//!
//! Writes flush the file before they return, so an error writing the data
//! out (a full disk) is the write's error rather than lost when HDF5's chunk
//! cache is flushed at close.
//!
//! libhdf5 opens files without close-on-exec and locks them: a child process
//! started while a file is open inherits the lock, and opening that file
//! again fails (`unable to lock file`) until the child exits. Close files
//! before spawning processes, or set `HDF5_USE_FILE_LOCKING=FALSE`.
//!
//! hdf5-metno serialises all calls into libhdf5, which is not thread-safe
//! unless built so: reads of several HDF5 datasets from several threads are
//! correct but take turns.
//!
//! # Parallel HDF5 (feature `mpio`)
//!
//! The feature `mpio` turns on hdf5-metno's MPI-IO file driver; it needs
//! the MPI build of libhdf5 (on Debian `libhdf5-openmpi-dev`, chosen at
//! build time with `HDF5_DIR=/usr/lib/x86_64-linux-gnu/hdf5/openmpi`), and
//! every crate of the build then links that libhdf5. A dataset of a file
//! opened through the MPI-IO driver ([`H5Dataset::is_mpio`]) is read and
//! written through libhdf5 with independent transfers (its
//! [`reader`](H5Dataset::reader) says why), and its writes do not flush
//! the file, a collective call there: every rank calls
//! [`H5Dataset::flush`] once its writes are done. The crate `lazy-mpi`
//! (`lazy_datasets::mpi`) opens such files and copies views into them.
#![warn(missing_docs)]

mod cf;
mod chunks;
mod codec;
#[cfg(feature = "libhdf5")]
mod create;
mod dataset;
mod direct;
mod element;
#[cfg(feature = "libhdf5")]
mod fallback;
mod info;
#[cfg(feature = "libhdf5")]
mod io;
mod open;
mod pure;

/// The filter pipeline, for the fuzz target and doctests only.
#[doc(hidden)]
pub mod __filters {
    pub use crate::codec::{decode, encode, fletcher32, fuzz, Stage};
}

/// The pure-Rust metadata reader, for the fuzz target only.
#[doc(hidden)]
pub mod __pure {
    pub use crate::pure::fuzz;
}

pub use cf::CfAttributes;
#[cfg(feature = "libhdf5")]
pub use create::{Compression, CreateOptions};
pub use dataset::H5Dataset;
#[cfg(feature = "libhdf5")]
pub use element::dtype_of;
pub use element::H5Element;
pub use info::inspect;
/// A URL and its settings, for [`open_url`] (lazy-zarr's: the same URLs,
/// settings and environment variables as Zarr stores).
#[cfg(feature = "cloud")]
pub use lazy_zarr::StoreUrl;
#[cfg(feature = "libhdf5")]
pub use open::{create_file, open_file_rw, WritableFile};
pub use open::{open, open_file, File, Location, Place};
#[cfg(feature = "cloud")]
pub use pure::open_url;
pub use pure::{open_file_pure, AttrValue, Attribute, Members, PureFile, MAX_GROUP_DEPTH};

/// hdf5-metno, the HDF5 bindings this crate is built on with the feature
/// `libhdf5`: groups, attributes, filters, datasets built by hand
/// (lazy-zarr re-exports zarrs the same way).
#[cfg(feature = "libhdf5")]
pub use hdf5_metno;
/// hdf5-metno under its earlier name here, kept working.
#[cfg(feature = "libhdf5")]
#[doc(hidden)]
pub use hdf5_metno as h5;
