//! [`ZarrDataset`]: a Zarr array as a lazy, typed, writable dataset, and
//! [`ZarrCreate`], the options of a new one.

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;

use lazy_core::{
    checked_size, zeroed, DType, Dataset, DatasetMut, Dyn, Error, Rank, Region, Result,
};
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn, SliceInfoElem};
use unsafe_cell_slice::UnsafeCellSlice;
use zarrs::array::codec::GzipCodec;
use zarrs::array::{
    Array, ArrayBuilder, ArrayBytesDecodeIntoTarget, ArrayBytesFixedDisjointView, ArrayShardedExt,
    ArraySubset, BytesToBytesCodecTraits,
};
use zarrs::filesystem::FilesystemStore;
use zarrs::group::GroupBuilder;
use zarrs::node::{meta_key_v2_array, meta_key_v2_group, meta_key_v3, NodePath};
use zarrs::storage::{ReadableWritableStorageTraits, StorePrefix};

use crate::element::{dtype_of, ZarrElement};
use crate::plan::{Piece, Plan};

/// The storage a [`ZarrDataset`] reads and writes: any zarrs store that can
/// be read and written (a [`FilesystemStore`] when opened by path).
pub type Storage = dyn ReadableWritableStorageTraits;

/// A Zarr array with element type `T` and rank `R` (`Dyn` when the rank is
/// known only at run time). Opening checks both against the array's
/// metadata; reads and writes take any selection.
///
/// Nothing is read at open: each read turns its [`Region`] into a few
/// contiguous array subsets, which zarrs reads decoding their chunks in
/// parallel, and gathers the region from them in memory (see the
/// [crate docs](crate)). Writes go the same way and need the array opened
/// with [`open_rw`](Self::open_rw) or [`create`](Self::create).
///
/// ```
/// use lazy_zarr::{ZarrCreate, ZarrDataset};
/// use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, SelElem};
/// use ndarray::array;
/// use typenum::U2;
///
/// let dir = tempfile::tempdir().unwrap();
/// let mut x = ZarrDataset::<f64, U2>::create(dir.path(), "/x", &[2, 3], &ZarrCreate::default())?;
/// x.write_all(array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])?;
///
/// let x = ZarrDataset::<f64, U2>::open(dir.path(), "/x")?; // read-only
/// assert_eq!(x.shape(), &[2, 3]);
/// // NumPy: x[:, ::-1]
/// let rev = DynSelection::from(vec![SelElem::FULL, SelElem::slice(None, None, Some(-1))]);
/// assert_eq!(x.read_dyn(&rev)?, array![[3.0, 2.0, 1.0], [6.0, 5.0, 4.0]].into_dyn());
///
/// let mut x = ZarrDataset::<f64, U2>::open_rw(dir.path(), "/x")?;
/// // NumPy: x[1, [2, 0]] = 0
/// x.write(DynSelection::from(vec![SelElem::Index(1), SelElem::List(vec![2, 0])]), 0.0)?;
/// assert_eq!(x.read_all()?, array![[1.0, 2.0, 3.0], [0.0, 5.0, 0.0]]);
/// # Ok::<(), lazy_core::Error>(())
/// ```
pub struct ZarrDataset<T, R = Dyn> {
    array: Array<Storage>,
    store: String,
    path: String,
    shape: Vec<usize>,
    /// The chunk (or, in shards, subchunk) length along each axis.
    grain: Vec<usize>,
    writable: bool,
    _marker: PhantomData<fn() -> (T, R)>,
}

/// The compression of a new Zarr array's chunks.
///
/// Gzip is pure Rust; zstd needs this crate's `zstd` feature (on by
/// default; it builds the bundled C library).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Compression {
    /// Chunks stored as raw bytes (the default): the fastest to read and
    /// write, and zarrs reads parts of a chunk without decoding all of it.
    #[default]
    None,
    /// The `gzip` codec, level 0 (fastest) to 9 (smallest).
    Gzip(u32),
    /// The `zstd` codec (zarr-python's default), level -7 to 22.
    #[cfg(feature = "zstd")]
    Zstd(i32),
}

/// How [`ZarrDataset::create`] lays out a new array: chunk shape,
/// compression, fill value, and whether an existing node may be replaced.
///
/// ```
/// use lazy_zarr::{Compression, ZarrCreate};
/// let options = ZarrCreate::default()
///     .chunks([64, 64])
///     .compression(Compression::Gzip(5))
///     .fill_value(f32::NAN);
/// assert_eq!(options.chunk_shape(), Some(&[64, 64][..]));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ZarrCreate<T> {
    chunks: Option<Vec<usize>>,
    compression: Compression,
    fill_value: T,
    overwrite: bool,
}

impl<T: Default> Default for ZarrCreate<T> {
    /// Automatic chunks (about 1 MiB each), no compression, fill value zero
    /// (`false`), no overwriting.
    fn default() -> Self {
        ZarrCreate {
            chunks: None,
            compression: Compression::None,
            fill_value: T::default(),
            overwrite: false,
        }
    }
}

impl<T> ZarrCreate<T> {
    /// The chunk shape: one length (at least 1) per axis. Without it the
    /// array is cut along its leading axes into chunks of about 1 MiB.
    pub fn chunks(mut self, chunks: impl Into<Vec<usize>>) -> Self {
        self.chunks = Some(chunks.into());
        self
    }

    /// The compression of each chunk (default: none).
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// The value of elements never written (default: zero, `false`).
    pub fn fill_value(mut self, fill_value: T) -> Self {
        self.fill_value = fill_value;
        self
    }

    /// Whether an existing array or group at the path is deleted (with
    /// everything below it) and replaced; by default it is an error.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// The chunk shape asked for, if any.
    pub fn chunk_shape(&self) -> Option<&[usize]> {
        self.chunks.as_deref()
    }
}

/// The chunk bytes [`auto_chunks`] aims at.
const AUTO_CHUNK_BYTES: usize = 1 << 20;

/// A chunk shape of at most about [`AUTO_CHUNK_BYTES`]: the shape, halved
/// along its leading axes until small enough.
fn auto_chunks(shape: &[usize], elem_size: usize) -> Vec<usize> {
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

/// A zarrs node path from a user's path: a leading `/` is added and a
/// trailing one removed (`"x"`, `"/x"` and `"/x/"` are the same array).
fn node_path(path: &str) -> Result<NodePath> {
    let trimmed = path.trim_end_matches('/');
    let full = format!("/{}", trimmed.trim_start_matches('/'));
    NodePath::new(&full)
        .map_err(|e| Error::backend(format!("{path:?} is not a valid Zarr node path: {e}"), e))
}

/// A filesystem store at `root`, as [`Storage`].
fn filesystem_store(root: &Path) -> Result<Arc<Storage>> {
    let store = FilesystemStore::new(root).map_err(|e| {
        Error::backend(format!("cannot open Zarr store {}: {e}", root.display()), e)
    })?;
    Ok(Arc::new(store))
}

/// Whether a node (array or group, Zarr v2 or v3) has metadata at `path`.
fn node_exists(storage: &Storage, path: &NodePath, store: &str) -> Result<bool> {
    for key in [
        meta_key_v3(path),
        meta_key_v2_array(path),
        meta_key_v2_group(path),
    ] {
        let found = storage.get(&key).map_err(|e| {
            Error::backend(format!("cannot read {key} in Zarr store {store}: {e}"), e)
        })?;
        if found.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The store prefix of everything below `path`.
fn node_prefix(path: &NodePath) -> Result<StorePrefix> {
    let s = path.as_str().trim_start_matches('/');
    if s.is_empty() {
        Ok(StorePrefix::root())
    } else {
        StorePrefix::new(format!("{s}/"))
            .map_err(|e| Error::backend(format!("{path} has no valid store prefix: {e}"), e))
    }
}

impl<T: ZarrElement, R: Rank> ZarrDataset<T, R> {
    /// Opens the array at `path` in the filesystem store at `store`
    /// read-only, and checks it against `T` and `R`. Zarr v3 and v2 arrays
    /// both open; writes are refused (use [`open_rw`](Self::open_rw)).
    ///
    /// Errors, each naming the store and the array:
    /// - no such array (or unreadable metadata): [`Backend`](lazy_core::ErrorKind::Backend),
    ///   with zarrs' message and its error as the source;
    /// - a rank other than `R`: [`Shape`](lazy_core::ErrorKind::Shape), with both ranks;
    /// - an element type other than `T` (Zarr data types with no
    ///   lazy-datasets element type included): [`Value`](lazy_core::ErrorKind::Value),
    ///   with both types.
    ///
    /// ```
    /// use lazy_zarr::{ZarrCreate, ZarrDataset};
    /// use lazy_core::{Dyn, ErrorKind};
    /// use typenum::{U1, U2};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// ZarrDataset::<i32, U1>::create(dir.path(), "counts", &[3], &ZarrCreate::default())?;
    ///
    /// assert_eq!(ZarrDataset::<i32, Dyn>::open(dir.path(), "counts")?.shape(), &[3]);
    /// let err = ZarrDataset::<i32, U2>::open(dir.path(), "counts").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Shape);
    /// let err = ZarrDataset::<f64, U1>::open(dir.path(), "counts").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Value);
    /// assert!(err.to_string().contains("int32") && err.to_string().contains("float64"));
    /// let err = ZarrDataset::<i32, U1>::open(dir.path(), "missing").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Backend);
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    pub fn open(store: impl AsRef<Path>, path: &str) -> Result<Self> {
        Self::open_in(store.as_ref(), path, false)
    }

    /// Opens the array at `path` in the filesystem store at `store` for
    /// reading and writing; checks as [`open`](Self::open) does.
    pub fn open_rw(store: impl AsRef<Path>, path: &str) -> Result<Self> {
        Self::open_in(store.as_ref(), path, true)
    }

    fn open_in(root: &Path, path: &str, writable: bool) -> Result<Self> {
        let storage = filesystem_store(root)?;
        let node = node_path(path)?;
        let store = root.display().to_string();
        let array = Array::open(storage, node.as_str()).map_err(|e| {
            Error::backend(
                format!("cannot open Zarr array {path:?} in {store}: {e}"),
                e,
            )
        })?;
        Self::checked(array, store, writable)
    }

    /// Wraps an array opened with zarrs on any store, checking it as
    /// [`open`](Self::open) does; `writable` says whether writes are allowed.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use lazy_zarr::zarrs::array::{data_type, ArrayBuilder};
    /// use lazy_zarr::zarrs::storage::store::MemoryStore;
    /// use lazy_zarr::{Storage, ZarrDataset};
    /// use lazy_core::DatasetExt;
    /// use typenum::U1;
    ///
    /// let store: Arc<Storage> = Arc::new(MemoryStore::new());
    /// let array = ArrayBuilder::new(vec![4], vec![2], data_type::uint8(), 7u8)
    ///     .build(store, "/a")
    ///     .unwrap();
    /// let a = ZarrDataset::<u8, U1>::from_zarrs(array, false)?;
    /// assert_eq!(a.read_all()?, ndarray::array![7, 7, 7, 7]); // all fill value
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    pub fn from_zarrs(array: Array<Storage>, writable: bool) -> Result<Self> {
        Self::checked(array, "a zarrs store".to_string(), writable)
    }

    fn checked(array: Array<Storage>, store: String, writable: bool) -> Result<Self> {
        let path = array.path().as_str().to_string();
        let shape = array
            .shape()
            .iter()
            .map(|&n| usize::try_from(n))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| {
                Error::backend(
                    format!("Zarr array {path:?} in {store} is too large for this platform"),
                    e,
                )
            })?;
        if let Some(ndim) = R::NDIM {
            if ndim != shape.len() {
                return Err(Error::shape(format!(
                    "Zarr array {path:?} in {store} has rank {} (shape {shape:?}), expected rank {ndim}",
                    shape.len()
                )));
            }
        }
        match dtype_of(array.data_type()) {
            Some(found) if found == T::DTYPE => {}
            Some(found) => {
                return Err(Error::value(format!(
                    "Zarr array {path:?} in {store} holds {found}, expected {}",
                    T::DTYPE
                )))
            }
            None => {
                return Err(Error::value(format!(
                    "Zarr array {path:?} in {store} holds the Zarr data type {}, which has no \
                     lazy-datasets element type; expected {}",
                    array.data_type(),
                    T::DTYPE
                )))
            }
        }
        let grain = grain_of(&array, &shape);
        Ok(ZarrDataset {
            array,
            store,
            path,
            shape,
            grain,
            writable,
            _marker: PhantomData,
        })
    }

    /// Creates a Zarr v3 array of `shape` at `path` in the filesystem store
    /// at `store` (the directory is made if missing), with the chunks,
    /// compression and fill value of `options`, and opens it for reading and
    /// writing. Missing parent groups are created. Every element starts as
    /// the fill value; no chunk is written until data is.
    ///
    /// Errors: a `shape` whose length is not `R` or a chunk shape of another
    /// rank is a [`Shape`](lazy_core::ErrorKind::Shape) error, a zero chunk
    /// length or an existing node at `path` (unless `options` overwrite) a
    /// [`Value`](lazy_core::ErrorKind::Value) error, a storage failure a
    /// [`Backend`](lazy_core::ErrorKind::Backend) error.
    ///
    /// ```
    /// use lazy_zarr::{Compression, ZarrCreate, ZarrDataset};
    /// use lazy_core::{DatasetExt, ErrorKind};
    /// use typenum::U2;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let options = ZarrCreate::default().chunks([100, 10]).compression(Compression::Gzip(1)).fill_value(-1i16);
    /// let a = ZarrDataset::<i16, U2>::create(dir.path(), "/raw/counts", &[1000, 10], &options)?;
    /// assert_eq!(a.chunk_shape(), &[100, 10]);
    /// assert_eq!(a.read_all()?[[999, 9]], -1);
    /// let again = ZarrDataset::<i16, U2>::create(dir.path(), "/raw/counts", &[1000, 10], &options);
    /// assert_eq!(again.unwrap_err().kind(), ErrorKind::Value);
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    pub fn create(
        store: impl AsRef<Path>,
        path: &str,
        shape: &[usize],
        options: &ZarrCreate<T>,
    ) -> Result<Self> {
        let root = store.as_ref();
        let storage = filesystem_store(root)?;
        let store = root.display().to_string();
        if let Some(ndim) = R::NDIM {
            if ndim != shape.len() {
                return Err(Error::shape(format!(
                    "cannot create Zarr array {path:?} in {store} with shape {shape:?}: \
                     expected rank {ndim}"
                )));
            }
        }
        let chunks = match &options.chunks {
            Some(c) if c.len() != shape.len() => {
                return Err(Error::shape(format!(
                    "chunk shape {c:?} does not fit Zarr array {path:?} of shape {shape:?}"
                )))
            }
            Some(c) if c.contains(&0) => {
                return Err(Error::value(format!(
                    "chunk shape {c:?} of Zarr array {path:?} has a zero length"
                )))
            }
            Some(c) => c.clone(),
            None => auto_chunks(shape, T::DTYPE.size()),
        };
        let node = node_path(path)?;
        if node_exists(storage.as_ref(), &node, &store)? {
            if !options.overwrite {
                return Err(Error::value(format!(
                    "cannot create Zarr array {path:?} in {store}: a node exists there \
                     (set ZarrCreate::overwrite to replace it)"
                )));
            }
            storage.erase_prefix(&node_prefix(&node)?).map_err(|e| {
                Error::backend(
                    format!("cannot delete the old node {path:?} in {store}: {e}"),
                    e,
                )
            })?;
        }
        let what =
            |e: &dyn fmt::Display| format!("cannot create Zarr array {path:?} in {store}: {e}");
        let mut builder = ArrayBuilder::new(
            shape.iter().map(|&n| n as u64).collect::<Vec<_>>(),
            chunks.iter().map(|&n| n as u64).collect::<Vec<_>>(),
            T::data_type(),
            options.fill_value.fill_value(),
        );
        let codecs: Vec<Arc<dyn BytesToBytesCodecTraits>> = match options.compression {
            Compression::None => vec![],
            Compression::Gzip(level) => vec![Arc::new(
                GzipCodec::new(level).map_err(|e| Error::backend(what(&e), e))?,
            )],
            #[cfg(feature = "zstd")]
            Compression::Zstd(level) => {
                vec![Arc::new(zarrs::array::codec::ZstdCodec::new(level, false))]
            }
        };
        builder.bytes_to_bytes_codecs(codecs);
        let array = builder
            .build(storage.clone(), node.as_str())
            .map_err(|e| Error::backend(what(&e), e))?;
        array
            .store_metadata()
            .map_err(|e| Error::backend(what(&e), e))?;
        let mut parent = node.parent();
        while let Some(p) = parent {
            if !node_exists(storage.as_ref(), &p, &store)? {
                GroupBuilder::new()
                    .build(storage.clone(), p.as_str())
                    .map_err(|e| Error::backend(what(&e), e))?
                    .store_metadata()
                    .map_err(|e| Error::backend(what(&e), e))?;
            }
            parent = p.parent();
        }
        Self::checked(array, store, true)
    }
}

/// The chunk length along each axis: the subchunk shape of a sharded array
/// (what zarrs decodes at once), the regular chunk shape otherwise. Only a
/// hint for planning reads, so anything unexpected falls back to 1.
fn grain_of(array: &Array<Storage>, shape: &[usize]) -> Vec<usize> {
    let chunk = array
        .effective_subchunk_shape()
        .or_else(|| array.chunk_shape(&vec![0; shape.len()]).ok());
    match chunk {
        Some(c) if c.len() == shape.len() => c
            .iter()
            .map(|n| usize::try_from(n.get()).unwrap_or(usize::MAX))
            .collect(),
        _ => vec![1; shape.len()],
    }
}

impl<T, R> ZarrDataset<T, R> {
    /// The path of the array in its store (`"/group/x"`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Where the store is (its directory, for a filesystem store).
    pub fn store(&self) -> &str {
        &self.store
    }

    /// The chunk shape reads are planned with: the chunk shape, or for a
    /// sharded array the shape of the chunks inside a shard.
    pub fn chunk_shape(&self) -> &[usize] {
        &self.grain
    }

    /// Whether writes are allowed (opened with `open_rw` or `create`).
    pub fn is_writable(&self) -> bool {
        self.writable
    }

    /// The zarrs array, for what this crate does not wrap (attributes,
    /// codecs, dimension names).
    pub fn zarrs(&self) -> &Array<Storage> {
        &self.array
    }

    /// Gives the zarrs array back.
    pub fn into_zarrs(self) -> Array<Storage> {
        self.array
    }

    fn err(&self, action: &str, e: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error::backend(
            format!(
                "cannot {action} Zarr array {:?} in {}: {e}",
                self.path, self.store
            ),
            e,
        )
    }
}

impl<T: ZarrElement, R> ZarrDataset<T, R> {
    /// The value of elements never written.
    pub fn fill_value(&self) -> T {
        let bytes = self.array.fill_value().as_ne_bytes();
        let mut value = [T::default()];
        match T::bytes_mut(&mut value) {
            Some(dst) if dst.len() == bytes.len() => dst.copy_from_slice(bytes),
            _ => {
                if let Some(&b) = bytes.first() {
                    value[0] = T::from_byte(b);
                }
            }
        }
        value[0]
    }
}

impl<T: ZarrElement, R: Rank> fmt::Debug for ZarrDataset<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZarrDataset")
            .field("store", &self.store)
            .field("path", &self.path)
            .field("shape", &self.shape)
            .field("dtype", &format_args!("{}", T::DTYPE))
            .field("chunks", &self.grain)
            .field("writable", &self.writable)
            .finish()
    }
}

/// A zarrs subset from starts and lengths.
fn subset(start: &[u64], shape: &[u64]) -> Result<ArraySubset> {
    ArraySubset::new_with_start_shape(start.to_vec(), shape.to_vec())
        .map_err(|e| Error::backend(format!("invalid array subset: {e}"), e))
}

/// The block of `piece` in the cover, as ndarray slice arguments.
fn block(piece: &Piece) -> Vec<SliceInfoElem> {
    piece
        .offset
        .iter()
        .zip(&piece.shape)
        .map(|(&o, &n)| SliceInfoElem::Slice {
            start: o as isize,
            end: Some((o + n) as isize),
            step: 1,
        })
        .collect()
}

impl<T: ZarrElement, R: Rank> ZarrDataset<T, R> {
    /// Decodes each piece into its block of `buf`, which holds an array of
    /// `cover` shape in row-major order with `elem` bytes per element.
    fn read_pieces(&self, pieces: &[Piece], cover: &[usize], buf: &mut [u8]) -> Result<()> {
        let elem = T::DTYPE.size();
        let shape: Vec<u64> = cover.iter().map(|&n| n as u64).collect();
        for piece in pieces {
            let file = subset(&piece.start, &piece.shape)?;
            let block = subset(&piece.offset, &piece.shape)?;
            let cells = UnsafeCellSlice::new(&mut *buf);
            // SAFETY: this view is the only one on `buf` while it lives (the
            // pieces are decoded one after another), so it overlaps no other.
            let mut view = unsafe { ArrayBytesFixedDisjointView::new(cells, elem, &shape, block) }
                .map_err(|e| self.err("read from", e))?;
            self.array
                .retrieve_array_subset_into(&file, ArrayBytesDecodeIntoTarget::Fixed(&mut view))
                .map_err(|e| self.err("read from", e))?;
        }
        Ok(())
    }

    /// Reads the cover of `plan` (its pieces, side by side) into a new array.
    fn read_cover(&self, plan: &Plan) -> Result<ArrayD<T>> {
        let shape = plan.cover_shape();
        let n = checked_size(&shape)?;
        let pieces = plan.pieces();
        // A fresh array in standard layout: its vector starts at offset 0.
        let mut data = zeroed::<T>(shape.clone())?.into_raw_vec_and_offset().0;
        match T::bytes_mut(&mut data) {
            Some(bytes) => self.read_pieces(&pieces, &shape, bytes)?,
            None => {
                // `bool`: decode the stored bytes, then map them.
                let mut bytes = zeroed::<u8>(vec![n])?.into_raw_vec_and_offset().0;
                self.read_pieces(&pieces, &shape, &mut bytes)?;
                for (d, &b) in data.iter_mut().zip(&bytes) {
                    *d = T::from_byte(b);
                }
            }
        }
        ArrayD::from_shape_vec(IxDyn(&shape), data).map_err(|e| Error::shape(e.to_string()))
    }
}

impl<T: ZarrElement, R: Rank> Dataset for ZarrDataset<T, R> {
    type Elem = T;
    type Rank = R;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn read_into(&self, region: &Region, mut out: ArrayViewMutD<'_, T>) -> Result<()> {
        region.check_shape(&self.shape)?;
        region.check_out(out.shape())?;
        if out.is_empty() {
            return Ok(());
        }
        let plan = Plan::new(region, &self.grain)?;
        let cover_region = plan.cover_region()?;
        if plan.is_identity(&cover_region) {
            // The cover is the output: decode straight into it.
            let cover = plan.cover_shape();
            if let Some(bytes) = out.as_slice_mut().and_then(T::bytes_mut) {
                return self.read_pieces(&plan.pieces(), &cover, bytes);
            }
        }
        self.read_cover(&plan)?.read_into(&cover_region, out)
    }

    /// Every read of a Zarr array has a cost per call (metadata, chunk
    /// lookups, a thread pool): views ask for whole regions.
    fn block_hint(&self) -> usize {
        usize::MAX
    }
}

impl<T: ZarrElement, R: Rank> DatasetMut for ZarrDataset<T, R> {
    /// Writes `src` into `region`. Duplicate list entries take the last of
    /// their values, as NumPy's assignment does.
    fn write_from(&mut self, region: &Region, src: ArrayViewD<'_, T>) -> Result<()> {
        self.validate_write(region)?;
        region.check_out(src.shape())?;
        if src.is_empty() {
            return Ok(());
        }
        let plan = Plan::new(region, &self.grain)?;
        let cover_region = plan.cover_region()?;
        let pieces = plan.pieces();
        if let ([piece], true, Some(data)) = (
            pieces.as_slice(),
            plan.is_identity(&cover_region),
            src.as_slice(),
        ) {
            let file = subset(&piece.start, &piece.shape)?;
            return self
                .array
                .store_array_subset(&file, data)
                .map_err(|e| self.err("write to", e));
        }
        // The final values of the cover: what is there now (unless every
        // element is overwritten), with the region's values scattered in.
        let mut cover = if plan.is_complete() {
            zeroed::<T>(plan.cover_shape())?
        } else {
            self.read_cover(&plan)?
        };
        cover.write_from(&cover_region, src)?;
        for piece in &pieces {
            let file = subset(&piece.start, &piece.shape)?;
            let part = cover.slice(block(piece).as_slice());
            let part = part.as_standard_layout();
            let data = part
                .as_slice()
                .ok_or_else(|| Error::backend_msg("a standard-layout array is not contiguous"))?;
            self.array
                .store_array_subset(&file, data)
                .map_err(|e| self.err("write to", e))?;
        }
        Ok(())
    }

    /// Checks the region and that the array was opened for writing: one
    /// opened with [`open`](ZarrDataset::open) is a
    /// [`Backend`](lazy_core::ErrorKind::Backend) error.
    fn validate_write(&self, region: &Region) -> Result<()> {
        region.check_shape(&self.shape)?;
        if self.writable {
            Ok(())
        } else {
            Err(Error::backend_msg(format!(
                "cannot write to Zarr array {:?} in {}: it is open read-only (open it with open_rw)",
                self.path, self.store
            )))
        }
    }
}

lazy_core::dataset_methods!(ZarrDataset<T, R>);

/// What a Zarr array holds, found without choosing a type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ArrayInfo {
    /// The shape (empty for a rank-0 array).
    pub shape: Vec<usize>,
    /// The element type, or `None` for a Zarr data type with no
    /// lazy-datasets element type (strings, complex numbers, …).
    pub dtype: Option<DType>,
    /// The Zarr data type's name (`"int32"`, `"float16"`, `"string"`).
    pub data_type: String,
    /// The chunk shape (in a sharded array, the shard shape).
    pub chunks: Vec<usize>,
    /// The Zarr format: 2 or 3.
    pub zarr_format: u8,
}

/// The shape, element type and chunks of the array at `path` in the
/// filesystem store at `store`, to pick the `T` and `R` to open it with.
///
/// ```
/// use lazy_zarr::{inspect, ZarrCreate, ZarrDataset};
/// use lazy_core::DType;
/// use typenum::U2;
///
/// let dir = tempfile::tempdir().unwrap();
/// ZarrDataset::<u16, U2>::create(dir.path(), "g", &[4, 2], &ZarrCreate::default().chunks([2, 2]))?;
/// let info = inspect(dir.path(), "g")?;
/// assert_eq!((info.shape, info.dtype, info.chunks), (vec![4, 2], Some(DType::U16), vec![2, 2]));
/// assert_eq!(info.zarr_format, 3);
/// # Ok::<(), lazy_core::Error>(())
/// ```
pub fn inspect(store: impl AsRef<Path>, path: &str) -> Result<ArrayInfo> {
    let root = store.as_ref();
    let storage = filesystem_store(root)?;
    let node = node_path(path)?;
    let what = |e: &dyn fmt::Display| {
        format!(
            "cannot inspect Zarr array {path:?} in {}: {e}",
            root.display()
        )
    };
    let array: Array<Storage> =
        Array::open(storage, node.as_str()).map_err(|e| Error::backend(what(&e), e))?;
    let to_usize = |v: &[u64]| -> Result<Vec<usize>> {
        v.iter()
            .map(|&n| usize::try_from(n).map_err(|e| Error::backend(what(&e), e)))
            .collect()
    };
    let shape = to_usize(array.shape())?;
    let chunks = match array.chunk_shape(&vec![0; shape.len()]) {
        Ok(c) => c.iter().map(|n| n.get() as usize).collect(),
        Err(_) => shape.clone(),
    };
    Ok(ArrayInfo {
        dtype: dtype_of(array.data_type()),
        data_type: array.data_type().to_string(),
        zarr_format: match array.metadata() {
            zarrs::array::ArrayMetadata::V2(_) => 2,
            _ => 3,
        },
        shape,
        chunks,
    })
}
