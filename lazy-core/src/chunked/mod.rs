//! The chunk engine: reads and writes of chunked storage, the same for every
//! chunked backend.
//!
//! A backend describes its storage as a regular grid of chunks — its grid,
//! how a chunk is fetched and decoded ([`ChunkSource`]), encoded and stored
//! ([`ChunkSink`]) — on a private adaptor of its dataset type, and its
//! `read_region`, `write_region` and `in_memory` are one call each:
//! [`read_chunked`], [`write_chunked`] and [`chunked_in_memory`]. The
//! engine does the rest:
//!
//! - a region is planned exactly (the selected positions, as regular
//!   runs), and the runs are cut at chunk boundaries: each chunk touched
//!   gets the positions it holds and the block of the buffer they fill, so
//!   a read decodes each chunk at most once and copies only the selected
//!   elements (the geometry is in `geometry.rs`);
//! - chunks are decoded in parallel (rayon, feature `parallel`), each
//!   straight into the caller's buffer when the read uses all of it and the
//!   buffer is contiguous there; into its evenly spaced elements (a column
//!   of a stack's output) by storage whose last step writes elements one by
//!   one ([`ChunkSource::decode_strided`]: HDF5's unshuffle), or decoded
//!   into the thread's buffer and copied in one strided pass; else into a
//!   buffer of one chunk (reused by each thread; or of the part needed,
//!   where storage decodes parts cheaply) and gathered into the caller's
//!   buffer, strided or not (`read.rs`); storage with a cost per request
//!   fetches a read's chunks side by side first ([`ChunkSource::prefetch`]);
//! - chunks a read uses only part of are kept in the [`Cache`], decoded,
//!   for the next read (a window scan decodes each chunk once), except
//!   chunks stored raw ([`ChunkSource::stores_raw`]: uncompressed chunks,
//!   contiguous data), of which a read reads just the part it needs from
//!   one version of the chunk ([`RawChunk`], `raw.rs`) and keeps nothing;
//! - a write stores whole chunks: a chunk it covers is built from the new
//!   values, any other is read, changed and stored while the chunk is
//!   locked, so writers of disjoint elements of one chunk never undo each
//!   other (locked per chunk in the process, and across processes where the
//!   backend can: [`ChunkSink::lock`]); a chunk changed in part is read
//!   from the cache when storage tells its generation and the cached one
//!   is of it, and is kept in the cache; a chunk written whole is built in
//!   a reused buffer and dropped from the cache (`write.rs`);
//! - [`write_chunked_masked`] stores blocks of values where masks say
//!   (what a [`Buffered`](crate::Buffered) handle writes back), each chunk
//!   locked, read, changed and stored once.
//!
//! A backend in a few lines: ten numbers in chunks of four, kept in memory.
//!
//! ```
//! use lazy_core::backend::{chunked_in_memory, read_chunked, write_chunked, ArrayKey, ChunkSink, ChunkSource};
//! use lazy_core::{Cache, CheckedRegion, Dataset, DatasetExt, DatasetMut, DatasetMutExt, DynSelection, Region, Result, SelectionItem as S};
//! use ndarray::{ArrayViewD, ArrayViewMutD};
//! use std::sync::Mutex;
//! use typenum::U1;
//!
//! /// The dataset users see: no chunk methods on it.
//! pub struct Numbers { chunks: Mutex<Vec<Vec<i32>>>, key: ArrayKey, cache: Cache }
//!
//! /// The engine's view of it: private to the backend.
//! struct Grid<'a>(&'a Numbers);
//!
//! impl ChunkSource<i32> for Grid<'_> {
//!     fn shape(&self) -> &[usize] { &[10] }
//!     fn chunk_shape(&self) -> &[usize] { &[4] }
//!     fn array_key(&self) -> &ArrayKey { &self.0.key }
//!     fn fill_value(&self) -> i32 { 0 }
//!     fn decode(&self, index: &[u64], out: &mut [i32]) -> Result<()> {
//!         out.copy_from_slice(&self.0.chunks.lock().unwrap()[index[0] as usize]);
//!         Ok(())
//!     }
//! }
//!
//! impl ChunkSink<i32> for Grid<'_> {
//!     fn store(&self, index: &[u64], data: &[i32]) -> Result<()> {
//!         self.0.chunks.lock().unwrap()[index[0] as usize] = data.to_vec();
//!         Ok(())
//!     }
//! }
//!
//! impl Dataset for Numbers {
//!     type Elem = i32;
//!     type Rank = U1;
//!     fn shape(&self) -> &[usize] { &[10] }
//!     fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, i32>) -> Result<()> {
//!         read_chunked(&Grid(self), &self.cache, region, out)
//!     }
//!     fn in_memory(&self, region: &Region) -> bool {
//!         chunked_in_memory(&Grid(self), &self.cache, region)
//!     }
//! }
//!
//! impl DatasetMut for Numbers {
//!     fn write_region(&mut self, region: CheckedRegion<'_>, src: ArrayViewD<'_, i32>) -> Result<()> {
//!         write_chunked(&Grid(self), &self.cache, region, src)
//!     }
//! }
//!
//! let chunks = vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9, 0, 0]];
//! let mut x = Numbers { chunks: Mutex::new(chunks), key: ArrayKey::new("memory", "/x"), cache: Cache::new(1 << 20) };
//! // NumPy: x[::-3]
//! let rev = DynSelection::from(vec![S::slice(None, None, Some(-3))]);
//! assert_eq!(x.read_dyn(&rev)?.as_slice().unwrap(), &[9, 6, 3, 0]);
//! // NumPy: x[[5, 9]] = [-5, -9]: chunks 1 and 2 read, changed and stored.
//! x.write_dyn(&DynSelection::from(vec![S::List(vec![5, 9])]), ndarray::arr1(&[-5, -9]).into_dyn().view())?;
//! assert_eq!(x.chunks.lock().unwrap()[1], vec![4, -5, 6, 7]);
//! assert_eq!(x.chunks.lock().unwrap()[2], vec![8, -9, 0, 0]);
//! # Ok::<(), lazy_core::Error>(())
//! ```

mod geometry;
mod raw;
mod read;
mod sink;
mod source;
mod write;

use ndarray::{ArrayViewD, ArrayViewMutD};

pub use geometry::{BoxSpan, ChunkInside};
pub use raw::{RawChunk, READ_COST};
pub use sink::ChunkSink;
pub use source::ChunkSource;

use crate::cache::Cache;
use crate::dataset::CheckedRegion;
use crate::element::Element;
use crate::error::Result;
use crate::masked::MaskedBlock;
use crate::plan::{Grouping, Plan};
use crate::region::Region;
use crate::transfer::{read_via, write_via};

/// The plan of every chunked read and write: the selected positions exactly.
fn exact(region: &Region) -> Result<Plan> {
    Plan::new(region, |_| Grouping::Exact)
}

/// Reads `region` of chunked storage into `out`: a chunked backend's
/// [`Dataset::read_region`](crate::Dataset::read_region) (see the module
/// docs). Storage that [prefetches](ChunkSource::prefetch) gets the chunks
/// the read needs and the cache does not hold, first.
pub fn read_chunked<T, S>(
    source: &S,
    cache: &Cache,
    region: CheckedRegion<'_>,
    out: ArrayViewMutD<'_, T>,
) -> Result<()>
where
    T: Element,
    S: ChunkSource<T> + ?Sized,
{
    read_via(&region, out, usize::MAX, &exact, &|plan, buf| {
        if source.prefetches() {
            let key = source.array_key();
            let missing: Vec<Vec<u64>> = read::chunks_of(plan, source.chunk_shape())?
                .into_iter()
                .filter(|index| cache.budget() == 0 || !cache.contains(key, index))
                .collect();
            if let Some(fetched) = source.prefetch(&missing)? {
                return read::read_chunks(&*fetched, cache, plan, buf);
            }
        }
        read::read_chunks(source, cache, plan, buf)
    })
}

/// Writes `src` (of `region`'s output shape) into chunked storage: a
/// chunked backend's [`DatasetMut::write_region`](crate::DatasetMut::write_region)
/// (see the module docs).
pub fn write_chunked<T, S>(
    sink: &S,
    cache: &Cache,
    region: CheckedRegion<'_>,
    src: ArrayViewD<'_, T>,
) -> Result<()>
where
    T: Element,
    S: ChunkSink<T> + ?Sized,
{
    write_via(&exact(&region)?, src, None, |plan, data| {
        write::write_chunks(sink, cache, plan, data)
    })
}

/// Stores each block's values where its mask is true into chunked storage,
/// every other element kept: a chunked backend's
/// [`DatasetMut::write_masked`](crate::DatasetMut::write_masked). Each
/// chunk a block touches is locked, read from storage (unless the block
/// sets all of it), changed and stored once, chunks encoded and stored in
/// parallel, the cache kept up to date.
pub fn write_chunked_masked<T, S>(
    sink: &S,
    cache: &Cache,
    blocks: &[MaskedBlock<'_, T>],
) -> Result<()>
where
    T: Element,
    S: ChunkSink<T> + ?Sized,
{
    write::write_masked_chunks(sink, cache, blocks)
}

/// Whether every chunk a read of `region` touches is held decoded in
/// `cache` (of any generation; storage that stores chunks raw keeps none):
/// a chunked backend's [`Dataset::in_memory`](crate::Dataset::in_memory).
/// Costs nothing where the cache holds nothing.
pub fn chunked_in_memory<T, S>(source: &S, cache: &Cache, region: &Region) -> bool
where
    T: Element,
    S: ChunkSource<T> + ?Sized,
{
    read::chunks_cached(source, cache, || exact(region))
}
