//! [`ChunkSource`]: storage as a regular grid of chunks, read side — what a
//! backend supplies so that the chunk engine can read it.

use ndarray::Slice;

use crate::alloc::{checked_size, zeroed_vec};
use crate::cache::{ArrayKey, Generation};
use crate::element::{Element, Strided};
use crate::error::Result;
use crate::memory::assign;

use super::geometry::{view, view_mut};
use super::raw::RawChunk;

/// Storage as a regular grid of chunks, read side: what a backend supplies
/// for [`read_chunked`](crate::backend::read_chunked).
///
/// Implement it on a private adaptor of the backend's dataset type (a
/// struct holding a reference to it), not on the dataset type itself: its
/// methods read storage past the checks, locks and cache of the chunk
/// engine, and users of the dataset should not see them.
pub trait ChunkSource<T: Element>: Sync {
    /// The array's shape.
    fn shape(&self) -> &[usize];

    /// The chunk shape; chunk `c` of an axis holds positions
    /// `c * len..(c + 1) * len`. Chunks at the far edge are stored whole, the
    /// positions past the array's end unused.
    fn chunk_shape(&self) -> &[usize];

    /// The array, for the cache.
    fn array_key(&self) -> &ArrayKey;

    /// The value of elements never written.
    fn fill_value(&self) -> T;

    /// The array as the engine's messages name it (a chunk that cannot be
    /// read: `"cannot read chunk [3] of <this>: …"`); by default its
    /// [`ArrayKey`]. Backends say it as their own messages do
    /// (`dataset "/x" in "a.h5"`).
    fn describe(&self) -> String {
        self.array_key().to_string()
    }

    /// The generation of chunk `index` in storage (see [`Generation`]), or
    /// `None` (the default) when storage cannot tell: cached chunks are then
    /// trusted until a write through this process replaces them.
    fn generation(&self, index: &[u64]) -> Result<Option<Generation>> {
        let _ = index;
        Ok(None)
    }

    /// Decodes chunk `index` into `out`, a row-major buffer of the chunk
    /// shape; a chunk never written reads as the fill value. Elements past
    /// the array's end may be left as they are.
    fn decode(&self, index: &[u64], out: &mut [T]) -> Result<()>;

    /// Decodes all of chunk `index` (a chunk inside the array: no
    /// positions past its end) straight into `out`, its elements in
    /// row-major order: a column of an interleaved output (a stack along
    /// its last axis), written without a temporary. Returns `false`, having
    /// written nothing, where storage cannot do better than decoding into a
    /// buffer: the default, and then the engine decodes into the thread's
    /// buffer and copies. Storage whose last decoding step produces elements
    /// one by one (HDF5's unshuffle) overrides it.
    fn decode_strided(&self, index: &[u64], out: &mut Strided<'_, T>) -> Result<bool> {
        let _ = (index, out);
        Ok(false)
    }

    /// Whether [`decode_part`](Self::decode_part) costs less than decoding
    /// the whole chunk (the prefix of a compressed chunk, shards by inner
    /// chunk); the default says no, and the engine decodes whole chunks.
    fn decodes_parts(&self) -> bool {
        false
    }

    /// Decodes the box `start..start + shape` of chunk `index` (in the
    /// chunk's coordinates, inside the array) into `out`, a row-major buffer
    /// of `shape`. Storage that can decode part of a chunk cheaply
    /// overrides the default, which decodes the whole chunk, and
    /// [`decodes_parts`](Self::decodes_parts).
    fn decode_part(
        &self,
        index: &[u64],
        start: &[usize],
        shape: &[usize],
        out: &mut [T],
    ) -> Result<()> {
        let chunk_shape = self.chunk_shape();
        let mut whole = zeroed_vec::<T>(checked_size(chunk_shape)?)?;
        self.decode(index, &mut whole)?;
        let whole = view(chunk_shape, &whole)?;
        let part = whole.slice_each_axis(|ax| {
            let k = ax.axis.index();
            let s = start.get(k).copied().unwrap_or(0);
            Slice::from(s..s + shape.get(k).copied().unwrap_or(0))
        });
        assign(view_mut(shape, out)?, part);
        Ok(())
    }

    /// Whether chunks are stored as their raw bytes (uncompressed chunks,
    /// contiguous data), so that reading any part of one costs about what
    /// copying it does: the engine then reads just the parts a read needs,
    /// through [`raw`](Self::raw), and keeps none in the cache, which pays
    /// only where decoding costs more than reading. The default says no.
    fn stores_raw(&self) -> bool {
        false
    }

    /// Chunk `index` of storage that [`stores_raw`](Self::stores_raw), open
    /// for reading: one version of its bytes (an open file, which a writer
    /// replacing the chunk by renaming does not change, or bytes in
    /// memory), from which the engine reads every part of the chunk a read
    /// needs, so that a read never mixes two versions of a chunk. `None`
    /// when the chunk was never written ([`decode`](Self::decode) then
    /// gives its fill value). The default opens nothing.
    fn raw(&self, index: &[u64]) -> Result<Option<RawChunk<'_>>> {
        let _ = index;
        Ok(None)
    }

    /// Whether a read fetches its chunks side by side before decoding them
    /// ([`prefetch`](Self::prefetch)): storage with a cost per request (an
    /// object store). The default says no.
    fn prefetches(&self) -> bool {
        false
    }

    /// Fetches the stored bytes of `chunks` — the chunks a read needs that
    /// the cache does not hold, in row-major order of the grid — side by
    /// side, and returns a source that decodes those chunks from what it
    /// fetched (and any other as this one does); called only when
    /// [`prefetches`](Self::prefetches) says so. The default fetches
    /// nothing (`None`: each chunk is read when it is decoded).
    #[allow(clippy::type_complexity)]
    fn prefetch(&self, chunks: &[Vec<u64>]) -> Result<Option<Box<dyn ChunkSource<T> + '_>>> {
        let _ = chunks;
        Ok(None)
    }
}
