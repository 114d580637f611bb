//! Opening HDF5 files and datasets: a [`File<M>`](File) is read-only or
//! read-write in its type, as an [`H5Dataset`] is, so that opening a
//! dataset for writing in a file opened read-only does not compile.
//!
//! The calls are those of lazy-zarr, with a file where Zarr has a store:
//!
//! | | HDF5 | Zarr |
//! |---|---|---|
//! | read | `H5Dataset::<T, R>::open(&open_file(path)?, name)` | `ZarrDataset::<T, R>::open(store, name)` |
//! | write | `H5Dataset::<T, R>::open_rw(&open_file_rw(path)?, name)` | `ZarrDataset::<T, R>::open_rw(store, name)` |
//! | create | `H5Dataset::<T, R>::create(&create_file(path)?, name, shape, &CreateOptions)` | `ZarrDataset::<T, R>::create(store, name, shape, &CreateOptions)` |
//!
//! Writing and creating need the feature `libhdf5`. Without it a [`File`]
//! is a [`PureFile`] inside (the file read in Rust), with it an hdf5-metno
//! file: [`open_file`] returns the same type either way, so code written
//! without the feature compiles with it.

use std::marker::PhantomData;
#[cfg(feature = "libhdf5")]
use std::ops::Deref;
use std::path::Path;

#[cfg(feature = "libhdf5")]
use hdf5_metno::Group;
use lazy_core::backend::check_open;
#[cfg(feature = "libhdf5")]
use lazy_core::ReadWrite;
use lazy_core::{Cache, Error, Mode, Rank, ReadOnly, Result};

use crate::dataset::H5Dataset;
use crate::direct::Direct;
use crate::element::H5Element;
#[cfg(feature = "libhdf5")]
use crate::info::element_type;
use crate::pure::PureFile;

/// An open HDF5 file, read-only or read-write in its type `M`
/// ([`ReadOnly`] from [`open_file`], `ReadWrite` from `open_file_rw`
/// and `create_file`, feature `libhdf5`). Datasets open from it with
/// [`H5Dataset::open`]; with `H5Dataset::open_rw` and `H5Dataset::create`
/// only when it is `ReadWrite`, so writing to a file opened read-only does
/// not compile.
///
/// Without the feature `libhdf5` it holds a [`PureFile`] (the file read in
/// Rust, no system library). With it, it is a file open through libhdf5
/// and dereferences to hdf5-metno's `File` (a group), for what this crate
/// does not wrap: groups, attributes, datasets built with hdf5-metno's
/// builder; datasets libhdf5 cannot open are still opened in Rust.
///
/// ```
/// # #[cfg(feature = "libhdf5")] {
/// use lazy_hdf5::{create_file, open_file, CreateOptions, H5Dataset};
/// use lazy_core::{DatasetExt, DatasetMutExt};
/// use typenum::U1;
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("file.h5");
/// let file = create_file(&path)?; // File<ReadWrite>
/// H5Dataset::<i16, U1>::create(&file, "/raw/x", &[3], &CreateOptions::default())?.write_all(7)?;
/// drop(file);
/// let file = open_file(&path)?; // File<ReadOnly>
/// assert_eq!(H5Dataset::<i16, U1>::open(&file, "/raw/x")?.read_all()?, ndarray::array![7, 7, 7]);
/// assert!(file.location().ends_with("file.h5"));
/// # }
/// # Ok::<(), lazy_core::Error>(())
/// ```
///
/// ```compile_fail
/// use lazy_hdf5::{open_file, H5Dataset};
/// use typenum::U1;
/// let file = open_file("data.h5")?;
/// // A file opened read-only has no datasets to write: this does not compile.
/// let x = H5Dataset::<f64, U1>::open_rw(&file, "x")?;
/// # Ok::<(), lazy_core::Error>(())
/// ```
pub struct File<M = ReadOnly> {
    #[cfg(feature = "libhdf5")]
    inner: hdf5_metno::File,
    #[cfg(not(feature = "libhdf5"))]
    pure: PureFile,
    _mode: PhantomData<fn() -> M>,
}

impl<M> File<M> {
    /// Where the file is: its path, as libhdf5 names it (the name
    /// `ZarrDataset::location` gives for a store); without the feature
    /// `libhdf5`, as given to [`open_file`].
    pub fn location(&self) -> String {
        #[cfg(feature = "libhdf5")]
        return self.inner.filename();
        #[cfg(not(feature = "libhdf5"))]
        return self.pure.location().to_string();
    }
}

#[cfg(feature = "libhdf5")]
impl<M: Mode> File<M> {
    /// Wraps a file opened with hdf5-metno (with a file driver or property
    /// lists of one's own, say). A [`ReadWrite`] file must have been opened
    /// for writing: a read-only one is a
    /// [`Backend`](lazy_core::ErrorKind::Backend) error.
    pub fn from_inner(inner: hdf5_metno::File) -> Result<Self> {
        if M::WRITABLE && inner.is_read_only() {
            return Err(Error::backend_msg(format!(
                "HDF5 file {} is open read-only: open it with open_file_rw to write",
                inner.filename()
            )));
        }
        Ok(File {
            inner,
            _mode: PhantomData,
        })
    }

    /// The hdf5-metno file.
    pub fn inner(&self) -> &hdf5_metno::File {
        &self.inner
    }

    /// Gives the hdf5-metno file back.
    pub fn into_inner(self) -> hdf5_metno::File {
        self.inner
    }
}

#[cfg(feature = "libhdf5")]
impl File<ReadWrite> {
    /// The same file, read-only in its type.
    pub fn into_read_only(self) -> File<ReadOnly> {
        File {
            inner: self.inner,
            _mode: PhantomData,
        }
    }
}

#[cfg(feature = "libhdf5")]
mod sealed {
    pub trait Sealed {}
}

/// A file open for writing: [`File<ReadWrite>`](File), what
/// [`H5Dataset::open_rw`] and [`H5Dataset::create`] take. Sealed; a file
/// opened with [`open_file`] is not one, and passing it does not compile.
#[cfg(feature = "libhdf5")]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is open read-only: its datasets cannot be opened for writing or created",
    label = "a file opened with `open_file`",
    note = "open the file with `open_file_rw` (or make it with `create_file`) to write to it"
)]
pub trait WritableFile: sealed::Sealed {
    /// The file.
    fn writable(&self) -> &File<ReadWrite>;
}

#[cfg(feature = "libhdf5")]
impl sealed::Sealed for File<ReadWrite> {}

#[cfg(feature = "libhdf5")]
impl WritableFile for File<ReadWrite> {
    fn writable(&self) -> &File<ReadWrite> {
        self
    }
}

#[cfg(feature = "libhdf5")]
impl<M> Deref for File<M> {
    type Target = hdf5_metno::File;
    fn deref(&self) -> &hdf5_metno::File {
        &self.inner
    }
}

impl<M: Mode> std::fmt::Debug for File<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("File")
            .field("location", &self.location())
            .field("writable", &M::WRITABLE)
            .finish()
    }
}

#[cfg(feature = "libhdf5")]
fn file_error<'a>(action: &'a str, path: &'a Path) -> impl FnOnce(hdf5_metno::Error) -> Error + 'a {
    move |e| {
        Error::backend(
            format!("cannot {action} HDF5 file {}: {e}", path.display()),
            e,
        )
    }
}

/// Opens an existing HDF5 (or netCDF-4) file read-only; its datasets open
/// only with [`H5Dataset::open`]. With the feature `libhdf5` the file is
/// opened through libhdf5; without it, by lazy-hdf5's own reader (as
/// [`open_file_pure`](crate::open_file_pure)), with no system library.
///
/// A missing or unreadable file is a [`Backend`](lazy_core::ErrorKind::Backend)
/// error naming the path (with libhdf5, HDF5's error as the source).
///
/// ```
/// use lazy_core::ErrorKind;
/// let err = lazy_hdf5::open_file("/no/such/file.h5").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Backend);
/// assert!(err.to_string().contains("/no/such/file.h5"));
/// ```
pub fn open_file(path: impl AsRef<Path>) -> Result<File<ReadOnly>> {
    let path = path.as_ref();
    #[cfg(feature = "libhdf5")]
    return File::from_inner(hdf5_metno::File::open(path).map_err(file_error("open", path))?);
    #[cfg(not(feature = "libhdf5"))]
    return Ok(File {
        pure: crate::pure::open_file_pure(path)?,
        _mode: PhantomData,
    });
}

/// Opens an existing HDF5 file for reading and writing: its datasets open
/// with [`H5Dataset::open_rw`] too, and new ones are made with
/// [`H5Dataset::create`].
#[cfg(feature = "libhdf5")]
pub fn open_file_rw(path: impl AsRef<Path>) -> Result<File<ReadWrite>> {
    let path = path.as_ref();
    File::from_inner(hdf5_metno::File::open_rw(path).map_err(file_error("open for writing", path))?)
}

/// Creates an HDF5 file, truncating an existing one, open for reading and
/// writing.
#[cfg(feature = "libhdf5")]
pub fn create_file(path: impl AsRef<Path>) -> Result<File<ReadWrite>> {
    let path = path.as_ref();
    File::from_inner(hdf5_metno::File::create(path).map_err(file_error("create", path))?)
}

/// Opens the dataset at `path` typed: [`H5Dataset::<T, R>::open`](H5Dataset::open)
/// as a function, for `open::<f64, U2>(&file, "x")`.
///
/// ```
/// # #[cfg(feature = "libhdf5")] {
/// use lazy_hdf5::{create_file, open};
/// use lazy_core::DatasetExt;
/// use typenum::U1;
///
/// let dir = tempfile::tempdir().unwrap();
/// let file = create_file(dir.path().join("open.h5"))?;
/// file.new_dataset_builder().with_data(&[0.5f32, 1.5]).create("x").unwrap();
/// let x = open::<f32, U1>(&file, "x")?;
/// assert_eq!(x.read_all()?, ndarray::array![0.5, 1.5]);
/// # }
/// # Ok::<(), lazy_core::Error>(())
/// ```
pub fn open<T: H5Element, R: Rank>(group: &impl Location, path: &str) -> Result<H5Dataset<T, R>> {
    H5Dataset::open(group, path)
}

mod located {
    pub trait Sealed {}
}

/// Where datasets open from: a [`File`], a [`PureFile`] (opened without
/// libhdf5, [`open_file_pure`](crate::open_file_pure)), and with the
/// feature `libhdf5` hdf5-metno's `File` and `Group`.
/// [`H5Dataset::open`] and [`inspect`](crate::inspect) take either.
/// Sealed.
pub trait Location: located::Sealed {
    /// The group or file.
    #[doc(hidden)]
    fn place(&self) -> Place<'_>;
}

/// What a [`Location`] is. Non-exhaustive: the feature `libhdf5` adds a
/// variant, and features stay additive.
#[doc(hidden)]
#[derive(Debug)]
#[non_exhaustive]
pub enum Place<'a> {
    /// A group of a file open through libhdf5.
    #[cfg(feature = "libhdf5")]
    Libhdf5(&'a Group),
    /// A file open for lazy-hdf5's own reader.
    Pure(&'a PureFile),
}

#[cfg(feature = "libhdf5")]
macro_rules! groups {
    ($($t:ty),*) => {$(
        impl located::Sealed for $t {}
        impl Location for $t {
            fn place(&self) -> Place<'_> {
                Place::Libhdf5(self)
            }
        }
    )*};
}

#[cfg(feature = "libhdf5")]
groups!(Group, hdf5_metno::File);

impl<M> located::Sealed for File<M> {}
impl<M> Location for File<M> {
    fn place(&self) -> Place<'_> {
        #[cfg(feature = "libhdf5")]
        return Place::Libhdf5(&self.inner);
        #[cfg(not(feature = "libhdf5"))]
        return Place::Pure(&self.pure);
    }
}

impl located::Sealed for PureFile {}
impl Location for PureFile {
    fn place(&self) -> Place<'_> {
        Place::Pure(self)
    }
}

impl<L: Location + ?Sized> located::Sealed for &L {}
impl<L: Location + ?Sized> Location for &L {
    fn place(&self) -> Place<'_> {
        (**self).place()
    }
}

/// The absolute path of `path` (absolute, or relative to `group`).
#[cfg(feature = "libhdf5")]
pub(crate) fn absolute(group: &Group, path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{path}", group.name().trim_end_matches('/'))
    }
}

#[cfg(feature = "libhdf5")]
fn open_error(group: &Group, path: &str) -> impl FnOnce(hdf5_metno::Error) -> Error {
    let file = group.filename();
    let path = path.to_string();
    move |e| Error::backend(format!("cannot open dataset {path:?} in {file:?}: {e}"), e)
}

/// Opening: the constructors are associated with the read-only type (the
/// default mode), so `H5Dataset::<f64, U2>::open_rw(..)` needs no mode
/// written out; each returns the mode it opens with.
impl<T: H5Element, R: Rank> H5Dataset<T, R, ReadOnly> {
    /// Opens the dataset at `path` (absolute, or relative to `group`; a
    /// [`File`] of either mode is a group) read-only, and checks it
    /// against `T` and `R`. Without the feature `libhdf5`, every dataset
    /// is read by lazy-hdf5's own reader (see [`PureFile`] for what it
    /// reads); a filter it does not decode is a `Backend` error naming the
    /// filter.
    ///
    /// Errors, each naming the file and the dataset:
    /// - no such dataset (or not a dataset): [`Backend`](lazy_core::ErrorKind::Backend),
    ///   with HDF5's message and its error as the source;
    /// - a rank other than `R`: [`Shape`](lazy_core::ErrorKind::Shape), with both ranks;
    /// - an element type other than `T` (HDF5 types with no lazy-datasets
    ///   element type included): [`Value`](lazy_core::ErrorKind::Value), with both types.
    ///
    /// ```
    /// # #[cfg(feature = "libhdf5")] {
    /// use lazy_hdf5::{create_file, H5Dataset};
    /// use lazy_core::{Dyn, ErrorKind};
    /// use typenum::{U1, U2};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let file = create_file(dir.path().join("kinds.h5"))?;
    /// file.new_dataset_builder().with_data(&[1i32, 2, 3]).create("counts").unwrap();
    ///
    /// assert_eq!(H5Dataset::<i32, Dyn>::open(&file, "counts")?.shape(), &[3]);
    /// let err = H5Dataset::<i32, U2>::open(&file, "counts").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Shape);
    /// let err = H5Dataset::<f64, U1>::open(&file, "counts").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Value);
    /// assert!(err.to_string().contains("int32") && err.to_string().contains("float64"));
    /// let err = H5Dataset::<i32, U1>::open(&file, "missing").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Backend);
    /// # }
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    ///
    /// A file open through libhdf5 whose dataset libhdf5 cannot open (one
    /// written by a newer HDF5: h5py's `libver="latest"` with HDF5 2.0) is
    /// opened by lazy-hdf5's own reader instead, as from
    /// [`open_file_pure`](crate::open_file_pure); when that fails too, the
    /// error is libhdf5's, with the other reader's reason appended.
    pub fn open(group: &impl Location, path: &str) -> Result<Self> {
        match group.place() {
            Place::Pure(file) => Self::from_pure(file, path),
            #[cfg(feature = "libhdf5")]
            Place::Libhdf5(group) => {
                let opened = group.dataset(path).map_err(open_error(group, path));
                match opened.and_then(Self::from_inner) {
                    Err(Error::Backend { message, source }) => {
                        crate::pure::open_file_pure(group.filename())
                            .and_then(|file| Self::from_pure(&file, &absolute(group, path)))
                            .map_err(|pure| match pure {
                                Error::Backend { message: why, .. } => Error::Backend {
                                    message: format!(
                                        "{message} (nor can lazy-hdf5's own reader open it: {why})"
                                    ),
                                    source,
                                },
                                // Found, but not of this type or rank.
                                other => other,
                            })
                    }
                    other => other,
                }
            }
        }
    }

    /// Opens the dataset at `path` of a file open for lazy-hdf5's own
    /// reader, checking it against `T` and `R`.
    fn from_pure(file: &PureFile, path: &str) -> Result<Self> {
        let path = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        };
        let what = format!("dataset {path:?} in {:?}", file.location());
        let meta = file
            .dataset_meta(&path)
            .map_err(|why| Error::backend_msg(format!("cannot open {what}: {why}")))?;
        check_open::<T, R>(
            &what,
            &meta.shape,
            meta.dtype,
            format!("the HDF5 type {}", meta.described),
        )?;
        let shape = meta.shape.clone();
        let direct = Direct::pure(file, &path, meta, T::DTYPE.size())
            .map_err(|why| Error::backend_msg(format!("cannot open {what}: {why}")))?;
        Ok(H5Dataset::from_parts(
            None,
            file.location().to_string(),
            path,
            shape,
            Ok(std::sync::Arc::new(direct)),
            false,
            Cache::global(),
        ))
    }

    /// Wraps a dataset opened with hdf5-metno, read-only, checking it as
    /// [`open`](Self::open) does.
    #[cfg(feature = "libhdf5")]
    pub fn from_inner(inner: hdf5_metno::Dataset) -> Result<Self> {
        Self::checked(inner)
    }

    /// Opens the dataset at `path` of `file` for reading and writing, and
    /// checks it as [`open`](Self::open) does. The file must be open for
    /// writing ([`open_file_rw`], [`create_file`]): a file opened with
    /// [`open_file`] does not compile here.
    ///
    /// ```
    /// use lazy_hdf5::{create_file, H5Dataset};
    /// use lazy_core::{DatasetExt, DatasetMutExt};
    /// use typenum::U1;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let file = create_file(dir.path().join("rw.h5"))?;
    /// file.new_dataset_builder().with_data(&[1u8, 2]).create("x").unwrap();
    /// let mut x = H5Dataset::<u8, U1>::open_rw(&file, "x")?;
    /// x.write_all(9)?;
    /// assert_eq!(x.read_all()?, ndarray::array![9, 9]);
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    #[cfg(feature = "libhdf5")]
    pub fn open_rw(file: &impl WritableFile, path: &str) -> Result<H5Dataset<T, R, ReadWrite>> {
        let file = file.writable();
        match file.dataset(path).map_err(open_error(file, path)) {
            Ok(inner) => Self::from_inner_rw(inner),
            Err(Error::Backend { message, source }) => {
                // Written by a newer HDF5? Say that it can be read.
                let readable = crate::pure::open_file_pure(file.filename())
                    .is_ok_and(|pure| pure.dataset_meta(&absolute(file, path)).is_ok());
                let hint = if readable {
                    " (lazy-hdf5's own reader can read it, read-only: H5Dataset::open)"
                } else {
                    ""
                };
                Err(Error::Backend {
                    message: format!("{message}{hint}"),
                    source,
                })
            }
            Err(other) => Err(other),
        }
    }

    /// Wraps a dataset opened with hdf5-metno for reading and writing,
    /// checking it as [`open`](Self::open) does, and that its file is open
    /// for writing: a file opened read-only is a
    /// [`Backend`](lazy_core::ErrorKind::Backend) error saying to open it
    /// with [`open_file_rw`].
    #[cfg(feature = "libhdf5")]
    pub fn from_inner_rw(inner: hdf5_metno::Dataset) -> Result<H5Dataset<T, R, ReadWrite>> {
        let ds = H5Dataset::<T, R, ReadWrite>::checked(inner)?;
        let read_only = ds
            .lib()?
            .file()
            .map_err(|e| ds.error("inspect", e))?
            .is_read_only();
        if read_only {
            return Err(Error::backend_msg(format!(
                "cannot open dataset {:?} for writing: file {:?} is open read-only (open it with open_file_rw)",
                ds.path(),
                ds.location()
            )));
        }
        Ok(ds)
    }
}

#[cfg(feature = "libhdf5")]
impl<T: H5Element, R: Rank, M: Mode> H5Dataset<T, R, M> {
    /// Checks `inner` against `T` and `R`, and sets up its reader.
    pub(crate) fn checked(inner: hdf5_metno::Dataset) -> Result<Self> {
        let (file, path) = (inner.filename(), inner.name());
        let what = format!("dataset {path:?} in {file:?}");
        let inspect =
            |e: hdf5_metno::Error| Error::backend(format!("cannot inspect {what}: {e}"), e);
        let space = inner.space().map_err(inspect)?;
        if space.is_null() {
            return Err(Error::value(format!(
                "{what} has a null dataspace (no elements, no shape)"
            )));
        }
        let shape = space.shape();
        let (found, described) = element_type(&inner).map_err(inspect)?;
        check_open::<T, R>(&what, &shape, found, format!("the HDF5 type {described}"))?;
        let direct = Direct::new(&inner, &shape, T::DTYPE.size()).map(|mut direct| {
            direct.index_in_rust(&file, &path, &shape);
            std::sync::Arc::new(direct)
        });
        let mpio = is_mpio(&inner).map_err(inspect)?;
        Ok(H5Dataset::from_parts(
            Some(inner),
            file,
            path,
            shape,
            direct,
            mpio,
            Cache::global(),
        ))
    }
}

/// Whether the file of `ds` is open with the MPI-IO driver (parallel HDF5).
#[cfg(feature = "mpio")]
fn is_mpio(ds: &hdf5_metno::Dataset) -> hdf5_metno::Result<bool> {
    // Asking for the driver duplicates the file's communicator
    // (`MPI_Comm_dup`, collective): every rank opens the same datasets.
    let driver = ds.file()?.access_plist()?.driver();
    Ok(matches!(driver, hdf5_metno::file::FileDriver::Mpio(_)))
}

#[cfg(all(feature = "libhdf5", not(feature = "mpio")))]
fn is_mpio(_: &hdf5_metno::Dataset) -> hdf5_metno::Result<bool> {
    Ok(false)
}
