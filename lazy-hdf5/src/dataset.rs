//! [`H5Dataset`]: an HDF5 dataset as a lazy, typed dataset, writable when
//! opened for writing. Reads go through lazy-core's chunk engine (chunks
//! located by libhdf5 or by the pure-Rust reader's chunk index, read and
//! decoded in Rust: `chunks.rs`, `direct.rs`, `codec.rs`, `pure/`) where
//! they can, else through libhdf5 (`fallback.rs`); writes go through
//! libhdf5. Without the feature `libhdf5` only the first: every dataset is
//! read-only and opened by the pure-Rust reader.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use lazy_core::backend::{chunked_in_memory, read_chunked, Marker};
#[cfg(feature = "libhdf5")]
use lazy_core::backend::{write_chunked, write_chunked_masked, write_masked_by_runs};
#[cfg(feature = "libhdf5")]
use lazy_core::{Buffered, DatasetMut, MaskedBlock, Writable};
use lazy_core::{
    Cache, CheckedRegion, Dataset, Dyn, Error, Hints, Mode, Rank, ReadOnly, ReadWrite, Region,
    Result,
};
#[cfg(feature = "libhdf5")]
use ndarray::ArrayViewD;
use ndarray::ArrayViewMutD;

use crate::chunks::Chunks;
use crate::direct::{Direct, Kind, LibDataset};
use crate::element::H5Element;

/// An HDF5 dataset with element type `T`, rank `R` (`Dyn` when the rank is
/// known only at run time) and mode `M`: [`ReadOnly`] when opened with
/// [`open`](Self::open), [`ReadWrite`] with `open_rw` (feature `libhdf5`).
/// Opening checks the element type and rank against the file; reads (and
/// writes) take any selection. Only a `ReadWrite` dataset implements
/// `DatasetMut`: writing to a read-only one does not compile.
///
/// Nothing is read at open: each read turns its [`Region`](lazy_core::Region) into HDF5
/// hyperslab or point selections and transfers only those elements (see the
/// [crate docs](crate) for what is done in memory).
///
/// ```
/// # #[cfg(feature = "libhdf5")] {
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
/// # }
/// # Ok::<(), lazy_core::Error>(())
/// ```
pub struct H5Dataset<T, R = Dyn, M = ReadOnly> {
    /// The libhdf5 dataset; `None` when opened by the pure-Rust reader
    /// (always, without the feature `libhdf5`).
    pub(crate) inner: Option<LibDataset>,
    file: String,
    path: String,
    pub(crate) shape: Vec<usize>,
    /// The reader without libhdf5's lock, or why there is none.
    pub(crate) direct: std::result::Result<Arc<Direct>, String>,
    /// Reads go through libhdf5 even where `direct` could read.
    via_libhdf5: bool,
    /// The file is open with the MPI-IO driver: writes do not flush it
    /// (a flush is collective there), [`flush`](Self::flush) does.
    pub(crate) mpio: bool,
    pub(crate) cache: Cache,
    _marker: Marker<T, R, M>,
}

impl<T, R, M> H5Dataset<T, R, M> {
    /// A dataset of these parts, reading through `cache`.
    pub(crate) fn from_parts(
        inner: Option<LibDataset>,
        file: String,
        path: String,
        shape: Vec<usize>,
        direct: std::result::Result<Arc<Direct>, String>,
        mpio: bool,
        cache: Cache,
    ) -> Self {
        H5Dataset {
            inner,
            file,
            path,
            shape,
            direct,
            via_libhdf5: false,
            mpio,
            cache,
            _marker: PhantomData,
        }
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
    /// Without libhdf5 (read-only) there is nothing to flush.
    pub fn flush(&self) -> Result<()> {
        #[cfg(feature = "libhdf5")]
        if let Some(inner) = &self.inner {
            return inner
                .file()
                .and_then(|file| file.flush())
                .map_err(|e| self.error("flush the file of", e));
        }
        Ok(())
    }

    /// The HDF5 path of the dataset (`"/group/x"`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Where the dataset is: the path of its file (the name
    /// `ZarrDataset::location` gives for a store).
    pub fn location(&self) -> &str {
        &self.file
    }

    /// The name of the file holding the dataset: the same as
    /// [`location`](Self::location).
    pub fn file_name(&self) -> &str {
        &self.file
    }

    /// The hdf5-metno dataset, for what this crate does not wrap (attributes,
    /// chunking, filters); `None` when the dataset was opened by lazy-hdf5's
    /// own reader, without libhdf5 ([`open_file_pure`](crate::open_file_pure),
    /// or a file libhdf5 could not read). Feature `libhdf5`.
    #[cfg(feature = "libhdf5")]
    pub fn inner(&self) -> Option<&hdf5_metno::Dataset> {
        self.inner.as_ref()
    }

    /// Gives the hdf5-metno dataset back (`None`: see [`inner`](Self::inner)).
    #[cfg(feature = "libhdf5")]
    pub fn into_inner(self) -> Option<hdf5_metno::Dataset> {
        self.inner
    }

    /// The libhdf5 dataset, or an error saying there is none.
    #[cfg(feature = "libhdf5")]
    pub(crate) fn lib(&self) -> Result<&hdf5_metno::Dataset> {
        self.inner.as_ref().ok_or_else(|| {
            Error::backend_msg(format!(
                "dataset {:?} in {:?} was opened by lazy-hdf5's own reader, without libhdf5",
                self.path, self.file
            ))
        })
    }

    /// Who reads this dataset: `"lazy-hdf5"` (chunks located by libhdf5,
    /// read and decoded in Rust without its global lock, on many threads),
    /// `"lazy-hdf5 (without libhdf5)"` (metadata and chunk index read in
    /// Rust too: [`open_file_pure`](crate::open_file_pure))
    /// or `"libhdf5: <why>"` (a filter other than deflate, shuffle and
    /// fletcher32, a compact or virtual layout, a file driver other than
    /// the default one, or `via_libhdf5`). Without the feature `libhdf5`,
    /// always `"lazy-hdf5 (without libhdf5)"`.
    pub fn reader(&self) -> String {
        if self.inner.is_none() {
            return "lazy-hdf5 (without libhdf5)".to_string();
        }
        match (&self.direct, self.via_libhdf5) {
            (Ok(_), false) => "lazy-hdf5".to_string(),
            (Ok(_), true) => "libhdf5: asked for with via_libhdf5".to_string(),
            (Err(why), _) => format!("libhdf5: {why}"),
        }
    }

    /// This dataset, read through libhdf5 (`true`) or, where it applies,
    /// lazy-hdf5's own reader (`false`, the default); for comparisons. A
    /// dataset opened without libhdf5 is read by lazy-hdf5 either way.
    /// Feature `libhdf5`.
    #[cfg(feature = "libhdf5")]
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

    #[cfg(feature = "libhdf5")]
    pub(crate) fn error(&self, action: &str, e: hdf5_metno::Error) -> Error {
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

impl<T: H5Element, R: Rank, M: Mode> Dataset for H5Dataset<T, R, M> {
    type Elem = T;
    type Rank = R;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Reads through the direct reader (chunks located by libhdf5 once,
    /// read and decoded in Rust, in parallel, through the cache), or, where
    /// it does not apply or `via_libhdf5` asks, through libhdf5.
    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, T>) -> Result<()> {
        let by_libhdf5 = self.via_libhdf5 && self.inner.is_some();
        if let (Ok(direct), false) = (&self.direct, by_libhdf5) {
            let _reading = direct
                .shared
                .io
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            #[cfg(feature = "libhdf5")]
            if let (true, Some(inner)) = (direct.writable, &self.inner) {
                // What was written through libhdf5 (by any handle of the
                // file in this process) must be in the file to be read.
                inner
                    .file()
                    .and_then(|file| file.flush())
                    .map_err(|e| self.error("flush the file before reading", e))?;
                // Written some other way (hdf5-metno itself, say): the
                // cached chunks are outdated.
                direct.shared.file.seen(&direct.path, false);
            }
            return read_chunked(&Chunks(self), &self.cache, region, out);
        }
        #[cfg(feature = "libhdf5")]
        return self.read_via_libhdf5(region, out);
        #[cfg(not(feature = "libhdf5"))]
        return Err(Error::internal(format!(
            "{:?} has no reader: {}",
            self.path,
            self.direct.as_ref().err().map_or("", String::as_str)
        )));
    }

    /// Read by lazy-hdf5's own reader, when every chunk under `region` is
    /// in the cache.
    fn in_memory(&self, region: &Region) -> bool {
        self.direct.is_ok()
            && !(self.via_libhdf5 && self.inner.is_some())
            && chunked_in_memory(&Chunks(self), &self.cache, region)
    }

    /// Storage's hints; a file read by URL (feature `cloud`) waits on the
    /// network: views read its parts on threads of their own.
    fn hints(&self) -> Hints {
        #[cfg(feature = "cloud")]
        let remote = self
            .direct
            .as_ref()
            .is_ok_and(|d| d.file.remote().is_some());
        #[cfg(not(feature = "cloud"))]
        let remote = false;
        Hints {
            latency_bound: remote,
            ..Hints::STORAGE
        }
    }

    /// `"/x" in <file>`.
    fn name(&self) -> Option<String> {
        Some(format!("{:?} in {}", self.path, self.file))
    }

    /// The dataset's chunk shape, when it is chunked.
    fn chunk_grid(&self) -> Option<Vec<usize>> {
        match &self.direct {
            Ok(d) if matches!(d.kind, Kind::Chunked(_)) => Some(d.chunk_shape.clone()),
            Ok(_) => None,
            #[cfg(feature = "libhdf5")]
            Err(_) => self.inner.as_ref().and_then(|inner| inner.chunk()),
            #[cfg(not(feature = "libhdf5"))]
            Err(_) => None,
        }
    }
}

#[cfg(feature = "libhdf5")]
impl<T: H5Element, R: Rank, M: Writable> DatasetMut for H5Dataset<T, R, M> {
    /// Writes `src` into `region`: chunked datasets that lazy-hdf5 reads
    /// itself (no filter, or deflate, shuffle and fletcher32) through
    /// lazy-core's chunk engine, each chunk encoded in Rust on the engine's
    /// threads and handed to libhdf5 whole (`H5Dwrite_chunk`), a chunk the
    /// write covers only in part read, changed and stored; every other
    /// dataset through libhdf5. The file is flushed before this returns,
    /// so an error writing the data out (a full disk) is this call's error,
    /// not lost when HDF5's chunk cache is flushed at close; on a file open
    /// with the MPI-IO driver, [`flush`](H5Dataset::flush) does that, called
    /// on every rank.
    fn write_region(&mut self, region: CheckedRegion<'_>, src: ArrayViewD<'_, T>) -> Result<()> {
        self.writing(|ds, by_chunks| {
            if by_chunks {
                write_chunked(&Chunks(ds), &ds.cache, region, src)
            } else {
                ds.write_via_libhdf5(region, src)
            }
        })
    }

    /// Stores each block's values where its mask is true (what a
    /// [`Buffered`](lazy_core::Buffered) handle writes back): on the chunk
    /// engine, each chunk locked, read, changed and stored once, chunks
    /// encoded in parallel; through libhdf5 one write per run of `true`
    /// elsewhere.
    fn write_masked(&mut self, blocks: &[MaskedBlock<'_, T>]) -> Result<()> {
        if !self.by_chunks() {
            return write_masked_by_runs(self, blocks);
        }
        self.writing(|ds, _| write_chunked_masked(&Chunks(ds), &ds.cache, blocks))
    }

    /// Flushes the file ([`H5Dataset::flush`]).
    fn flush(&mut self) -> Result<()> {
        H5Dataset::flush(self)
    }
}

#[cfg(feature = "libhdf5")]
impl<T: H5Element, R: Rank, M: Writable> H5Dataset<T, R, M> {
    /// This handle with its writes held in memory up to `bytes`, chunk by
    /// chunk, and each chunk written once on [`flush`](lazy_core::DatasetMut::flush)
    /// or when the handle is dropped (see [`Buffered`](lazy_core::Buffered)).
    ///
    /// ```no_run
    /// use lazy_hdf5::{open_file_rw, H5Dataset};
    /// use lazy_core::{DatasetMut, DatasetMutExt, TypedSelection as Sel};
    /// use ndarray::Array1;
    ///
    /// let file = open_file_rw("data.h5")?;
    /// let mut x = H5Dataset::<f64, typenum::U1>::open_rw(&file, "x")?.buffered(64 << 20);
    /// for w in 0..200 {
    ///     x.write(Sel::new().push(w * 1000..(w + 1) * 1000), Array1::from_elem(1000, 1.0))?;
    /// }
    /// x.flush()?; // each chunk written once
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    pub fn buffered(self, bytes: usize) -> Buffered<Self> {
        Buffered::new(self, bytes)
    }

    /// Whether writes go through the chunk engine: chunked datasets
    /// lazy-hdf5 encodes itself, not forced through libhdf5, not MPI-IO.
    fn by_chunks(&self) -> bool {
        self.direct
            .as_ref()
            .is_ok_and(|d| matches!(d.kind, Kind::Chunked(_)))
            && !self.via_libhdf5
            && !self.mpio
    }

    /// Runs a write (`write(self, by_chunks)`) with what surrounds every
    /// write: direct readers held off, the file flushed before a write on
    /// the chunk engine (chunks written in part are read from it) and
    /// after, and every handle's chunk addresses and cached chunks
    /// outdated where the write may have moved them.
    ///
    /// The file is flushed before this returns, so an error writing the
    /// data out (a full disk) is this call's error, not lost when HDF5's
    /// chunk cache is flushed at close; on a file open with the MPI-IO
    /// driver, [`flush`](H5Dataset::flush) does that, called on every rank.
    fn writing(&mut self, write: impl FnOnce(&Self, bool) -> Result<()>) -> Result<()> {
        // Direct readers wait while a write is under way.
        let direct = self.direct.as_ref().ok().cloned();
        let _writing = direct.as_ref().map(|d| {
            d.shared
                .io
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        });
        let by_chunks = self.by_chunks();
        if let (Some(direct), true) = (&direct, by_chunks) {
            // Outdated from now on: the chunk addresses found and the
            // chunks cached (the chunks this write stores are cached anew).
            direct.shared.written();
        }
        let written = if by_chunks {
            // What libhdf5 still holds of earlier writes must be in the
            // file: chunks written in part are read from it.
            self.flush_file("flush the file before writing")
                .and_then(|()| write(self, true))
        } else {
            write(self, false)
        };
        let written = written.and_then(|()| {
            if self.mpio {
                // Collective under MPI-IO: left to `flush` on every rank.
                return Ok(());
            }
            self.flush_file("flush the file after writing")
        });
        // Written through libhdf5, chunks may have moved and changed: every
        // handle's addresses and cached chunks of this dataset are
        // outdated, also after a failure.
        if let Some(direct) = &direct {
            if !by_chunks {
                direct.shared.written();
            }
            direct.shared.file.seen(&direct.path, true);
        }
        written
    }
}

#[cfg(feature = "libhdf5")]
impl<T, R, M> H5Dataset<T, R, M> {
    /// Flushes the dataset's file, naming `action` in an error.
    fn flush_file(&self, action: &str) -> Result<()> {
        self.lib()?
            .file()
            .and_then(|file| file.flush())
            .map_err(|e| self.error(action, e))
    }
}

lazy_core::backend::dataset_methods!(H5Dataset<T, R, M>);
