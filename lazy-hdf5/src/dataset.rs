//! [`H5Dataset`]: an HDF5 dataset as a lazy, typed dataset, writable when
//! opened for writing.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use hdf5_metno::{Group, Selection};
use lazy_core::backend::{
    check_open, chunks_cached, read_chunks, read_via, write_via, zeroed, Grouping, Marker, Plan,
};
use lazy_core::{
    Cache, CheckedRegion, Dataset, DatasetMut, Dyn, Error, Mode, Rank, ReadOnly, ReadWrite, Region,
    Result,
};
use ndarray::{ArrayViewD, ArrayViewMutD};

use crate::direct::Direct;
use crate::element::H5Element;
use crate::info::element_type;
use crate::io;
use crate::selection::{read_plan, transfer, write_plan, Transfer};

/// The largest piece of a strided output read through one contiguous buffer:
/// 128 Ki elements (1 MiB of `f64`), so that it stays in cache between the
/// read and the copy. HDF5 scatters into a strided memory selection one
/// short sequence at a time, which measured up to 25 times slower than a
/// contiguous read followed by a copy in memory (a column of a stack: 36 ms
/// against 4 ms for 3 x 1M f64), so HDF5 only ever reads into contiguous
/// buffers.
const STRIDED_PIECE: usize = 1 << 17;

/// An HDF5 dataset with element type `T`, rank `R` (`Dyn` when the rank is
/// known only at run time) and mode `M`: [`ReadOnly`] when opened with
/// [`open`](Self::open), [`ReadWrite`] with [`open_rw`](Self::open_rw).
/// Opening checks the element type and rank against the file; reads (and
/// writes) take any selection. Only a `ReadWrite` dataset implements
/// `DatasetMut`: writing to a read-only one does not compile.
///
/// Nothing is read at open: each read turns its [`Region`](lazy_core::Region) into HDF5
/// hyperslab or point selections and transfers only those elements (see the
/// [crate docs](crate) for what is done in memory).
///
/// ```
/// use lazy_hdf5::{create_file, H5Dataset};
/// use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, SelectionItem};
/// use ndarray::array;
/// use typenum::U2;
///
/// let dir = tempfile::tempdir().unwrap();
/// let file = create_file(dir.path().join("demo.h5"))?;
/// file.new_dataset_builder().with_data(&array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).create("x").unwrap();
///
/// let mut x = H5Dataset::<f64, U2>::open_rw(&file, "/x")?;
/// assert_eq!(x.shape(), &[2, 3]);
/// // NumPy: x[:, ::-1]
/// let rev = DynSelection::from(vec![SelectionItem::FULL, SelectionItem::slice(None, None, Some(-1))]);
/// assert_eq!(x.read_dyn(&rev)?, array![[3.0, 2.0, 1.0], [6.0, 5.0, 4.0]].into_dyn());
/// // NumPy: x[1, [2, 0]] = 0
/// x.write(DynSelection::from(vec![SelectionItem::Index(1), SelectionItem::List(vec![2, 0])]), 0.0)?;
/// assert_eq!(x.read_all()?, array![[1.0, 2.0, 3.0], [0.0, 5.0, 0.0]]);
/// # Ok::<(), lazy_core::Error>(())
/// ```
pub struct H5Dataset<T, R = Dyn, M = ReadOnly> {
    pub(crate) inner: hdf5_metno::Dataset,
    file: String,
    path: String,
    pub(crate) shape: Vec<usize>,
    /// The reader without libhdf5's lock, or why there is none.
    pub(crate) direct: std::result::Result<Arc<Direct>, String>,
    /// Reads go through libhdf5 even where `direct` could read.
    via_libhdf5: bool,
    /// The file is open with the MPI-IO driver: writes do not flush it
    /// (a flush is collective there), [`flush`](Self::flush) does.
    mpio: bool,
    pub(crate) cache: Cache,
    _marker: Marker<T, R, M>,
}

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
    /// [`File`](crate::File) is a group) read-only, and checks it against
    /// `T` and `R`.
    ///
    /// Errors, each naming the file and the dataset:
    /// - no such dataset (or not a dataset): [`Backend`](lazy_core::ErrorKind::Backend),
    ///   with HDF5's message and its error as the source;
    /// - a rank other than `R`: [`Shape`](lazy_core::ErrorKind::Shape), with both ranks;
    /// - an element type other than `T` (HDF5 types with no lazy-datasets
    ///   element type included): [`Value`](lazy_core::ErrorKind::Value), with both types.
    ///
    /// ```
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
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    pub fn open(group: &Group, path: &str) -> Result<Self> {
        Self::from_inner(group.dataset(path).map_err(open_error(group, path))?)
    }

    /// Wraps a dataset opened with hdf5-metno, read-only, checking it as
    /// [`open`](Self::open) does.
    pub fn from_inner(inner: hdf5_metno::Dataset) -> Result<Self> {
        Self::checked(inner)
    }

    /// Opens the dataset at `path` for reading and writing; checks as
    /// [`open`](Self::open) does, and that the file is open for
    /// writing: a file opened with [`open_file`](crate::open_file) is a
    /// [`Backend`](lazy_core::ErrorKind::Backend) error saying to open it
    /// with [`open_file_rw`](crate::open_file_rw).
    ///
    /// ```
    /// use lazy_hdf5::{create_file, open_file, H5Dataset};
    /// use lazy_core::ErrorKind;
    /// use typenum::U1;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("rw.h5");
    /// create_file(&path)?.new_dataset_builder().with_data(&[1u8, 2]).create("x").unwrap();
    /// let read_only = open_file(&path)?;
    /// let err = H5Dataset::<u8, U1>::open_rw(&read_only, "x").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Backend);
    /// assert!(err.to_string().contains("open_file_rw"));
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    pub fn open_rw(group: &Group, path: &str) -> Result<H5Dataset<T, R, ReadWrite>> {
        Self::from_inner_rw(group.dataset(path).map_err(open_error(group, path))?)
    }

    /// Wraps a dataset opened with hdf5-metno for reading and writing,
    /// checking it as [`open_rw`](Self::open_rw) does.
    pub fn from_inner_rw(inner: hdf5_metno::Dataset) -> Result<H5Dataset<T, R, ReadWrite>> {
        let ds = H5Dataset::<T, R, ReadWrite>::checked(inner)?;
        let read_only = ds
            .inner
            .file()
            .map_err(|e| ds.error("inspect", e))?
            .is_read_only();
        if read_only {
            return Err(Error::backend_msg(format!(
                "cannot open dataset {:?} for writing: file {:?} is open read-only (open it with open_file_rw)",
                ds.path, ds.file
            )));
        }
        Ok(ds)
    }
}

impl<T: H5Element, R: Rank> H5Dataset<T, R, ReadWrite> {
    /// The same dataset, read-only.
    pub fn into_read_only(self) -> H5Dataset<T, R, ReadOnly> {
        H5Dataset {
            inner: self.inner,
            file: self.file,
            path: self.path,
            shape: self.shape,
            direct: self.direct,
            via_libhdf5: self.via_libhdf5,
            mpio: self.mpio,
            cache: self.cache,
            _marker: PhantomData,
        }
    }
}

impl<T: H5Element, R: Rank, M: Mode> H5Dataset<T, R, M> {
    fn checked(inner: hdf5_metno::Dataset) -> Result<Self> {
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
        let direct = Direct::new(&inner, &shape, T::DTYPE.size()).map(Arc::new);
        let mpio = is_mpio(&inner).map_err(inspect)?;
        Ok(H5Dataset {
            inner,
            file,
            path,
            shape,
            direct,
            via_libhdf5: false,
            mpio,
            cache: Cache::global(),
            _marker: PhantomData,
        })
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

#[cfg(not(feature = "mpio"))]
fn is_mpio(_: &hdf5_metno::Dataset) -> hdf5_metno::Result<bool> {
    Ok(false)
}

impl<T, R, M> H5Dataset<T, R, M> {
    /// Whether the file is open with the MPI-IO driver (parallel HDF5,
    /// feature `mpio`). Such a dataset is read and written through libhdf5
    /// (independent transfers), and a write does not flush the file, since
    /// a flush is collective under MPI-IO: every rank calls
    /// [`flush`](Self::flush) once its writes are done.
    pub fn is_mpio(&self) -> bool {
        self.mpio
    }

    /// Flushes the file to storage, so that an error writing it out is
    /// this call's error. Writes flush by themselves, except on files open
    /// with the MPI-IO driver ([`is_mpio`](Self::is_mpio)), where this call
    /// is collective: every rank of the file's communicator makes it.
    pub fn flush(&self) -> Result<()> {
        self.inner
            .file()
            .and_then(|file| file.flush())
            .map_err(|e| self.error("flush the file of", e))
    }

    /// The HDF5 path of the dataset (`"/group/x"`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The name of the file holding the dataset.
    pub fn file_name(&self) -> &str {
        &self.file
    }

    /// The hdf5-metno dataset, for what this crate does not wrap (attributes,
    /// chunking, filters).
    pub fn inner(&self) -> &hdf5_metno::Dataset {
        &self.inner
    }

    /// Gives the hdf5-metno dataset back.
    pub fn into_inner(self) -> hdf5_metno::Dataset {
        self.inner
    }

    /// Who reads this dataset: `"lazy-hdf5"` (chunks located by libhdf5,
    /// read and decoded in Rust without its global lock, on many threads)
    /// or `"libhdf5: <why>"` (a filter other than deflate, shuffle and
    /// fletcher32, a compact or virtual layout, a file driver other than
    /// the default one, or [`via_libhdf5`](Self::via_libhdf5)).
    pub fn reader(&self) -> String {
        match (&self.direct, self.via_libhdf5) {
            (Ok(_), false) => "lazy-hdf5".to_string(),
            (Ok(_), true) => "libhdf5: asked for with via_libhdf5".to_string(),
            (Err(why), _) => format!("libhdf5: {why}"),
        }
    }

    /// This dataset, read through libhdf5 (`true`) or, where it applies,
    /// lazy-hdf5's own reader (`false`, the default); for comparisons.
    pub fn via_libhdf5(mut self, yes: bool) -> Self {
        self.via_libhdf5 = yes;
        self
    }

    /// The decoded-chunk cache this dataset reads through: the process-wide
    /// [`Cache::global`] unless [`with_cache`](Self::with_cache) gave another.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// This dataset, reading through `cache` (`Cache::new(0)` keeps
    /// nothing). Writes through any handle of the dataset in this process
    /// outdate what every cache holds of it.
    pub fn with_cache(mut self, cache: Cache) -> Self {
        self.cache = cache;
        self
    }

    fn error(&self, action: &str, e: hdf5_metno::Error) -> Error {
        Error::backend(
            format!(
                "cannot {action} dataset {:?} in {:?}: {e}",
                self.path, self.file
            ),
            e,
        )
    }
}

impl<T: H5Element, R: Rank, M: Mode> fmt::Debug for H5Dataset<T, R, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("H5Dataset")
            .field("file", &self.file)
            .field("path", &self.path)
            .field("shape", &self.shape)
            .field("dtype", &format_args!("{}", T::DTYPE))
            .field("reader", &self.reader())
            .field("writable", &M::WRITABLE)
            .finish()
    }
}

impl<T: H5Element, R: Rank, M: Mode> H5Dataset<T, R, M> {
    /// Fills `buf`, a buffer of the plan's shape, from the file: straight
    /// when it is contiguous, else through a contiguous copy (HDF5's own
    /// strided scatter is slower, see [`STRIDED_PIECE`]).
    fn fetch(&self, plan: &Plan, mut buf: ArrayViewMutD<'_, T>) -> Result<()> {
        if let Some(slice) = buf.as_slice_mut() {
            return self.fetch_into(plan, slice);
        }
        let mut tmp = zeroed::<T>(plan.shape())?;
        let slice = tmp
            .as_slice_mut()
            .ok_or_else(|| Error::backend_msg("a new array is not contiguous"))?;
        self.fetch_into(plan, slice)?;
        buf.assign(&tmp);
        Ok(())
    }

    /// Fills `buf`, a row-major buffer of the plan's shape, from the file.
    fn fetch_into(&self, plan: &Plan, buf: &mut [T]) -> Result<()> {
        match transfer(plan)? {
            Transfer::One(file) => io::read(
                &self.inner,
                file,
                &io::mem_shape(plan, buf.len()),
                Selection::All,
                buf,
            ),
            Transfer::Pieces(pieces) => {
                let shape = plan.shape();
                pieces
                    .into_iter()
                    .try_for_each(|(file, mem)| io::read(&self.inner, file, &shape, mem, buf))
            }
        }
    }
}

impl<T: H5Element, R: Rank, M: Mode> Dataset for H5Dataset<T, R, M> {
    type Elem = T;
    type Rank = R;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Reads through the direct reader (chunks located by libhdf5 once,
    /// read and decoded in Rust, in parallel, through the cache), or, where
    /// it does not apply or [`via_libhdf5`](H5Dataset::via_libhdf5) asks,
    /// through libhdf5.
    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, T>) -> Result<()> {
        if let (Ok(direct), false) = (&self.direct, self.via_libhdf5) {
            let _reading = direct
                .shared
                .io
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if direct.writable {
                // What was written through libhdf5 (by any handle of the
                // file in this process) must be in the file to be read.
                self.inner
                    .file()
                    .and_then(|file| file.flush())
                    .map_err(|e| self.error("flush the file before reading", e))?;
                // Written some other way (hdf5-metno itself, say): the
                // cached chunks are outdated.
                direct.shared.file.seen(&direct.path, false);
            }
            let plan = |r: &lazy_core::Region| Plan::new(r, |_| Grouping::Exact);
            return read_via(&region, out, usize::MAX, &plan, &|plan, buf| {
                read_chunks(self, &self.cache, plan, buf)
            });
        }
        read_via(&region, out, STRIDED_PIECE, &read_plan, &|plan, buf| {
            self.fetch(plan, buf)
        })
    }

    /// Read by lazy-hdf5's own reader, when every chunk under `region` is
    /// in the cache.
    fn in_memory(&self, region: &Region) -> bool {
        self.direct.is_ok()
            && !self.via_libhdf5
            && chunks_cached(self, &self.cache, || Plan::new(region, |_| Grouping::Exact))
    }
}

impl<T: H5Element, R: Rank> DatasetMut for H5Dataset<T, R, ReadWrite> {
    /// Writes `src` into `region`. The file is flushed before this returns,
    /// so an error writing the data out (a full disk) is this call's error,
    /// not lost when HDF5's chunk cache is flushed at close; on a file open
    /// with the MPI-IO driver, [`flush`](H5Dataset::flush) does that, called
    /// on every rank.
    fn write_region(&mut self, region: CheckedRegion<'_>, src: ArrayViewD<'_, T>) -> Result<()> {
        let plan = write_plan(&region)?;
        let exact = |_: &Plan, _: ArrayViewMutD<'_, T>| -> Result<()> {
            Err(Error::backend_msg(
                "internal error: an exact plan needs no read before a write",
            ))
        };
        // Direct readers wait while libhdf5 writes and flushes.
        let direct = self.direct.as_ref().ok().cloned();
        let _writing = direct.as_ref().map(|d| {
            d.shared
                .io
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        });
        let written =
            write_via(&plan, src, exact, |plan, data| self.store(plan, data)).and_then(|()| {
                if self.mpio {
                    // Collective under MPI-IO: left to `flush` on every rank.
                    return Ok(());
                }
                self.inner
                    .file()
                    .and_then(|file| file.flush())
                    .map_err(|e| self.error("flush the file after writing", e))
            });
        // Chunks may have moved and changed: every handle's addresses and
        // cached chunks of this dataset are outdated, also after a failure.
        if let Some(direct) = &direct {
            direct.shared.written();
            direct.shared.file.seen(&direct.path, true);
        }
        written
    }
}

impl<T: H5Element, R: Rank> H5Dataset<T, R, ReadWrite> {
    /// Writes `data`, a buffer of the plan's shape in any memory layout, to the file.
    fn store(&self, plan: &Plan, data: ArrayViewD<'_, T>) -> Result<()> {
        let transfer = transfer(plan)?;
        if let Transfer::One(file) = &transfer {
            if io::can_write_view(&data) {
                return io::write_view(&self.inner, file.clone(), data);
            }
        }
        let data = data.as_standard_layout();
        let buf = data
            .as_slice()
            .ok_or_else(|| Error::backend_msg("a standard-layout array is not contiguous"))?;
        match transfer {
            Transfer::One(file) => io::write(
                &self.inner,
                file,
                &io::mem_shape(plan, buf.len()),
                Selection::All,
                buf,
            ),
            Transfer::Pieces(pieces) => {
                let shape = plan.shape();
                pieces
                    .into_iter()
                    .try_for_each(|(file, mem)| io::write(&self.inner, file, &shape, mem, buf))
            }
        }
    }
}

lazy_core::backend::dataset_methods!(H5Dataset<T, R, M>);
