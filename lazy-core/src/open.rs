//! Opening stored datasets: read-only and read-write opens as types, and
//! the checks every backend makes when it opens one.
//!
//! A backend's dataset type carries a [`Mode`]: opened with `open` it is
//! [`ReadOnly`] and has no `DatasetMut` impl, so writing to it does not
//! compile; opened with `open_rw` (or created) it is [`ReadWrite`]. The
//! check of what a file holds against the element type and rank asked for
//! is [`check_open`], so every backend words its errors alike.
//!
//! ```
//! use lazy_core::backend::check_open;
//! use lazy_core::{DType, Dyn, ErrorKind};
//! use typenum::U2;
//!
//! let what = "dataset \"/x\" in \"a.h5\"";
//! assert!(check_open::<f64, U2>(what, &[3, 4], Some(DType::F64), "float64").is_ok());
//! let err = check_open::<f64, U2>(what, &[3], Some(DType::F64), "float64").unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::Shape);
//! assert_eq!(err.to_string(), "shape error: dataset \"/x\" in \"a.h5\" has rank 1 (shape [3]), expected rank 2");
//! let err = check_open::<f64, Dyn>(what, &[3], Some(DType::I32), "int32").unwrap_err();
//! assert_eq!(err.to_string(), "value error: dataset \"/x\" in \"a.h5\" holds int32, expected float64");
//! let err = check_open::<f64, Dyn>(what, &[3], None, "the HDF5 type string").unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::Value);
//! ```

use std::fmt::{self, Debug};

use crate::element::{DType, Element};
use crate::error::{Error, Result};
use crate::rank::Rank;

mod sealed {
    pub trait Sealed {}
}

/// Whether a stored dataset was opened for writing: [`ReadOnly`] or
/// [`ReadWrite`]. Sealed.
pub trait Mode: sealed::Sealed + Copy + Default + Debug + Send + Sync + 'static {
    /// Whether writes are allowed.
    const WRITABLE: bool;
}

/// Opened read-only: the dataset type has no `DatasetMut` impl, so writes
/// do not compile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ReadOnly;

/// Opened for reading and writing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ReadWrite;

impl sealed::Sealed for ReadOnly {}
impl sealed::Sealed for ReadWrite {}

impl Mode for ReadOnly {
    const WRITABLE: bool = false;
}

impl Mode for ReadWrite {
    const WRITABLE: bool = true;
}

/// The mode of a dataset that can be written to: [`ReadWrite`] only.
/// Storage backends implement `DatasetMut` for modes that are `Writable`,
/// so that writing to a dataset opened read-only fails to compile with
/// this trait's message. Sealed.
#[diagnostic::on_unimplemented(
    message = "this dataset was opened read-only",
    label = "writing needs a dataset opened for writing",
    note = "a file or store opened with `open` is read-only: open it with `open_rw` (or create it) to write"
)]
pub trait Writable: Mode {}

impl Writable for ReadWrite {}

/// What a stored dataset holds, found without choosing a type: what the
/// backends' `inspect` functions return, to pick the `T` and `R` to open it
/// with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DatasetInfo {
    /// The shape (empty for a scalar dataset).
    pub shape: Vec<usize>,
    /// The element type, or `None` for a stored type with no lazy-datasets
    /// element type (strings, compounds, complex numbers, `float16`, …).
    pub dtype: Option<DType>,
    /// The stored type in the storage's own words (`"int32"`, `"float16"`).
    pub data_type: String,
    /// The chunk shape of chunked storage (for a sharded Zarr array, the
    /// shard shape); `None` for contiguous or compact storage.
    pub chunks: Option<Vec<usize>>,
    /// The storage format and its version: `"HDF5"`, `"Zarr v2"`, `"Zarr v3"`.
    pub format: String,
    /// Who reads the stored bytes, and why when it is not lazy-datasets
    /// itself: `"lazy-hdf5"`, `"libhdf5: the filter Szip"`, `"lazy-zarr
    /// (zstd)"`, `"zarrs"`; empty where the backend does not say.
    pub reader: String,
}

impl DatasetInfo {
    /// A description of a stored dataset (see the fields).
    pub fn new(
        shape: Vec<usize>,
        dtype: Option<DType>,
        data_type: impl Into<String>,
        chunks: Option<Vec<usize>>,
        format: impl Into<String>,
    ) -> Self {
        DatasetInfo {
            shape,
            dtype,
            data_type: data_type.into(),
            chunks,
            format: format.into(),
            reader: String::new(),
        }
    }

    /// This description, saying who reads the stored bytes (see
    /// [`reader`](Self::reader)).
    pub fn with_reader(mut self, reader: impl Into<String>) -> Self {
        self.reader = reader.into();
        self
    }
}

/// Checks what storage holds against the element type `T` and rank `R`
/// asked for. `what` names the dataset and where it is (`dataset "/x" in
/// "a.h5"`), `shape` is its shape, `found` its element type (`None` for a
/// stored type with no lazy-datasets element type) and `described` the
/// stored type in the storage's own words.
///
/// A rank other than `R` is a [`Shape`](crate::ErrorKind::Shape) error, an
/// element type other than `T` a [`Value`](crate::ErrorKind::Value) error;
/// both say what was expected and what was found.
pub fn check_open<T: Element, R: Rank>(
    what: impl fmt::Display,
    shape: &[usize],
    found: Option<DType>,
    described: impl fmt::Display,
) -> Result<()> {
    if let Some(ndim) = R::NDIM {
        if ndim != shape.len() {
            return Err(Error::shape(format!(
                "{what} has rank {} (shape {shape:?}), expected rank {ndim}",
                shape.len()
            )));
        }
    }
    match found {
        Some(found) if found == T::DTYPE => Ok(()),
        Some(found) => Err(Error::value(format!(
            "{what} holds {found}, expected {}",
            T::DTYPE
        ))),
        None => Err(Error::value(format!(
            "{what} holds {described}, which has no lazy-datasets element type; expected {}",
            T::DTYPE
        ))),
    }
}

/// Checks what a backend is asked to create, before it creates anything:
/// `shape` of rank `R`, and a chunk shape (if any) of one non-zero length
/// per axis. `what` names the dataset and where it goes. Returns the chunk
/// shape: the one asked for, or, with `auto`, about 1 MiB chunks of the
/// leading axes ([`auto_chunks`]); `None` when none was asked for and not
/// `auto` (contiguous storage).
///
/// A shape or chunk shape of another rank is a
/// [`Shape`](crate::ErrorKind::Shape) error, a zero chunk length a
/// [`Value`](crate::ErrorKind::Value) error.
///
/// ```
/// use lazy_core::backend::check_create;
/// use lazy_core::ErrorKind;
/// use typenum::U2;
///
/// let what = "array \"/x\" in /data";
/// assert_eq!(check_create::<U2>(what, &[10, 4], Some(&[5, 4]), 8, true)?, Some(vec![5, 4]));
/// assert_eq!(check_create::<U2>(what, &[10, 4], None, 8, false)?, None);
/// assert_eq!(check_create::<U2>(what, &[10], None, 8, true).unwrap_err().kind(), ErrorKind::Shape);
/// assert_eq!(check_create::<U2>(what, &[10, 4], Some(&[5]), 8, true).unwrap_err().kind(), ErrorKind::Shape);
/// assert_eq!(check_create::<U2>(what, &[10, 4], Some(&[0, 4]), 8, true).unwrap_err().kind(), ErrorKind::Value);
/// # Ok::<(), lazy_core::Error>(())
/// ```
pub fn check_create<R: Rank>(
    what: impl fmt::Display,
    shape: &[usize],
    chunks: Option<&[usize]>,
    elem_size: usize,
    auto: bool,
) -> Result<Option<Vec<usize>>> {
    if let Some(ndim) = R::NDIM {
        if ndim != shape.len() {
            return Err(Error::shape(format!(
                "cannot create {what} with shape {shape:?}: its type has rank {ndim}"
            )));
        }
    }
    match chunks {
        Some(c) if c.len() != shape.len() => Err(Error::shape(format!(
            "cannot create {what} of shape {shape:?} in chunks {c:?}: one chunk length per axis is needed"
        ))),
        Some(c) if c.contains(&0) => Err(Error::value(format!(
            "cannot create {what} in chunks {c:?}: a chunk length is zero"
        ))),
        Some(c) => Ok(Some(c.to_vec())),
        None if auto => Ok(Some(auto_chunks(shape, elem_size))),
        None => Ok(None),
    }
}

/// The chunk bytes [`auto_chunks`] aims at: 1 MiB.
const AUTO_CHUNK_BYTES: usize = 1 << 20;

/// A chunk shape of at most about 1 MiB for a dataset of `shape` with
/// elements of `elem_size` bytes: the shape, halved along its leading axes
/// until small enough (rows of a table stay whole while they fit).
///
/// ```
/// use lazy_core::backend::auto_chunks;
/// assert_eq!(auto_chunks(&[20_000_000], 8), vec![78_125]);
/// assert_eq!(auto_chunks(&[1000, 3], 8), vec![1000, 3]);
/// ```
pub fn auto_chunks(shape: &[usize], elem_size: usize) -> Vec<usize> {
    let mut chunks: Vec<usize> = shape.iter().map(|&n| n.max(1)).collect();
    let limit = (AUTO_CHUNK_BYTES / elem_size.max(1)).max(1);
    let size = |c: &[usize]| c.iter().fold(1usize, |a, &b| a.saturating_mul(b));
    while size(&chunks) > limit {
        let Some(axis) = chunks.iter().position(|&c| c > 1) else {
            break;
        };
        if let Some(c) = chunks.get_mut(axis) {
            *c = c.div_ceil(2);
        }
    }
    chunks
}
