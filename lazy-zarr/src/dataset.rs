//! [`ZarrDataset`]: a Zarr array as a lazy, typed dataset, writable when
//! opened for writing. Arrays on a regular chunk grid are read and written
//! by lazy-core's chunk engine (through the adaptor in `chunks.rs`), others
//! by zarrs as array subsets (`fallback.rs`).

use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;

use lazy_core::backend::{
    bytes_mut, chunked_in_memory, read_chunked, read_via, write_chunked, write_chunked_masked,
    write_masked_by_runs, write_via, ArrayKey, Marker,
};
use lazy_core::{
    Buffered, Cache, CheckedRegion, Dataset, DatasetMut, Dyn, Error, Hints, MaskedBlock, Mode,
    Rank, ReadOnly, ReadWrite, Region, Result, Writable,
};
use ndarray::{ArrayViewD, ArrayViewMutD};
use zarrs::array::Array;
use zarrs::storage::ReadableWritableStorageTraits;

use crate::chunks::Chunks;
use crate::codec::{Chain, Encoding};
use crate::element::ZarrElement;
use crate::store::ChunkLocks;

/// The storage a [`ZarrDataset`] reads and writes: any zarrs store that can
/// be read and written (a filesystem store when opened by path).
pub type Storage = dyn ReadableWritableStorageTraits;

/// Storage with a cost per request (object stores): a read fetches the
/// chunks it needs side by side before decoding them.
pub(crate) trait Fetch: Send + Sync {
    /// The stored values of `keys` (`None`: never written), by chunk index.
    fn fetch(
        &self,
        keys: Vec<(Vec<u64>, zarrs::storage::StoreKey)>,
    ) -> std::result::Result<
        std::collections::HashMap<Vec<u64>, Option<Vec<u8>>>,
        zarrs::storage::StorageError,
    >;

    /// Takes back the buffers of a read's chunks, decoded, for later
    /// fetches; the default drops them.
    fn recycle(&self, buffers: Vec<Vec<u8>>) {
        drop(buffers);
    }
}

/// Where an array's store is: its name for messages, and what reads and
/// the cache use of it.
pub(crate) struct Location {
    /// The store as messages name it (a directory, a URL).
    pub(crate) name: String,
    /// The directory of a filesystem store.
    pub(crate) root: Option<PathBuf>,
    /// How chunks are fetched side by side, for stores with a cost per request.
    pub(crate) fetcher: Option<std::sync::Arc<dyn Fetch>>,
}

impl Location {
    /// A filesystem store in directory `root`.
    pub(crate) fn local(root: &std::path::Path) -> Self {
        Location {
            name: root.display().to_string(),
            root: Some(root.to_path_buf()),
            fetcher: None,
        }
    }

    /// A store handed over as a zarrs store.
    pub(crate) fn zarrs() -> Self {
        Location {
            name: "a zarrs store".to_string(),
            root: None,
            fetcher: None,
        }
    }

    /// A store at `url` whose chunks `fetcher` fetches.
    #[cfg_attr(not(feature = "cloud"), allow(dead_code))]
    pub(crate) fn remote(url: String, fetcher: std::sync::Arc<dyn Fetch>) -> Self {
        Location {
            name: url,
            root: None,
            fetcher: Some(fetcher),
        }
    }
}

/// A Zarr array with element type `T`, rank `R` (`Dyn` when the rank is
/// known only at run time) and mode `M`: [`ReadOnly`] when opened with
/// [`open`](Self::open), [`ReadWrite`] with [`open_rw`](Self::open_rw) or
/// [`create`](Self::create). Opening checks the element type and rank
/// against the array's metadata; reads (and writes) take any selection.
/// Only a `ReadWrite` array implements `DatasetMut`: writing to a read-only
/// one does not compile.
///
/// Nothing is read at open: each read turns its [`Region`](lazy_core::Region) into a few
/// contiguous array subsets, which zarrs reads decoding their chunks in
/// parallel, and gathers the region from them in memory (see the
/// [crate docs](crate)).
///
/// ```
/// use lazy_zarr::{CreateOptions, ZarrDataset};
/// use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, SelectionItem};
/// use ndarray::array;
/// use typenum::U2;
///
/// let dir = tempfile::tempdir().unwrap();
/// let mut x = ZarrDataset::<f64, U2>::create(dir.path(), "/x", &[2, 3], &CreateOptions::default())?;
/// x.write_all(array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])?;
///
/// let x = ZarrDataset::<f64, U2>::open(dir.path(), "/x")?; // read-only
/// assert_eq!(x.shape(), &[2, 3]);
/// // NumPy: x[:, ::-1]
/// let rev = DynSelection::from(vec![SelectionItem::FULL, SelectionItem::slice(None, None, Some(-1))]);
/// assert_eq!(x.read_dyn(&rev)?, array![[3.0, 2.0, 1.0], [6.0, 5.0, 4.0]].into_dyn());
///
/// let mut x = ZarrDataset::<f64, U2>::open_rw(dir.path(), "/x")?;
/// // NumPy: x[1, [2, 0]] = 0
/// x.write(DynSelection::from(vec![SelectionItem::Index(1), SelectionItem::List(vec![2, 0])]), 0.0)?;
/// assert_eq!(x.read_all()?, array![[1.0, 2.0, 3.0], [0.0, 5.0, 0.0]]);
/// # Ok::<(), lazy_core::Error>(())
/// ```
pub struct ZarrDataset<T, R = Dyn, M = ReadOnly> {
    pub(crate) array: Array<Storage>,
    pub(crate) store: String,
    pub(crate) path: String,
    pub(crate) shape: Vec<usize>,
    /// The chunk (or, in shards, subchunk) length along each axis.
    pub(crate) grain: Vec<usize>,
    /// The chunk shape of a regular chunk grid (in a sharded array, the
    /// shard shape): read and written through lazy-core's chunk engine.
    /// `None` for other grids, read and written as array subsets by zarrs.
    pub(crate) chunks: Option<Vec<usize>>,
    /// The directory of a filesystem store: chunks' generations come from
    /// their files.
    pub(crate) root: Option<PathBuf>,
    pub(crate) key: ArrayKey,
    pub(crate) cache: Cache,
    /// Whether zarrs decodes part of a chunk for less than all of it:
    /// uncompressed chunks (byte ranges) and shards (inner chunks).
    pub(crate) cheap_parts: bool,
    /// The codec chain, when lazy-zarr decodes it itself (see `codec`).
    pub(crate) chain: Option<Chain>,
    /// How chunks of that chain are encoded here (see `codec`).
    pub(crate) encoding: Option<Encoding>,
    /// The chunk locks across processes, for a filesystem store.
    pub(crate) locks: Option<ChunkLocks>,
    /// How a read fetches its chunks side by side (object stores).
    pub(crate) fetcher: Option<std::sync::Arc<dyn Fetch>>,
    pub(crate) _marker: Marker<T, R, M>,
}

impl<T, R, M> ZarrDataset<T, R, M> {
    /// The path of the array in its store (`"/group/x"`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Where the array's store is: its directory, or its URL (the same
    /// name `H5Dataset::location` gives for a file).
    pub fn location(&self) -> &str {
        &self.store
    }

    /// Where the store is: the same as [`location`](Self::location), the
    /// name every backend has.
    pub fn store(&self) -> &str {
        &self.store
    }

    /// The chunk shape reads are planned with: the chunk shape, or for a
    /// sharded array the shape of the chunks inside a shard.
    pub fn chunk_shape(&self) -> &[usize] {
        &self.grain
    }

    /// The decoded-chunk cache this array reads through: the process-wide
    /// [`Cache::global`] unless [`with_cache`](Self::with_cache) gave another.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// This array, reading through `cache` (`Cache::new(0)` keeps nothing).
    /// Compressed chunks a read uses part of are kept decoded; raw chunks
    /// (no compression) are read by byte ranges and never kept. Handles
    /// that write to one array and read it should share a cache: a write
    /// keeps the chunks it changed in part (and drops those it wrote whole)
    /// in the cache it goes through, and a read checks the generation of a
    /// cached chunk file against the store's.
    ///
    /// ```
    /// use lazy_core::{Cache, DatasetExt, DatasetMutExt};
    /// use lazy_zarr::{Compression, CreateOptions, ZarrDataset};
    /// use typenum::U1;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let options = CreateOptions::default().chunks([100]).compression(Compression::Gzip(1));
    /// let cache = Cache::new(1 << 20);
    /// let mut x = ZarrDataset::<f64, U1>::create(dir.path(), "x", &[1000], &options)?.with_cache(cache.clone());
    /// x.write_all(1.5)?; // chunks written whole: not kept (a bulk write would flush the cache)
    /// let window = lazy_core::DynSelection::from(vec![lazy_core::SelectionItem::slice(Some(10), Some(20), None)]);
    /// x.write_dyn(&window, ndarray::ArrayD::from_elem(vec![10], 2.0).view())?; // chunk 0 changed in part: kept
    /// let before = cache.stats();
    /// assert_eq!(x.read_dyn(&window)?.sum(), 20.0);
    /// assert_eq!(cache.stats().hits, before.hits + 1); // the write left the chunk decoded
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    pub fn with_cache(mut self, cache: Cache) -> Self {
        self.cache = cache;
        self
    }

    /// Who reads this array: `"lazy-zarr (bytes+zstd)"` where lazy-zarr
    /// decodes the chunks itself (through lazy-core's chunk engine, on many
    /// threads, through the cache), `"zarrs (<codecs>)"` where zarrs
    /// decodes them (still through the chunk engine on a regular grid), or
    /// `"zarrs (a chunk grid that is not regular)"` where zarrs reads
    /// array subsets. [`inspect`](crate::inspect) says the same without
    /// opening the array typed.
    ///
    /// ```
    /// use lazy_zarr::{Compression, CreateOptions, ZarrDataset};
    /// use typenum::U1;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let options = CreateOptions::default().compression(Compression::Gzip(1));
    /// let x = ZarrDataset::<f32, U1>::create(dir.path(), "x", &[10], &options)?;
    /// assert_eq!(x.reader(), "lazy-zarr (bytes+gzip)");
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    pub fn reader(&self) -> String {
        crate::codec::reader_of(&self.array, self.chunks.is_some())
    }

    /// The zarrs array, for what this crate does not wrap (attributes,
    /// codecs, dimension names).
    pub fn inner(&self) -> &Array<Storage> {
        &self.array
    }

    /// Gives the zarrs array back.
    pub fn into_inner(self) -> Array<Storage> {
        self.array
    }

    pub(crate) fn err(
        &self,
        action: &str,
        e: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error::backend(
            format!(
                "cannot {action} Zarr array {:?} in {}: {e}",
                self.path, self.store
            ),
            e,
        )
    }
}

impl<T, R> ZarrDataset<T, R, ReadWrite> {
    /// The same array, read-only.
    pub fn into_read_only(self) -> ZarrDataset<T, R, ReadOnly> {
        ZarrDataset {
            array: self.array,
            store: self.store,
            path: self.path,
            shape: self.shape,
            grain: self.grain,
            chunks: self.chunks,
            root: self.root,
            key: self.key,
            cache: self.cache,
            cheap_parts: self.cheap_parts,
            chain: self.chain,
            encoding: self.encoding,
            locks: self.locks,
            fetcher: self.fetcher,
            _marker: PhantomData,
        }
    }
}

impl<T: ZarrElement, R, M> ZarrDataset<T, R, M> {
    /// The value of elements never written.
    pub fn fill_value(&self) -> T {
        let stored = self.array.fill_value().as_ne_bytes();
        let mut value = [T::default()];
        match bytes_mut(&mut value) {
            Some(dst) if dst.len() == stored.len() => dst.copy_from_slice(stored),
            _ => {
                if let Some(&b) = stored.first() {
                    value[0] = T::from_bool(b != 0);
                }
            }
        }
        value[0]
    }
}

impl<T: ZarrElement, R: Rank, M: Mode> fmt::Debug for ZarrDataset<T, R, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZarrDataset")
            .field("store", &self.store)
            .field("path", &self.path)
            .field("shape", &self.shape)
            .field("dtype", &format_args!("{}", T::DTYPE))
            .field("chunks", &self.grain)
            .field("decoded_by", &self.chain.map_or("zarrs", |_| "lazy-zarr"))
            .field("codecs", &self.chain.map_or("(zarrs)", Chain::name))
            .field("writable", &M::WRITABLE)
            .finish()
    }
}

impl<T: ZarrElement, R: Rank, M: Mode> Dataset for ZarrDataset<T, R, M> {
    type Elem = T;
    type Rank = R;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, T>) -> Result<()> {
        if self.chunks.is_some() {
            return read_chunked(&Chunks(self), &self.cache, region, out);
        }
        read_via(
            &region,
            out,
            usize::MAX,
            &|r| self.subset_plan(r),
            &|plan, buf| self.fetch(plan, buf),
        )
    }

    /// Every read of a Zarr array has a cost per call (metadata, chunk
    /// lookups, a thread pool): views ask for whole regions. Arrays in
    /// object stores wait on the network.
    fn hints(&self) -> Hints {
        Hints {
            latency_bound: self.fetcher.is_some(),
            ..Hints::STORAGE
        }
    }

    /// On a regular grid, when every chunk under `region` is in the cache.
    fn in_memory(&self, region: &Region) -> bool {
        self.chunks.is_some() && chunked_in_memory(&Chunks(self), &self.cache, region)
    }

    /// The array's chunk shape, on a regular grid.
    fn chunk_grid(&self) -> Option<Vec<usize>> {
        self.chunks.clone()
    }

    /// `"/x" in <store>`.
    fn name(&self) -> Option<String> {
        Some(format!("{:?} in {}", self.path, self.store))
    }
}

impl<T: ZarrElement, R: Rank, M: Writable> DatasetMut for ZarrDataset<T, R, M> {
    /// Writes `src` into `region`: each chunk it touches is built from the
    /// new values when they cover it, else read, changed and stored while
    /// the chunk is locked (so writers of disjoint elements of one chunk
    /// never undo each other). For a list that repeats a position the last
    /// value wins, as in NumPy.
    fn write_region(&mut self, region: CheckedRegion<'_>, src: ArrayViewD<'_, T>) -> Result<()> {
        if self.chunks.is_some() {
            return write_chunked(&Chunks(&*self), &self.cache, region, src);
        }
        let plan = self.subset_plan(&region)?;
        write_via(
            &plan,
            src,
            Some(&|plan, buf| self.fetch(plan, buf)),
            |plan, data| self.encode(plan, data),
        )
    }

    /// Stores each block's values where its mask is true (what a
    /// [`Buffered`](lazy_core::Buffered) handle writes back): each chunk
    /// locked, read, changed and stored once, chunks encoded in parallel.
    fn write_masked(&mut self, blocks: &[MaskedBlock<'_, T>]) -> Result<()> {
        if self.chunks.is_some() {
            return write_chunked_masked(&Chunks(&*self), &self.cache, blocks);
        }
        write_masked_by_runs(self, blocks)
    }
}

impl<T: ZarrElement, R: Rank, M: Writable> ZarrDataset<T, R, M> {
    /// This handle with its writes held in memory up to `bytes`, chunk by
    /// chunk, and each chunk written once on [`flush`](lazy_core::DatasetMut::flush)
    /// or when the handle is dropped (see [`Buffered`](lazy_core::Buffered)):
    /// many small writes into the same chunks (windows written in order)
    /// cost one write of each chunk.
    ///
    /// ```
    /// use lazy_core::{DatasetExt, DatasetMut, DatasetMutExt, TypedSelection as Sel};
    /// use lazy_zarr::{CreateOptions, ZarrDataset};
    /// use ndarray::Array1;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let x = ZarrDataset::<f64, typenum::U1>::create(dir.path(), "x", &[10_000], &CreateOptions::default().chunks([5000]))?;
    /// let mut x = x.buffered(64 << 20);
    /// for w in 0..10 {
    ///     x.write(Sel::new().push(w * 1000..(w + 1) * 1000), Array1::from_elem(1000, w as f64))?;
    /// }
    /// assert_eq!(x.read(Sel::new().push(9999))?, ndarray::arr0(9.0)); // its own pending writes
    /// x.flush()?; // two chunks written, once each
    /// let stored = ZarrDataset::<f64, typenum::U1>::open(dir.path(), "x")?;
    /// assert_eq!(stored.read(Sel::new().push(4999..5001))?, ndarray::array![4.0, 5.0]);
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    pub fn buffered(self, bytes: usize) -> Buffered<Self> {
        Buffered::new(self, bytes)
    }
}

lazy_core::backend::dataset_methods!(ZarrDataset<T, R, M>);
