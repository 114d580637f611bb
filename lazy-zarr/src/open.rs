//! Opening Zarr arrays: typed, read-only ([`ZarrDataset::open`]) or for
//! writing ([`ZarrDataset::open_rw`]), on a filesystem store or any zarrs
//! store ([`ZarrDataset::from_inner`]).

use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;

use lazy_core::backend::check_open;
use lazy_core::backend::ArrayKey;
use lazy_core::{Cache, Error, Mode, Rank, ReadOnly, ReadWrite, Result};
use zarrs::array::{Array, ArrayShardedExt};
use zarrs::node::NodePath;

use crate::dataset::{Location, Storage, ZarrDataset};
use crate::element::{dtype_of, ZarrElement};
use crate::explain::{open_error, Explain, LocalStore};
use crate::store::{AtomicFilesystemStore, ChunkLocks};

/// Opening: the constructors are associated with the read-only type (the
/// default mode), so `ZarrDataset::<f64, U2>::open_rw(..)` needs no mode
/// written out; each returns the mode it opens with.
impl<T: ZarrElement, R: Rank> ZarrDataset<T, R, ReadOnly> {
    /// Opens the array at `path` in the filesystem store at `store`
    /// read-only, and checks it against `T` and `R`. Zarr v3 and v2 arrays
    /// both open; the result has no write methods (use
    /// [`open_rw`](ZarrDataset::open_rw) to write).
    ///
    /// Errors, each naming the store and the array:
    /// - no such store, no such array, a group at `path`, or metadata
    ///   zarrs cannot read (a codec it was built without among them):
    ///   [`Backend`](lazy_core::ErrorKind::Backend), with zarrs' error as
    ///   the source. The message says which: `no Zarr store at <store>`,
    ///   `no array at /x in <store> (the store holds: /a, /b)` (a few of
    ///   the store's arrays), `/g in <store> is a group, not an array`,
    ///   `` codec blosc is not supported: build lazy-zarr with the feature
    ///   `blosc` ``;
    /// - a rank other than `R`: [`Shape`](lazy_core::ErrorKind::Shape), with both ranks;
    /// - an element type other than `T` (Zarr data types with no
    ///   lazy-datasets element type included): [`Value`](lazy_core::ErrorKind::Value),
    ///   with both types.
    ///
    /// ```
    /// use lazy_zarr::{CreateOptions, ZarrDataset};
    /// use lazy_core::{Dyn, ErrorKind};
    /// use typenum::{U1, U2};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// ZarrDataset::<i32, U1>::create(dir.path(), "counts", &[3], &CreateOptions::default())?;
    ///
    /// assert_eq!(ZarrDataset::<i32, Dyn>::open(dir.path(), "counts")?.shape(), &[3]);
    /// let err = ZarrDataset::<i32, U2>::open(dir.path(), "counts").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Shape);
    /// let err = ZarrDataset::<f64, U1>::open(dir.path(), "counts").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Value);
    /// assert!(err.to_string().contains("int32") && err.to_string().contains("float64"));
    /// let err = ZarrDataset::<i32, U1>::open(dir.path(), "missing").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Backend);
    /// let listed = format!("no array at /missing in {} (the store holds: /counts)", dir.path().display());
    /// assert_eq!(err.to_string(), format!("backend error: {listed}"));
    /// let err = ZarrDataset::<i32, U1>::open(dir.path().join("nothing.zarr"), "counts").unwrap_err();
    /// assert!(err.to_string().contains("no Zarr store at"), "{err}");
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    pub fn open(store: impl AsRef<Path>, path: &str) -> Result<Self> {
        let store_path = store.as_ref();
        let (array, location) = open_array(store_path, path)?;
        Self::checked(array, location)
    }

    /// Wraps an array opened with zarrs on any store, read-only, checking it
    /// as [`open`](Self::open) does.
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
    /// let a = ZarrDataset::<u8, U1>::from_inner(array)?;
    /// assert_eq!(a.read_all()?, ndarray::array![7, 7, 7, 7]); // all fill value
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    pub fn from_inner(array: Array<Storage>) -> Result<Self> {
        Self::checked(array, Location::zarrs())
    }

    /// Opens the array at `path` in the filesystem store at `store` for
    /// reading and writing; checks as [`open`](ZarrDataset::open) does.
    pub fn open_rw(store: impl AsRef<Path>, path: &str) -> Result<ZarrDataset<T, R, ReadWrite>> {
        let store_path = store.as_ref();
        let (array, location) = open_array(store_path, path)?;
        ZarrDataset::checked(array, location)
    }

    /// Wraps an array opened with zarrs on any store that can be written,
    /// for reading and writing, checking it as [`open`](ZarrDataset::open) does.
    pub fn from_inner_rw(array: Array<Storage>) -> Result<ZarrDataset<T, R, ReadWrite>> {
        ZarrDataset::checked(array, Location::zarrs())
    }
}

/// Opens the zarrs array at `path` in the filesystem store at `root`.
fn open_array(root: &Path, path: &str) -> Result<(Array<Storage>, Location)> {
    let storage = filesystem_store(root)?;
    let location = Location::local(root);
    Ok((open_in(storage, path, &LocalStore(root))?, location))
}

/// Opens the zarrs array at `path` in `storage`; `how` explains a failure
/// (see [`crate::explain`]).
pub(crate) fn open_in(
    storage: Arc<Storage>,
    path: &str,
    how: &dyn Explain,
) -> Result<Array<Storage>> {
    let node = node_path(path)?;
    Array::open(storage, node.as_str()).map_err(|e| open_error(how, &node, e))
}

impl<T: ZarrElement, R: Rank, M: Mode> ZarrDataset<T, R, M> {
    /// Checks `array`, in the store at `location`, against `T` and `R`.
    pub(crate) fn checked(array: Array<Storage>, location: Location) -> Result<Self> {
        let Location {
            name: store,
            root,
            fetcher,
        } = location;
        let path = array.path().as_str().to_string();
        let what = format!("Zarr array {path:?} in {store}");
        let shape = array
            .shape()
            .iter()
            .map(|&n| usize::try_from(n))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::backend(format!("{what} is too large for this platform"), e))?;
        check_open::<T, R>(
            &what,
            &shape,
            dtype_of(array.data_type()),
            format!("the Zarr data type {}", array.data_type()),
        )?;
        let grain = grain_of(&array, &shape);
        let chunks = regular_chunks(&array, &shape);
        let sharded = array.effective_subchunk_shape().is_some();
        let cheap_parts = array.codecs().bytes_to_bytes_codecs().is_empty() || sharded;
        let encoding = if chunks.is_some() && !sharded {
            crate::codec::encoding_of(&array)
        } else {
            None
        };
        let chain = encoding.map(|e| e.chain);
        // Equal stores give equal keys, however their paths were written.
        let root = root.map(|r| std::fs::canonicalize(&r).unwrap_or(r));
        let key = match (&root, &fetcher) {
            (Some(r), _) => ArrayKey::new(format!("file://{}", r.display()), &path),
            // Object stores: by URL, so that every open of an array shares its chunks.
            (None, Some(_)) => ArrayKey::new(store.clone(), &path),
            // Stores handed over as zarrs stores: one key per array object.
            (None, None) => {
                ArrayKey::new(format!("zarrs:{:p}", Arc::as_ptr(&array.storage())), &path)
            }
        };
        let locks = root
            .as_ref()
            .map(|r| ChunkLocks::new(&r.join(path.trim_start_matches('/'))));
        Ok(ZarrDataset {
            locks,
            array,
            store,
            path,
            shape,
            grain,
            chunks,
            root,
            key,
            cache: Cache::global(),
            cheap_parts,
            chain,
            encoding,
            fetcher,
            _marker: PhantomData,
        })
    }
}

/// The chunk shape of a regular chunk grid (Zarr v2 arrays, and v3 arrays
/// with the `regular` grid), which lazy-core's chunk engine reads; `None`
/// for other grids.
pub(crate) fn regular_chunks(array: &Array<Storage>, shape: &[usize]) -> Option<Vec<usize>> {
    let regular = match array.metadata() {
        zarrs::array::ArrayMetadata::V2(_) => true,
        zarrs::array::ArrayMetadata::V3(m) => m.chunk_grid.name() == "regular",
    };
    if !regular {
        return None;
    }
    let chunk = array.chunk_shape(&vec![0; shape.len()]).ok()?;
    (chunk.len() == shape.len())
        .then(|| {
            chunk
                .iter()
                .map(|n| usize::try_from(n.get()).ok())
                .collect()
        })
        .flatten()
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

/// A zarrs node path from a user's path: a leading `/` is added and a
/// trailing one removed (`"x"`, `"/x"` and `"/x/"` are the same array).
pub(crate) fn node_path(path: &str) -> Result<NodePath> {
    let trimmed = path.trim_end_matches('/');
    let full = format!("/{}", trimmed.trim_start_matches('/'));
    NodePath::new(&full)
        .map_err(|e| Error::backend(format!("{path:?} is not a valid Zarr node path: {e}"), e))
}

/// A filesystem store at `root`, as [`Storage`].
/// The store is zarrs' filesystem store with atomic writes
/// ([`AtomicFilesystemStore`]).
pub(crate) fn filesystem_store(root: &Path) -> Result<Arc<Storage>> {
    let store = AtomicFilesystemStore::new(root).map_err(|e| {
        Error::backend(format!("cannot open Zarr store {}: {e}", root.display()), e)
    })?;
    Ok(Arc::new(store))
}
