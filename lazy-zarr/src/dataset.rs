//! [`ZarrDataset`]: a Zarr array as a lazy, typed dataset, writable when
//! opened for writing, and its transfers.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;

use lazy_core::backend::{
    bytes_mut, chunks_cached, chunks_of, read_chunks, read_selected_raw, read_via, write_chunks,
    write_via, zeroed, ArrayKey, ChunkSink, ChunkSource, Generation, Grouping, Marker, Piece, Plan,
};
use lazy_core::{
    Cache, CheckedRegion, Dataset, DatasetMut, Dyn, Error, Hints, Mode, Rank, ReadOnly, ReadWrite,
    Region, Result,
};
use ndarray::{ArrayViewD, ArrayViewMutD, IxDyn, ShapeBuilder, Slice, SliceInfoElem};
use unsafe_cell_slice::UnsafeCellSlice;
use zarrs::array::{Array, ArrayBytesDecodeIntoTarget, ArrayBytesFixedDisjointView, ArraySubset};
use zarrs::storage::ReadableWritableStorageTraits;

use crate::codec::{self, Chain, Source};
use crate::element::ZarrElement;
use crate::store::ChunkLocks;

/// The most pieces (one zarrs call each) a transfer is split into.
const MAX_PIECES: usize = 1024;

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
/// use lazy_zarr::{ZarrCreate, ZarrDataset};
/// use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, SelectionItem};
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

    /// Where the store is (its directory, for a filesystem store).
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
    /// (no compression) are read by byte ranges and never kept. Handles that write to one array and read it should share a cache:
    /// a write updates the cache it goes through, and a read checks the
    /// generation of a cached chunk file against the store's.
    ///
    /// ```
    /// use lazy_core::{Cache, DatasetExt, DatasetMutExt};
    /// use lazy_zarr::{Compression, ZarrCreate, ZarrDataset};
    /// use typenum::U1;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let options = ZarrCreate::default().chunks([100]).compression(Compression::Gzip(1));
    /// let cache = Cache::new(1 << 20);
    /// let mut x = ZarrDataset::<f64, U1>::create(dir.path(), "x", &[1000], &options)?.with_cache(cache.clone());
    /// x.write_all(1.5)?;
    /// let window = lazy_core::DynSelection::from(vec![lazy_core::SelectionItem::slice(Some(10), Some(20), None)]);
    /// let before = cache.stats();
    /// assert_eq!(x.read_dyn(&window)?.sum(), 15.0);
    /// assert_eq!(cache.stats().hits, before.hits + 1); // the write left the chunk decoded
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    pub fn with_cache(mut self, cache: Cache) -> Self {
        self.cache = cache;
        self
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

/// A zarrs subset from starts and lengths.
fn subset(start: &[usize], shape: &[usize]) -> Result<ArraySubset> {
    let wide = |v: &[usize]| v.iter().map(|&n| n as u64).collect::<Vec<u64>>();
    ArraySubset::new_with_start_shape(wide(start), wide(shape))
        .map_err(|e| Error::backend(format!("invalid array subset: {e}"), e))
}

/// The block of `piece` in the buffer, as ndarray slice arguments.
fn block(piece: &Piece) -> Vec<SliceInfoElem> {
    piece
        .runs
        .iter()
        .map(|r| SliceInfoElem::Slice {
            start: r.offset as isize,
            end: Some((r.offset + r.count) as isize),
            step: 1,
        })
        .collect()
}

impl<T: ZarrElement, R: Rank, M: Mode> ZarrDataset<T, R, M> {
    /// The plan of a region. On a regular grid, the exact positions: the
    /// chunk engine decodes each chunk touched once and copies the selected
    /// elements only. Otherwise contiguous spans split at gaps longer than a
    /// chunk, so no chunk without a selected element is decoded, in at most
    /// [`MAX_PIECES`] zarrs array subsets.
    fn plan(&self, region: &Region) -> Result<Plan> {
        if self.chunks.is_some() {
            return Plan::new(region, |_| Grouping::Exact);
        }
        let mut plan = Plan::new(region, |axis| Grouping::Spans {
            gap: self.grain.get(axis).copied().unwrap_or(1),
        })?;
        plan.limit_pieces(MAX_PIECES);
        Ok(plan)
    }

    /// Fills `buf`, a buffer of the plan's shape, from the store: chunk by
    /// chunk through the cache on a regular grid, else as array subsets.
    fn fetch(&self, plan: &Plan, mut buf: ArrayViewMutD<'_, T>) -> Result<()> {
        if self.chunks.is_some() {
            if let (Some(fetcher), Some(chain)) = (&self.fetcher, self.chain) {
                let fetched = self.prefetch(fetcher.as_ref(), chain, plan)?;
                return read_chunks(&fetched, &self.cache, plan, buf);
            }
            return read_chunks(self, &self.cache, plan, buf);
        }
        if let Some(slice) = buf.as_slice_mut() {
            return self.fetch_subsets(plan, slice);
        }
        let mut tmp = zeroed::<T>(plan.shape())?;
        let slice = tmp
            .as_slice_mut()
            .ok_or_else(|| Error::backend_msg("a new array is not contiguous"))?;
        self.fetch_subsets(plan, slice)?;
        buf.assign(&tmp);
        Ok(())
    }

    /// The stored chunks a read of `plan` needs and the cache does not
    /// hold, fetched side by side (object stores).
    fn prefetch<'a>(
        &'a self,
        fetcher: &'a dyn Fetch,
        chain: Chain,
        plan: &Plan,
    ) -> Result<Fetched<'a, T, R, M>> {
        let keys = chunks_of(plan, ChunkSource::chunk_shape(self))?
            .into_iter()
            .filter(|index| self.cache.budget() == 0 || !self.cache.contains(&self.key, index))
            .map(|index| {
                let key = self.array.chunk_key(&index);
                (index, key)
            })
            .collect();
        let bytes = fetcher.fetch(keys).map_err(|e| self.err("read from", e))?;
        Ok(Fetched {
            array: self,
            fetcher,
            chain,
            bytes,
        })
    }

    /// Fills `buf`, a row-major buffer of the plan's shape, one zarrs array
    /// subset per piece.
    fn fetch_subsets(&self, plan: &Plan, buf: &mut [T]) -> Result<()> {
        let shape = plan.shape();
        let pieces: Vec<(Vec<usize>, Vec<usize>, Vec<usize>)> = plan
            .pieces()
            .map(|p| (p.start(), p.offset(), p.shape()))
            .collect();
        self.decode_into(&shape, buf, &pieces)
    }

    /// Decodes `(start, offset, shape)` boxes of the array into their blocks
    /// at `offset` of `buf`, a row-major buffer of `buf_shape`.
    fn decode_into(
        &self,
        buf_shape: &[usize],
        buf: &mut [T],
        boxes: &[(Vec<usize>, Vec<usize>, Vec<usize>)],
    ) -> Result<()> {
        if let Some(bytes) = bytes_mut(buf) {
            return self.decode_bytes(buf_shape, bytes, boxes);
        }
        // `bool`: decode the stored bytes, then map them.
        let mut bytes = zeroed::<u8>(vec![buf.len()])?.into_raw_vec_and_offset().0;
        self.decode_bytes(buf_shape, &mut bytes, boxes)?;
        for (d, &b) in buf.iter_mut().zip(&bytes) {
            *d = T::from_bool(b != 0);
        }
        Ok(())
    }

    /// [`decode_into`](Self::decode_into) on the bytes of the buffer.
    fn decode_bytes(
        &self,
        buf_shape: &[usize],
        buf: &mut [u8],
        boxes: &[(Vec<usize>, Vec<usize>, Vec<usize>)],
    ) -> Result<()> {
        let elem = T::DTYPE.size();
        let shape: Vec<u64> = buf_shape.iter().map(|&n| n as u64).collect();
        for (start, offset, count) in boxes {
            let file = subset(start, count)?;
            let block = subset(offset, count)?;
            let cells = UnsafeCellSlice::new(&mut *buf);
            // SAFETY: this view is the only one on `buf` while it lives (the
            // boxes are decoded one after another), so it overlaps no other.
            let mut view = unsafe { ArrayBytesFixedDisjointView::new(cells, elem, &shape, block) }
                .map_err(|e| self.err("read from", e))?;
            self.array
                .retrieve_array_subset_into(&file, ArrayBytesDecodeIntoTarget::Fixed(&mut view))
                .map_err(|e| self.err("read from", e))?;
        }
        Ok(())
    }

    /// Decodes elements `skip..skip + out.len()` (row-major) of chunk
    /// `index` with a chain decoded here; a chunk never written reads as the
    /// fill value.
    fn decode_chain(
        &self,
        chain: Chain,
        index: &[u64],
        skip: usize,
        whole: bool,
        out: &mut [T],
        fetched: Option<&Option<Vec<u8>>>,
    ) -> Result<()> {
        let key = self.array.chunk_key(index);
        let storage = self.array.storage();
        let source = Source {
            root: self.root.as_deref(),
            storage: storage.as_ref(),
            key: &key,
            fetched: fetched.map(Option::as_deref),
        };
        let elem = T::DTYPE.size();
        let found = match bytes_mut(out) {
            Some(bytes) => codec::decode(chain, &source, skip * elem, whole, bytes),
            None => {
                // `bool`: decode the stored bytes, then map them.
                let mut bytes = zeroed::<u8>(vec![out.len()])?.into_raw_vec_and_offset().0;
                let found = codec::decode(chain, &source, skip * elem, whole, &mut bytes);
                for (o, &b) in out.iter_mut().zip(&bytes) {
                    *o = T::from_bool(b != 0);
                }
                found
            }
        }
        .map_err(|e| self.err("read from", e))?;
        if !found {
            out.fill(ZarrDataset::fill_value(self));
        }
        Ok(())
    }

    /// Decodes the box `start..start + shape` of chunk `index` with a chain
    /// decoded here: the elements from the box's first to its last (in
    /// row-major order of the chunk; for a compressed chunk, all up to the
    /// last), then the box gathered from them.
    fn decode_part_chain(
        &self,
        chain: Chain,
        index: &[u64],
        start: &[usize],
        shape: &[usize],
        out: &mut [T],
        fetched: Option<&Option<Vec<u8>>>,
    ) -> Result<()> {
        let chunk_shape = ChunkSource::chunk_shape(self).to_vec();
        let strides: Vec<usize> = (0..chunk_shape.len())
            .map(|k| chunk_shape[k + 1..].iter().product())
            .collect();
        let flat = |pos: &mut dyn Iterator<Item = usize>| -> usize {
            pos.zip(&strides).map(|(p, s)| p * s).sum()
        };
        let first = flat(&mut start.iter().copied());
        let last = flat(
            &mut start
                .iter()
                .zip(shape)
                .map(|(s, n)| s + n.saturating_sub(1)),
        );
        let skip = if chain == Chain::Raw { first } else { 0 };
        let mut span = zeroed::<T>(vec![last + 1 - skip])?;
        let slice = span
            .as_slice_mut()
            .ok_or_else(|| Error::backend_msg("a new array is not contiguous"))?;
        self.decode_chain(chain, index, skip, false, slice, fetched)?;
        let offset = first - skip;
        let rest = slice
            .get(offset..)
            .ok_or_else(|| Error::backend_msg("internal error: a box outside its span"))?;
        let boxed = ndarray::ArrayView::from_shape(IxDyn(shape).strides(IxDyn(&strides)), rest)
            .map_err(|e| Error::shape(e.to_string()))?;
        let mut target = ArrayViewMutD::from_shape(IxDyn(shape), out)
            .map_err(|e| Error::shape(e.to_string()))?;
        target.assign(&boxed);
        Ok(())
    }

    /// The origin of chunk `index` in the array.
    fn origin(&self, index: &[u64]) -> Vec<usize> {
        let chunks = self.chunks.as_deref().unwrap_or(&[]);
        index
            .iter()
            .zip(chunks)
            .map(|(&c, &len)| (c as usize).saturating_mul(len))
            .collect()
    }
}

impl<T: ZarrElement, R: Rank, M: Mode> ChunkSource<T> for ZarrDataset<T, R, M> {
    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn chunk_shape(&self) -> &[usize] {
        self.chunks.as_deref().unwrap_or(&[])
    }

    fn array_key(&self) -> &ArrayKey {
        &self.key
    }

    /// Uncompressed chunks read just the byte ranges a sparse selection
    /// needs ([`read_selected_raw`]).
    fn read_selected(
        &self,
        index: &[u64],
        region: &Region,
        out: ArrayViewMutD<'_, T>,
    ) -> Result<bool> {
        let (Some(Chain::Raw), Some(root)) = (self.chain, self.root.as_deref()) else {
            return Ok(false);
        };
        let path = root.join(self.array.chunk_key(index).as_str());
        let mut file: Option<Option<std::fs::File>> = None;
        let fill = ZarrDataset::fill_value(self);
        read_selected_raw(
            region,
            ChunkSource::chunk_shape(self),
            fill,
            out,
            |at, buf| {
                let opened = match &file {
                    Some(f) => f,
                    None => file.insert(match std::fs::File::open(&path) {
                        Ok(f) => Some(f),
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                        Err(e) => {
                            return Err(Error::backend(
                                format!("cannot read chunk {}: {e}", path.display()),
                                e,
                            ))
                        }
                    }),
                };
                let Some(f) = opened else {
                    return Ok(false);
                };
                read_exact_at(f, buf, at as u64).map_err(|e| {
                    Error::backend(format!("cannot read chunk {}: {e}", path.display()), e)
                })?;
                Ok(true)
            },
        )
    }

    fn decodes_parts(&self) -> bool {
        self.chain.is_some() || self.cheap_parts
    }

    /// Chunks of the `bytes` codec alone, read here (in object stores they
    /// are fetched whole, and kept).
    fn stores_raw(&self) -> bool {
        matches!(self.chain, Some(Chain::Raw)) && self.fetcher.is_none()
    }

    fn fill_value(&self) -> T {
        ZarrDataset::fill_value(self)
    }

    /// A chunk file's size, modification time and inode (filesystem stores).
    fn generation(&self, index: &[u64]) -> Result<Option<Generation>> {
        let Some(root) = &self.root else {
            return Ok(None);
        };
        let path = root.join(self.array.chunk_key(index).as_str());
        match std::fs::metadata(&path) {
            Ok(m) => Ok(Some(generation_of(&m))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Some(0)),
            Err(e) => Err(Error::backend(
                format!("cannot read the metadata of {}: {e}", path.display()),
                e,
            )),
        }
    }

    fn decode(&self, index: &[u64], out: &mut [T]) -> Result<()> {
        if let Some(chain) = self.chain {
            return self.decode_chain(chain, index, 0, true, out, None);
        }
        let chunk_shape = ChunkSource::chunk_shape(self).to_vec();
        let origin = self.origin(index);
        let inside: Vec<usize> = origin
            .iter()
            .zip(&chunk_shape)
            .zip(&self.shape)
            .map(|((&o, &len), &n)| n.saturating_sub(o).min(len))
            .collect();
        let at = vec![0; chunk_shape.len()];
        if inside == chunk_shape {
            return self.decode_into(&chunk_shape, out, &[(origin, at, inside)]);
        }

        // A chunk at the array's far edge: its part inside the array, decoded
        // into a buffer of exactly that shape (zarrs decodes part of a chunk
        // only so), and put at the chunk's start.
        let mut part = zeroed::<T>(inside.clone())?;
        let slice = part
            .as_slice_mut()
            .ok_or_else(|| Error::backend_msg("a new array is not contiguous"))?;
        self.decode_into(&inside, slice, &[(origin, at, inside.clone())])?;
        let mut whole = ArrayViewMutD::from_shape(IxDyn(&chunk_shape), out)
            .map_err(|e| Error::shape(e.to_string()))?;
        whole
            .slice_each_axis_mut(|ax| {
                Slice::from(0..inside.get(ax.axis.index()).copied().unwrap_or(0))
            })
            .assign(&part);
        Ok(())
    }

    fn decode_part(
        &self,
        index: &[u64],
        start: &[usize],
        shape: &[usize],
        out: &mut [T],
    ) -> Result<()> {
        if let Some(chain) = self.chain {
            return self.decode_part_chain(chain, index, start, shape, out, None);
        }
        let origin: Vec<usize> = self
            .origin(index)
            .iter()
            .zip(start)
            .map(|(&o, &s)| o + s)
            .collect();
        let at = vec![0; shape.len()];
        self.decode_into(shape, out, &[(origin, at, shape.to_vec())])
    }
}

/// A read's chunks, fetched side by side before the chunk engine decodes
/// them (object stores); a chunk not among them is read as usual.
struct Fetched<'a, T, R, M> {
    array: &'a ZarrDataset<T, R, M>,
    fetcher: &'a dyn Fetch,
    chain: Chain,
    bytes: HashMap<Vec<u64>, Option<Vec<u8>>>,
}

impl<T, R, M> Drop for Fetched<'_, T, R, M> {
    fn drop(&mut self) {
        let buffers = std::mem::take(&mut self.bytes)
            .into_values()
            .flatten()
            .collect();
        self.fetcher.recycle(buffers);
    }
}

impl<T: ZarrElement, R: Rank, M: Mode> ChunkSource<T> for Fetched<'_, T, R, M> {
    fn shape(&self) -> &[usize] {
        &self.array.shape
    }

    fn chunk_shape(&self) -> &[usize] {
        ChunkSource::chunk_shape(self.array)
    }

    fn array_key(&self) -> &ArrayKey {
        &self.array.key
    }

    fn fill_value(&self) -> T {
        ZarrDataset::fill_value(self.array)
    }

    fn decode(&self, index: &[u64], out: &mut [T]) -> Result<()> {
        let fetched = self.bytes.get(index);
        self.array
            .decode_chain(self.chain, index, 0, true, out, fetched)
    }

    fn decodes_parts(&self) -> bool {
        true
    }

    fn decode_part(
        &self,
        index: &[u64],
        start: &[usize],
        shape: &[usize],
        out: &mut [T],
    ) -> Result<()> {
        let fetched = self.bytes.get(index);
        self.array
            .decode_part_chain(self.chain, index, start, shape, out, fetched)
    }
}

impl<T: ZarrElement, R: Rank> ChunkSink<T> for ZarrDataset<T, R, ReadWrite> {
    /// Encodes the chunk and stores it: in a filesystem store, to a
    /// temporary file renamed over the chunk's (atomic).
    fn store(&self, index: &[u64], data: &[T]) -> Result<()> {
        self.array
            .store_chunk(index, data)
            .map_err(|e| self.err("write to", e))
    }

    /// Chunks in object stores are stored side by side (each a `PUT`).
    fn latency_bound(&self) -> bool {
        self.fetcher.is_some()
    }

    /// An advisory lock of the chunk's byte in the array's lock file
    /// (filesystem stores; see the crate docs on concurrent writers).
    fn lock(&self, index: &[u64]) -> Result<Option<Box<dyn Send>>> {
        let Some(locks) = &self.locks else {
            return Ok(None);
        };
        // The chunk's row-major number in the grid.
        let chunks = self.chunks.as_deref().unwrap_or(&[]);
        let slot =
            index
                .iter()
                .zip(chunks.iter().zip(&self.shape))
                .fold(0u64, |acc, (&c, (&len, &n))| {
                    acc.wrapping_mul(n.div_ceil(len.max(1)).max(1) as u64)
                        .wrapping_add(c)
                });
        let guard = locks.lock(slot).map_err(|e| {
            Error::backend(
                format!(
                    "cannot lock chunk {index:?} of Zarr array {:?} in {}: {e}",
                    self.path, self.store
                ),
                e,
            )
        })?;
        Ok(Some(Box::new(guard)))
    }
}

#[cfg(unix)]
fn read_exact_at(file: &std::fs::File, out: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, out, offset)
}

#[cfg(not(unix))]
fn read_exact_at(file: &std::fs::File, out: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = file;
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(out)
}

/// A file's generation: its size, modification time and inode, hashed.
fn generation_of(m: &std::fs::Metadata) -> Generation {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    m.len().hash(&mut h);
    m.modified().ok().hash(&mut h);
    #[cfg(unix)]
    std::os::unix::fs::MetadataExt::ino(m).hash(&mut h);
    u128::from(h.finish()) | 1 << 64
}

impl<T: ZarrElement, R: Rank, M: Mode> Dataset for ZarrDataset<T, R, M> {
    type Elem = T;
    type Rank = R;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, T>) -> Result<()> {
        read_via(&region, out, usize::MAX, &|r| self.plan(r), &|plan, buf| {
            self.fetch(plan, buf)
        })
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
        self.chunks.is_some() && chunks_cached(self, &self.cache, || self.plan(region))
    }
}

impl<T: ZarrElement, R: Rank> DatasetMut for ZarrDataset<T, R, ReadWrite> {
    /// Writes `src` into `region`: each chunk it touches is built from the
    /// new values when they cover it, else read, changed and stored while
    /// the chunk is locked (so writers of disjoint elements of one chunk
    /// never undo each other). For a list that repeats a position the last
    /// value wins, as in NumPy.
    fn write_region(&mut self, region: CheckedRegion<'_>, src: ArrayViewD<'_, T>) -> Result<()> {
        if self.chunks.is_some() {
            let plan = Plan::new(&region, |_| Grouping::Exact)?;
            let exact = |_: &Plan, _: ArrayViewMutD<'_, T>| -> Result<()> {
                Err(Error::backend_msg(
                    "internal error: an exact plan needs no read before a write",
                ))
            };
            return write_via(&plan, src, exact, |plan, data| {
                write_chunks(&*self, &self.cache, plan, data)
            });
        }
        let plan = self.plan(&region)?;
        write_via(
            &plan,
            src,
            |plan, buf| self.fetch(plan, buf),
            |plan, data| self.encode(plan, data),
        )
    }
}

impl<T: ZarrElement, R: Rank> ZarrDataset<T, R, ReadWrite> {
    /// Stores `data`, a buffer of the plan's shape in any memory layout, one
    /// array subset per piece (arrays whose grid is not regular).
    fn encode(&self, plan: &Plan, data: ArrayViewD<'_, T>) -> Result<()> {
        for piece in plan.pieces() {
            let file = subset(&piece.start(), &piece.shape())?;
            let part = data.slice(block(&piece).as_slice());
            let part = part.as_standard_layout();
            let values = part
                .as_slice()
                .ok_or_else(|| Error::backend_msg("a standard-layout array is not contiguous"))?;
            self.array
                .store_array_subset(&file, values)
                .map_err(|e| self.err("write to", e))?;
            self.cache.remove_array(&self.key);
        }
        Ok(())
    }
}

lazy_core::backend::dataset_methods!(ZarrDataset<T, R, M>);
