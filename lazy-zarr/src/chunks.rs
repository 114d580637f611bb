//! A Zarr array on a regular chunk grid as lazy-core's chunk engine sees it:
//! the private adaptor [`Chunks`] (grid, raw chunk files, decode through
//! lazy-zarr's own codecs or zarrs, encode and store, chunk locks), and
//! [`Fetched`], a read's chunks fetched side by side from an object store.
//!
//! The adaptor is not the dataset type: users of a [`ZarrDataset`] cannot
//! reach `decode` or `store`, which bypass the engine's checks, locks and
//! cache.

use std::collections::HashMap;

use lazy_core::backend::{
    bytes, ArrayKey, ChunkInside, ChunkSink, ChunkSource, Generation, RawChunk,
};
use lazy_core::{Error, Mode, Rank, Result, Writable};

use crate::codec::Chain;
use crate::dataset::{Fetch, ZarrDataset};
use crate::element::ZarrElement;
use crate::store::{fsync, write_atomically};

/// The chunk engine's view of a Zarr array on a regular grid.
pub(crate) struct Chunks<'a, T, R, M>(pub(crate) &'a ZarrDataset<T, R, M>);

impl<T, R, M> ZarrDataset<T, R, M> {
    /// The chunk shape of the regular grid (in a sharded array, the shard
    /// shape); empty when the grid is not regular.
    pub(crate) fn grid(&self) -> &[usize] {
        self.chunks.as_deref().unwrap_or(&[])
    }

    /// The origin of chunk `index` in the array.
    pub(crate) fn origin(&self, index: &[u64]) -> Vec<usize> {
        index
            .iter()
            .zip(self.grid())
            .map(|(&c, &len)| (c as usize).saturating_mul(len))
            .collect()
    }

    /// The file of chunk `index` in a filesystem store.
    fn chunk_file(&self, index: &[u64]) -> Option<std::path::PathBuf> {
        let root = self.root.as_deref()?;
        Some(root.join(self.array.chunk_key(index).as_str()))
    }
}

impl<T: ZarrElement, R: Rank, M: Mode> ZarrDataset<T, R, M> {
    /// Decodes chunk `index` into `out` (row-major, of the chunk shape):
    /// with lazy-zarr's own codecs where they apply, else by zarrs.
    pub(crate) fn decode_chunk(
        &self,
        index: &[u64],
        out: &mut [T],
        fetched: Option<&Option<Vec<u8>>>,
    ) -> Result<()> {
        if let Some(chain) = self.chain {
            return self.decode_chain(chain, index, 0, true, out, fetched);
        }
        let chunk_shape = self.grid();
        let inside = ChunkInside::new(index, chunk_shape, &self.shape);
        let at = vec![0; chunk_shape.len()];
        // An edge chunk: zarrs decodes just its part inside the array.
        inside.fill_inside(chunk_shape, out, |part| {
            let boxed = (inside.origin.clone(), at, inside.shape.clone());
            self.decode_into(&inside.shape, part, &[boxed])
        })
    }

    /// Decodes the box `start..start + shape` of chunk `index` into `out`:
    /// with lazy-zarr's own codecs (the prefix of the chunk that holds it)
    /// or by zarrs (a subset: inner chunks of a shard, byte ranges).
    pub(crate) fn decode_chunk_part(
        &self,
        index: &[u64],
        start: &[usize],
        shape: &[usize],
        out: &mut [T],
        fetched: Option<&Option<Vec<u8>>>,
    ) -> Result<()> {
        if let Some(chain) = self.chain {
            return self.decode_part_chain(chain, index, start, shape, out, fetched);
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

impl<T: ZarrElement, R: Rank, M: Mode> ChunkSource<T> for Chunks<'_, T, R, M> {
    fn shape(&self) -> &[usize] {
        &self.0.shape
    }

    fn chunk_shape(&self) -> &[usize] {
        self.0.grid()
    }

    fn array_key(&self) -> &ArrayKey {
        &self.0.key
    }

    fn fill_value(&self) -> T {
        self.0.fill_value()
    }

    /// `Zarr array "/x" in <store>`, as this crate's messages say.
    fn describe(&self) -> String {
        format!("Zarr array {:?} in {}", self.0.path, self.0.store)
    }

    /// A chunk file's size, modification time and inode (filesystem stores).
    fn generation(&self, index: &[u64]) -> Result<Option<Generation>> {
        let Some(path) = self.0.chunk_file(index) else {
            return Ok(None);
        };
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
        self.0.decode_chunk(index, out, None)
    }

    fn decodes_parts(&self) -> bool {
        self.0.chain.is_some() || self.0.cheap_parts
    }

    fn decode_part(
        &self,
        index: &[u64],
        start: &[usize],
        shape: &[usize],
        out: &mut [T],
    ) -> Result<()> {
        self.0.decode_chunk_part(index, start, shape, out, None)
    }

    /// Chunks of the `bytes` codec alone (in object stores they are
    /// fetched whole, and kept).
    fn stores_raw(&self) -> bool {
        matches!(self.0.chain, Some(Chain::Raw)) && self.0.fetcher.is_none()
    }

    /// The chunk's file, opened once for the whole read; in a store other
    /// than a directory, its bytes.
    fn raw(&self, index: &[u64]) -> Result<Option<RawChunk<'_>>> {
        let Some(path) = self.0.chunk_file(index) else {
            let key = self.0.array.chunk_key(index);
            let bytes = self
                .0
                .array
                .storage()
                .get(&key)
                .map_err(|e| self.0.err("read from", e))?;
            return Ok(bytes.map(|b| RawChunk::bytes(b.to_vec())));
        };
        match std::fs::File::open(&path) {
            Ok(file) => Ok(Some(RawChunk::file(file, 0))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::backend(
                format!("cannot read chunk {}: {e}", path.display()),
                e,
            )),
        }
    }

    fn prefetches(&self) -> bool {
        self.0.fetcher.is_some() && self.0.chain.is_some()
    }

    /// The chunks fetched side by side (object stores).
    fn prefetch(&self, chunks: &[Vec<u64>]) -> Result<Option<Box<dyn ChunkSource<T> + '_>>> {
        let (Some(fetcher), Some(chain)) = (&self.0.fetcher, self.0.chain) else {
            return Ok(None);
        };
        let keys = chunks
            .iter()
            .map(|index| (index.clone(), self.0.array.chunk_key(index)))
            .collect();
        let bytes = fetcher
            .fetch(keys)
            .map_err(|e| self.0.err("read from", e))?;
        Ok(Some(Box::new(Fetched {
            array: self.0,
            fetcher: fetcher.as_ref(),
            chain,
            bytes,
        })))
    }
}

impl<T: ZarrElement, R: Rank, M: Writable> ChunkSink<T> for Chunks<'_, T, R, M> {
    /// Encodes the chunk and stores it: in a filesystem store, to a
    /// temporary file renamed over the chunk's (atomic). Chains lazy-zarr
    /// decodes are encoded here too, straight from `data` (one compressor
    /// per thread); a chunk that is all fill value is not stored (its file
    /// is removed), as zarrs and zarr-python do.
    fn store(&self, index: &[u64], data: &[T]) -> Result<()> {
        let a = self.0;
        let (Some(encoding), Some(path)) = (a.encoding, a.chunk_file(index)) else {
            return a
                .array
                .store_chunk(index, data)
                .map_err(|e| a.err("write to", e));
        };
        let raw = bytes(data);
        let fill = [a.fill_value()];
        let fill = bytes(&fill);
        let io = |e: std::io::Error| {
            Error::backend(format!("cannot write chunk {}: {e}", path.display()), e)
        };
        if !fill.is_empty() && raw.chunks_exact(fill.len()).all(|v| v == fill) {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
                _ => Ok(()),
            };
        }
        encoding
            .encode_with(raw, |encoded| write_atomically(&path, encoded, fsync()))
            .map_err(io)
    }

    /// Chunks in object stores are stored side by side (each a `PUT`).
    fn latency_bound(&self) -> bool {
        self.0.fetcher.is_some()
    }

    /// An advisory lock of the chunk's byte in the array's lock file
    /// (filesystem stores; see the crate docs on concurrent writers).
    fn lock(&self, index: &[u64]) -> Result<Option<Box<dyn Send>>> {
        let a = self.0;
        let Some(locks) = &a.locks else {
            return Ok(None);
        };
        // The chunk's row-major number in the grid.
        let slot =
            index
                .iter()
                .zip(a.grid().iter().zip(&a.shape))
                .fold(0u64, |acc, (&c, (&len, &n))| {
                    acc.wrapping_mul(n.div_ceil(len.max(1)).max(1) as u64)
                        .wrapping_add(c)
                });
        let guard = locks.lock(slot).map_err(|e| {
            Error::backend(
                format!(
                    "cannot lock chunk {index:?} of Zarr array {:?} in {}: {e}",
                    a.path, a.store
                ),
                e,
            )
        })?;
        Ok(Some(Box::new(guard)))
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
        self.array.grid()
    }

    fn array_key(&self) -> &ArrayKey {
        &self.array.key
    }

    fn fill_value(&self) -> T {
        self.array.fill_value()
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
