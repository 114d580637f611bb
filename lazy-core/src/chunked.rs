//! The chunk engine: reads and writes of chunked storage, for every chunked
//! backend.
//!
//! A backend describes its storage as a regular grid of chunks
//! ([`ChunkSource`]: decode a chunk, or part of one; [`ChunkSink`]: store a
//! whole chunk) and the engine does the rest, the same way for every backend:
//!
//! - a [`Plan`]'s runs are cut at chunk boundaries: each chunk the plan
//!   touches gets the positions it holds (per axis a range or a list) and
//!   the block of the plan's buffer they fill, so one read decodes each
//!   chunk at most once, and copies only the selected elements;
//! - chunks are decoded in parallel (rayon, feature `parallel`), each
//!   straight into the caller's buffer when the read uses all of it and the
//!   buffer is contiguous there, else into a buffer of one chunk (reused by
//!   each thread; or of the part needed, where storage decodes parts
//!   cheaply) and gathered into the caller's buffer, strided or not;
//! - chunks a read uses only part of are kept in the [`Cache`], decoded,
//!   for the next read (a window scan decodes each chunk once), except
//!   chunks stored raw ([`ChunkSource::stores_raw`]: uncompressed chunks,
//!   contiguous data), of which a read reads just the part it needs;
//! - a write stores whole chunks: a chunk it covers is built from the new
//!   values, any other is read, changed and stored while the chunk is
//!   locked, so writers of disjoint elements of one chunk never undo each
//!   other (locked per chunk in the process, and across processes where the
//!   backend can: [`ChunkSink::lock`]); the cache is updated.
//!
//! ```
//! use lazy_core::backend::{read_chunks, write_chunks, ArrayKey, ChunkSink, ChunkSource, Grouping, Plan};
//! use lazy_core::{AxisSelection, Cache, Region, Result};
//! use ndarray::ArrayD;
//! use std::sync::Mutex;
//!
//! /// 10 numbers in chunks of 4 (the last one padded), kept in memory.
//! struct Chunks(Mutex<Vec<Vec<i32>>>, ArrayKey);
//!
//! impl ChunkSource<i32> for Chunks {
//!     fn shape(&self) -> &[usize] { &[10] }
//!     fn chunk_shape(&self) -> &[usize] { &[4] }
//!     fn array_key(&self) -> &ArrayKey { &self.1 }
//!     fn fill_value(&self) -> i32 { 0 }
//!     fn decode(&self, index: &[u64], out: &mut [i32]) -> Result<()> {
//!         out.copy_from_slice(&self.0.lock().unwrap()[index[0] as usize]);
//!         Ok(())
//!     }
//! }
//!
//! impl ChunkSink<i32> for Chunks {
//!     fn store(&self, index: &[u64], data: &[i32]) -> Result<()> {
//!         self.0.lock().unwrap()[index[0] as usize] = data.to_vec();
//!         Ok(())
//!     }
//! }
//!
//! let chunks = Chunks(Mutex::new(vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9, 0, 0]]), ArrayKey::new("memory", "/x"));
//! let cache = Cache::new(1 << 20);
//! // NumPy: x[::-3] = [9, 6, 3, 0]
//! let region = Region::new(vec![10], vec![AxisSelection::range(9, -3, 4)])?;
//! let plan = Plan::new(&region, |_| Grouping::Spans { gap: 4 })?;
//! let mut buf = ArrayD::<i32>::zeros(plan.shape());
//! read_chunks(&chunks, &cache, &plan, buf.view_mut())?;
//! assert_eq!(buf.as_slice().unwrap(), &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
//! // NumPy: x[[5, 9]] = [-5, -9]: two chunks read, changed and stored.
//! let region = Region::new(vec![10], vec![AxisSelection::List(vec![5, 9])])?;
//! let plan = Plan::new(&region, |_| Grouping::Exact)?;
//! write_chunks(&chunks, &cache, &plan, ndarray::arr1(&[-5, -9]).into_dyn().view())?;
//! assert_eq!(chunks.0.lock().unwrap()[1], vec![4, -5, 6, 7]);
//! assert_eq!(chunks.0.lock().unwrap()[2], vec![8, -9, 0, 0]);
//! # Ok::<(), lazy_core::Error>(())
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use ndarray::{ArrayViewD, ArrayViewMutD, Axis, IxDyn, Slice};

use crate::alloc::{checked_size, with_scratch, zeroed_vec};
use crate::blocks::{for_each_concurrent, for_each_parallel};
use crate::cache::{ArrayKey, Cache, Generation};
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ext::{DatasetExt, DatasetMutExt};
use crate::memory::assign;
use crate::plan::{Plan, RowMajor, Run};
use crate::region::{AxisSelection, Region};

/// Storage as a regular grid of chunks, read side: what a backend supplies
/// for [`read_chunks`].
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

    /// Whether [`decode_part`](Self::decode_part) costs less than decoding
    /// the whole chunk (uncompressed chunks read by byte ranges, shards by
    /// inner chunk); the default says no, and the engine decodes whole
    /// chunks.
    fn decodes_parts(&self) -> bool {
        false
    }

    /// Whether chunks are stored as their raw bytes (uncompressed chunks,
    /// contiguous data), so that reading any part of one costs about what
    /// copying it does: the engine then reads just the parts a read needs
    /// and keeps none in the cache, which pays only where decoding costs
    /// more than reading. The default says no.
    fn stores_raw(&self) -> bool {
        false
    }

    /// Reads the positions `region` (a region of the chunk, of the chunk
    /// shape) selects in chunk `index` straight into `out` (of its output
    /// shape), when storage can do that for less than decoding the box
    /// around them (an uncompressed chunk: a few byte ranges), and says
    /// whether it did; the default does not, and the engine decodes.
    fn read_selected(
        &self,
        index: &[u64],
        region: &Region,
        out: ArrayViewMutD<'_, T>,
    ) -> Result<bool> {
        let _ = (index, region, out);
        Ok(false)
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
}

/// Storage as a regular grid of chunks, write side: what a backend supplies
/// for [`write_chunks`].
pub trait ChunkSink<T: Element>: ChunkSource<T> {
    /// Encodes and stores chunk `index` from `data`, a row-major buffer of
    /// the chunk shape; a reader must see the old chunk or the new one,
    /// never a mix.
    fn store(&self, index: &[u64], data: &[T]) -> Result<()>;

    /// Locks chunk `index` against other processes' writes of it, until the
    /// guard is dropped; `None` (the default) where storage has no such
    /// lock. The engine holds it (and its own lock of the chunk within the
    /// process) around each chunk's read-modify-write and store.
    fn lock(&self, index: &[u64]) -> Result<Option<Box<dyn Send>>> {
        let _ = index;
        Ok(None)
    }

    /// Whether storing a chunk waits mostly on a remote service (an object
    /// store): the engine then stores chunks on threads of their own, up
    /// to [`LATENCY_THREADS`](crate::backend::LATENCY_THREADS) at once,
    /// rather than on the compute pool's few. The default says no.
    fn latency_bound(&self) -> bool {
        false
    }
}

/// What one axis of a plan selects inside one chunk: the positions (in the
/// chunk), in buffer order, which fill consecutive positions of the
/// buffer's axis.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AxisPart {
    chunk: u64,
    sel: AxisSelection,
}

/// The runs of one axis (ascending, disjoint) cut at chunk boundaries: one
/// part per chunk touched, in buffer order.
fn axis_parts(runs: &[Run], chunk_len: usize) -> Result<Vec<AxisPart>> {
    let len = chunk_len.max(1);
    let mut out: Vec<AxisPart> = Vec::new();
    for r in runs {
        let stride = r.stride.max(1);
        let mut k = 0;
        while k < r.count {
            let p = r.start + k * stride;
            let chunk = p / len;
            let end = (chunk + 1) * len;
            let k_end = ((end - r.start).div_ceil(stride)).min(r.count);
            let (start, count) = (p - chunk * len, k_end - k);
            let chunk = u64::try_from(chunk).map_err(|_| Error::index("chunk index overflow"))?;
            let step = isize::try_from(stride).map_err(|_| Error::index("stride overflow"))?;
            let sel = AxisSelection::range(start, step, count);
            match out.last_mut() {
                // Another run in the same chunk: the positions as a list.
                Some(last) if last.chunk == chunk => {
                    let mut list: Vec<usize> = last.sel.positions().collect();
                    list.extend(sel.positions());
                    last.sel = AxisSelection::List(list);
                }
                _ => out.push(AxisPart { chunk, sel }),
            }
            k = k_end;
        }
    }
    Ok(out)
}

/// One chunk a plan touches: its index, and the positions it holds as a
/// region of the chunk.
struct ChunkPart {
    index: Vec<u64>,
    region: Region,
}

/// The chunks a plan touches, in row-major order of the buffer blocks they
/// fill (so that they match [`split_blocks`]), and the parts of each axis.
fn chunk_parts(
    plan: &Plan,
    chunk_shape: &[usize],
    ndim: usize,
) -> Result<(Vec<Vec<AxisPart>>, Vec<ChunkPart>)> {
    let per_axis = (0..ndim)
        .map(|axis| axis_parts(plan.runs(axis), chunk_shape.get(axis).copied().unwrap_or(1)))
        .collect::<Result<Vec<_>>>()?;
    let parts = RowMajor::new(per_axis.iter().map(Vec::len).collect())
        .map(|idx| {
            let picked: Vec<&AxisPart> = idx
                .iter()
                .zip(&per_axis)
                .filter_map(|(&k, parts)| parts.get(k))
                .collect();
            Ok(ChunkPart {
                index: picked.iter().map(|p| p.chunk).collect(),
                region: Region::new(
                    chunk_shape.to_vec(),
                    picked.iter().map(|p| p.sel.clone()).collect(),
                )?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((per_axis, parts))
}

/// `buf` cut into the blocks of the chunks, in row-major order.
fn split_blocks<'a, T>(
    buf: ArrayViewMutD<'a, T>,
    per_axis: &[Vec<AxisPart>],
    axis: usize,
    out: &mut Vec<ArrayViewMutD<'a, T>>,
) {
    let Some(parts) = per_axis.get(axis) else {
        out.push(buf);
        return;
    };
    let mut rest = buf;
    for (i, p) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            split_blocks(rest, per_axis, axis + 1, out);
            return;
        }
        let (head, tail) = rest.split_at(Axis(axis), p.sel.count());
        split_blocks(head, per_axis, axis + 1, out);
        rest = tail;
    }
}

/// The blocks of `data` (of the buffer's shape), in row-major order.
fn data_blocks<'a, T>(
    data: &ArrayViewD<'a, T>,
    per_axis: &[Vec<AxisPart>],
) -> Vec<ArrayViewD<'a, T>> {
    let bounds: Vec<Vec<(usize, usize)>> = per_axis
        .iter()
        .map(|parts| {
            parts
                .iter()
                .scan(0, |o, p| {
                    let at = *o;
                    *o += p.sel.count();
                    Some((at, *o))
                })
                .collect()
        })
        .collect();
    RowMajor::new(per_axis.iter().map(Vec::len).collect())
        .map(|idx| {
            let mut v = data.clone();
            for (axis, &k) in idx.iter().enumerate() {
                let (a, b) = bounds
                    .get(axis)
                    .and_then(|b| b.get(k))
                    .copied()
                    .unwrap_or((0, 0));
                v.slice_axis_inplace(Axis(axis), Slice::from(a..b));
            }
            v
        })
        .collect()
}

/// A row-major view of `data` with `shape`.
fn view<'a, T>(shape: &[usize], data: &'a [T]) -> Result<ArrayViewD<'a, T>> {
    ArrayViewD::from_shape(IxDyn(shape), data).map_err(|e| Error::shape(e.to_string()))
}

/// A mutable row-major view of `data` with `shape`.
fn view_mut<'a, T>(shape: &[usize], data: &'a mut [T]) -> Result<ArrayViewMutD<'a, T>> {
    ArrayViewMutD::from_shape(IxDyn(shape), data).map_err(|e| Error::shape(e.to_string()))
}

/// The part of a chunk (of `chunk_shape`) inside an array of `shape`.
fn in_bounds(index: &[u64], chunk_shape: &[usize], shape: &[usize]) -> Vec<usize> {
    index
        .iter()
        .zip(chunk_shape)
        .zip(shape)
        .map(|((&c, &len), &n)| {
            let origin = (c as usize).saturating_mul(len);
            n.saturating_sub(origin).min(len)
        })
        .collect()
}

/// Whether `region` selects, in order, every position of the chunk inside
/// the array.
fn covers(region: &Region, bounds: &[usize]) -> bool {
    region
        .axes()
        .iter()
        .zip(bounds)
        .all(|(sel, &n)| *sel == AxisSelection::full(n))
}

/// The smallest box holding `region`'s positions: its start and shape.
fn bounding_box(region: &Region) -> (Vec<usize>, Vec<usize>) {
    region
        .axes()
        .iter()
        .map(|sel| match sel.bounds() {
            Some((lo, hi)) => (lo, hi - lo + 1),
            None => (0, 0),
        })
        .unzip()
}

/// `region` as a region of its box starting at `start` with `shape`.
fn shifted(region: &Region, start: &[usize], shape: &[usize]) -> Result<Region> {
    let axes = region
        .axes()
        .iter()
        .zip(start)
        .map(|(sel, &s)| match sel {
            AxisSelection::Index(i) => AxisSelection::Index(i - s),
            AxisSelection::Range { start, step, len } => {
                AxisSelection::range(start - s, *step, *len)
            }
            AxisSelection::List(l) => AxisSelection::List(l.iter().map(|p| p - s).collect()),
        })
        .collect();
    Region::new(shape.to_vec(), axes)
}

/// Fills `buf`, a buffer of the plan's shape (any memory layout), from the
/// chunks of `source` (see the module docs). The plan's runs may have any
/// stride; an [`Exact`](crate::backend::Grouping::Exact) plan copies the
/// selected elements only.
pub fn read_chunks<T, S>(
    source: &S,
    cache: &Cache,
    plan: &Plan,
    buf: ArrayViewMutD<'_, T>,
) -> Result<()>
where
    T: Element,
    S: ChunkSource<T> + ?Sized,
{
    if buf.shape() != plan.shape().as_slice() {
        return Err(Error::shape(format!(
            "a buffer of shape {:?} for a plan of shape {:?}",
            buf.shape(),
            plan.shape()
        )));
    }
    if buf.is_empty() {
        return Ok(());
    }
    let (per_axis, parts) = chunk_parts(plan, source.chunk_shape(), buf.ndim())?;
    let mut blocks = Vec::with_capacity(parts.len());
    split_blocks(buf, &per_axis, 0, &mut blocks);
    let jobs: Vec<(ChunkPart, ArrayViewMutD<'_, T>)> = parts.into_iter().zip(blocks).collect();
    for_each_parallel(jobs, &|(part, block)| {
        read_chunk(source, cache, &part, block)
    })
}

/// The chunks a read of `plan` touches, in row-major order of the grid
/// of `chunk_shape`: what storage with a cost per request (an object store)
/// fetches side by side before [`read_chunks`] decodes them.
///
/// ```
/// use lazy_core::backend::{chunks_of, Grouping, Plan};
/// use lazy_core::{AxisSelection, Region};
///
/// // x[[9, 0, 5]] of 10 elements in chunks of 4: chunks 2, 0 and 1.
/// let region = Region::new(vec![10], vec![AxisSelection::List(vec![9, 0, 5])])?;
/// let plan = Plan::new(&region, |_| Grouping::Exact)?;
/// assert_eq!(chunks_of(&plan, &[4])?, vec![vec![0], vec![1], vec![2]]);
/// # Ok::<(), lazy_core::Error>(())
/// ```
pub fn chunks_of(plan: &Plan, chunk_shape: &[usize]) -> Result<Vec<Vec<u64>>> {
    let ndim = plan.shape().len();
    let (_, parts) = chunk_parts(plan, chunk_shape, ndim)?;
    Ok(parts.into_iter().map(|p| p.index).collect())
}

/// Whether every chunk a read of the plan `plan` makes touches is held
/// decoded in `cache` (of any generation; storage that stores chunks raw
/// keeps none): what chunked backends answer
/// [`Dataset::in_memory`](crate::Dataset::in_memory) with. The plan is made
/// only when the cache could hold chunks.
pub fn chunks_cached<T, S>(source: &S, cache: &Cache, plan: impl FnOnce() -> Result<Plan>) -> bool
where
    T: Element,
    S: ChunkSource<T> + ?Sized,
{
    if cache.budget() == 0 || source.stores_raw() {
        return false;
    }
    let key = source.array_key();
    plan()
        .and_then(|plan| chunks_of(&plan, source.chunk_shape()))
        .is_ok_and(|chunks| chunks.iter().all(|index| cache.contains(key, index)))
}

/// Reads the positions of one chunk into their block.
fn read_chunk<T, S>(
    source: &S,
    cache: &Cache,
    part: &ChunkPart,
    mut block: ArrayViewMutD<'_, T>,
) -> Result<()>
where
    T: Element,
    S: ChunkSource<T> + ?Sized,
{
    let chunk_shape = source.chunk_shape();
    let n = checked_size(chunk_shape)?;
    let bytes = n.saturating_mul(std::mem::size_of::<T>());
    let (key, index, region) = (source.array_key(), &part.index, &part.region);
    let bounds = in_bounds(index, chunk_shape, source.shape());
    let whole = covers(region, &bounds);
    // A chunk held decoded (of the generation storage has now) is copied out.
    let generation = if cache.budget() > 0 && !source.stores_raw() {
        let generation = source.generation(index)?;
        if let Some(data) = cache.get::<T>(key, index, generation) {
            return view(chunk_shape, &data)?.read_into(region, block);
        }
        generation
    } else {
        None
    };
    // All of a chunk into a contiguous block of its shape: decoded in place.
    if whole && bounds.as_slice() == chunk_shape {
        if let Some(slice) = block.as_slice_mut() {
            return source.decode(index, slice);
        }
    }
    // Part of a chunk stored raw (uncompressed chunks, contiguous data):
    // just that part, never the rest, and not kept (the cache pays where
    // decoding costs more than reading).
    let (start, shape) = bounding_box(region);
    let part_size = checked_size(&shape)?;
    if source.stores_raw() && !whole {
        // The selected positions alone, where that costs less than the box.
        if source.read_selected(index, region, block.view_mut())? {
            return Ok(());
        }
        if read_raw_in_slabs(source, index, region, &shape, block.view_mut())? {
            return Ok(());
        }
        if part_size < n {
            return read_box(source, index, region, &start, &shape, block);
        }
    }
    // Part of a chunk, kept for the next read.
    if !whole && !source.stores_raw() && cache.would_keep(bytes) {
        let mut data = zeroed_vec::<T>(n)?;
        source.decode(index, &mut data)?;
        view(chunk_shape, &data)?.read_into(region, block)?;
        cache.insert(key, index, generation, Arc::new(data));
        return Ok(());
    }
    // Storage that reads just the selected positions (uncompressed chunks).
    if source.read_selected(index, region, block.view_mut())? {
        return Ok(());
    }
    // Part of a chunk not kept, in storage that decodes parts for less than
    // the whole (the prefix of a compressed chunk that holds them, inner
    // chunks of a shard): just the box around them.
    if !whole && source.decodes_parts() && part_size < n {
        return read_box(source, index, region, &start, &shape, block);
    }
    with_scratch::<T, _>(n, |scratch| {
        source.decode(index, scratch)?;
        view(chunk_shape, scratch)?.read_into(region, block)
    })
}

/// Reads the positions `region` selects in chunk `index` into `block` by
/// decoding just the box `start..start + shape` around them
/// ([`ChunkSource::decode_part`]) into the thread's scratch buffer.
fn read_box<T, S>(
    source: &S,
    index: &[u64],
    region: &Region,
    start: &[usize],
    shape: &[usize],
    block: ArrayViewMutD<'_, T>,
) -> Result<()>
where
    T: Element,
    S: ChunkSource<T> + ?Sized,
{
    let inner = shifted(region, start, shape)?;
    with_scratch::<T, _>(checked_size(shape)?, |scratch| {
        source.decode_part(index, start, shape, scratch)?;
        view(shape, scratch)?.read_into(&inner, block)
    })
}

/// The most bytes of a raw chunk [`read_raw_in_slabs`] reads at once: what
/// stays in a core's cache until its elements are gathered.
const SLAB_BYTES: usize = 256 << 10;

/// Reads part of a raw chunk (`stores_raw`) whose bounding box (of shape
/// `box_shape`) is larger than [`SLAB_BYTES`] in slabs along the first output axis (a range with a
/// positive step): each slab's box is read into the thread's scratch buffer
/// and its elements gathered into `block` while they are in the cache,
/// instead of the whole box read out to memory and read back. Returns
/// whether it applied (a canonical region, positive step, a large box).
fn read_raw_in_slabs<T, S>(
    source: &S,
    index: &[u64],
    region: &Region,
    box_shape: &[usize],
    mut block: ArrayViewMutD<'_, T>,
) -> Result<bool>
where
    T: Element,
    S: ChunkSource<T> + ?Sized,
{
    let box_bytes = checked_size(box_shape)?.saturating_mul(std::mem::size_of::<T>());
    let first = match region.out_axes().first() {
        Some(&crate::OutAxis::Source(k)) => region.axes().get(k),
        _ => None,
    };
    let len = match first {
        Some(&AxisSelection::Range { step, len, .. }) if step > 0 && len > 1 => len,
        _ => return Ok(false),
    };
    if box_bytes <= SLAB_BYTES || !region.is_canonical() || block.ndim() == 0 {
        return Ok(false);
    }
    // Output positions along the first axis per slab.
    let per = (len.saturating_mul(SLAB_BYTES) / box_bytes).max(1);
    let mut rest = region.clone();
    let mut at = 0;
    while at < len {
        let take = per.min(len - at);
        let (piece, remaining) = rest.split_out(0, take)?;
        let (piece_block, rest_block) = block.split_at(Axis(0), take);
        let (start, shape) = bounding_box(&piece);
        read_box(source, index, &piece, &start, &shape, piece_block)?;
        (rest, block, at) = (remaining, rest_block, at + take);
    }
    Ok(true)
}

/// What one more read of storage costs, in bytes read: a system call and
/// its setup take about as long as copying 16 KiB from the page cache.
pub const READ_COST: usize = 16 << 10;

/// Reads the positions `region` (a canonical region of a chunk of
/// `chunk_shape`) selects from an *uncompressed* row-major chunk, through
/// `read_at(byte_offset, buf)` (fills `buf` from that offset of the chunk's
/// bytes; `Ok(false)` when the chunk was never written, which then reads as
/// `fill`), into `out`: for each combination of the selected positions of
/// the outer axes, the runs of selected positions of the last axis (runs
/// closer than [`READ_COST`] bytes merged). Returns `Ok(false)`, having
/// read nothing, when that would cost more than half of reading the box
/// around the selection (counting [`READ_COST`] bytes for each read), or
/// for `bool`, whose stored bytes are not all valid `bool`s.
///
/// ```
/// use lazy_core::backend::read_selected_raw;
/// use lazy_core::{AxisSelection, Region};
/// use ndarray::ArrayD;
///
/// // A chunk of 100,000 u32 holding 0, 1, 2, …: three far-apart positions.
/// let stored: Vec<u8> = (0..100_000u32).flat_map(|v| v.to_ne_bytes()).collect();
/// let mut reads = 0;
/// let region = Region::new(vec![100_000], vec![AxisSelection::List(vec![90_000, 5, 50_000])])?;
/// let mut out = ArrayD::<u32>::zeros(vec![3]);
/// let done = read_selected_raw(&region, &[100_000], 0, out.view_mut(), |at, buf| {
///     reads += 1;
///     buf.copy_from_slice(&stored[at..at + buf.len()]);
///     Ok(true)
/// })?;
/// assert!(done);
/// assert_eq!(out.as_slice().unwrap(), &[90_000, 5, 50_000]);
/// assert_eq!(reads, 3);
/// # Ok::<(), lazy_core::Error>(())
/// ```
pub fn read_selected_raw<T: Element>(
    region: &Region,
    chunk_shape: &[usize],
    fill: T,
    mut out: ArrayViewMutD<'_, T>,
    mut read_at: impl FnMut(usize, &mut [u8]) -> Result<bool>,
) -> Result<bool> {
    let Some((last, outer)) = region.axes().split_last() else {
        return Ok(false);
    };
    if T::DTYPE == crate::element::DType::Bool || out.ndim() != region.axes().len() {
        return Ok(false);
    }
    let elem = std::mem::size_of::<T>();
    let rows: usize = outer.iter().map(AxisSelection::count).product();
    let Some((lo, hi)) = last.bounds() else {
        return Ok(false);
    };
    // Runs of the last axis, inclusive, merged across small gaps: of a
    // range, worked out (one run, or one per position); of a list, from
    // its sorted positions.
    let runs: Vec<(usize, usize)> = match *last {
        AxisSelection::Range { step, .. }
            if (step.unsigned_abs() - 1).saturating_mul(elem) < READ_COST =>
        {
            vec![(lo, hi)]
        }
        _ if rows.saturating_mul(last.count()) > 65_536
            && matches!(last, AxisSelection::Range { .. }) =>
        {
            return Ok(false);
        }
        _ => {
            let mut positions: Vec<usize> = last.positions().collect();
            positions.sort_unstable();
            positions.dedup();
            let mut runs: Vec<(usize, usize)> = Vec::new();
            for &p in &positions {
                match runs.last_mut() {
                    Some(run) if (p - run.1 - 1).saturating_mul(elem) < READ_COST => run.1 = p,
                    _ => runs.push((p, p)),
                }
            }
            runs
        }
    };
    let reads = rows.saturating_mul(runs.len());
    let run_bytes: usize = runs.iter().map(|(a, b)| (b - a + 1) * elem).sum();
    let selected_cost = reads
        .saturating_mul(READ_COST)
        .saturating_add(rows.saturating_mul(run_bytes));
    let boxed: usize = region
        .axes()
        .iter()
        .map(|a| a.bounds().map_or(0, |(l, h)| h - l + 1))
        .fold(1usize, usize::saturating_mul);
    let box_cost = READ_COST.saturating_add(boxed.saturating_mul(elem));
    if reads > 65_536 || selected_cost.saturating_mul(2) > box_cost {
        return Ok(false);
    }
    let strides: Vec<usize> = (0..chunk_shape.len())
        .map(|k| chunk_shape.get(k + 1..).map_or(1, |s| s.iter().product()))
        .collect();
    let mut row = zeroed_vec::<T>(hi - lo + 1)?;
    let picks: Vec<usize> = last.positions().map(|p| p - lo).collect();
    for idx in RowMajor::new(outer.iter().map(AxisSelection::count).collect()) {
        let base: usize = idx
            .iter()
            .zip(outer)
            .zip(&strides)
            .map(|((&k, sel), &s)| sel.position(k).unwrap_or(0) * s)
            .sum();
        for &(a, b) in &runs {
            let part = row
                .get_mut(a - lo..=b - lo)
                .and_then(crate::element::bytes_mut)
                .ok_or_else(|| Error::value("internal error: a run outside its row"))?;
            if !read_at((base + a) * elem, part)? {
                out.fill(fill);
                return Ok(true);
            }
        }
        // The output row: the outer positions fix every axis but the last.
        let mut target = out.view_mut();
        for &k in &idx {
            target = target.index_axis_move(Axis(0), k);
        }
        for (o, &p) in target.iter_mut().zip(&picks) {
            *o = row.get(p).copied().unwrap_or(fill);
        }
    }
    Ok(true)
}

/// The process-wide registry of chunk locks: one mutex per chunk being
/// written, shared by every handle on the array.
fn chunk_mutex(key: &ArrayKey, index: &[u64]) -> Arc<Mutex<()>> {
    type Registry = Mutex<HashMap<(ArrayKey, Vec<u64>), Weak<Mutex<()>>>>;
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    let registry = REGISTRY.get_or_init(Registry::default);
    let mut map = registry
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let id = (key.clone(), index.to_vec());
    if let Some(m) = map.get(&id).and_then(Weak::upgrade) {
        return m;
    }
    if map.len() > 1024 {
        map.retain(|_, w| w.strong_count() > 0);
    }
    let m = Arc::new(Mutex::new(()));
    map.insert(id, Arc::downgrade(&m));
    m
}

/// Writes `data`, a buffer of the plan's shape (any memory layout), into the
/// chunks of `sink`. Every element of the buffer must be a selected one
/// ([`Plan::is_complete`]: plans grouped [`Exact`](crate::backend::Grouping::Exact)
/// are), since each is stored.
pub fn write_chunks<T, S>(
    sink: &S,
    cache: &Cache,
    plan: &Plan,
    data: ArrayViewD<'_, T>,
) -> Result<()>
where
    T: Element,
    S: ChunkSink<T> + ?Sized,
{
    if data.shape() != plan.shape().as_slice() {
        return Err(Error::shape(format!(
            "data of shape {:?} for a plan of shape {:?}",
            data.shape(),
            plan.shape()
        )));
    }
    if !plan.is_complete() {
        return Err(Error::value(
            "internal error: a write through chunks needs a plan of selected elements only",
        ));
    }
    if data.is_empty() {
        return Ok(());
    }
    let (per_axis, parts) = chunk_parts(plan, sink.chunk_shape(), data.ndim())?;
    let blocks = data_blocks(&data, &per_axis);
    let jobs: Vec<(ChunkPart, ArrayViewD<'_, T>)> = parts.into_iter().zip(blocks).collect();
    for_each_concurrent(jobs, sink.latency_bound(), &|(part, block)| {
        write_chunk(sink, cache, &part, block)
    })
}

/// Writes the positions of one chunk: builds or reads the chunk, changes it
/// and stores it, locked.
fn write_chunk<T, S>(
    sink: &S,
    cache: &Cache,
    part: &ChunkPart,
    block: ArrayViewD<'_, T>,
) -> Result<()>
where
    T: Element,
    S: ChunkSink<T> + ?Sized,
{
    let chunk_shape = sink.chunk_shape();
    let n = checked_size(chunk_shape)?;
    let (key, index, region) = (sink.array_key(), &part.index, &part.region);
    let bounds = in_bounds(index, chunk_shape, sink.shape());
    let whole = covers(region, &bounds);
    let mutex = chunk_mutex(key, index);
    let _in_process = mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let _across = sink.lock(index)?;
    let mut chunk = zeroed_vec::<T>(n)?;
    if whole {
        chunk.fill(sink.fill_value());
    } else {
        // The chunk as stored now, never from the cache: another process
        // may have changed it.
        sink.decode(index, &mut chunk)?;
    }
    view_mut(chunk_shape, &mut chunk)?.write_from(region, block)?;
    sink.store(index, &chunk)?;
    if cache.would_keep(n.saturating_mul(std::mem::size_of::<T>())) {
        let generation = sink.generation(index)?;
        cache.insert(key, index, generation, Arc::new(chunk));
    } else {
        cache.remove(key, index);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Grouping;

    fn run(start: usize, stride: usize, count: usize) -> Run {
        Run {
            start,
            stride,
            count,
            offset: 0,
        }
    }

    fn parts(runs: &[Run], len: usize) -> Vec<(u64, AxisSelection)> {
        axis_parts(runs, len)
            .unwrap()
            .into_iter()
            .map(|p| (p.chunk, p.sel))
            .collect()
    }

    #[test]
    fn runs_are_cut_at_chunk_boundaries() {
        assert_eq!(
            parts(&[run(3, 1, 10)], 4),
            vec![
                (0, AxisSelection::range(3, 1, 1)),
                (1, AxisSelection::full(4)),
                (2, AxisSelection::full(4)),
                (3, AxisSelection::range(0, 1, 1)),
            ]
        );
        // Strided: positions 1, 6, 11, 16 in chunks of 5.
        let got = parts(&[run(1, 5, 4)], 5);
        assert_eq!(got.len(), 4);
        assert!(got
            .iter()
            .all(|(_, sel)| *sel == AxisSelection::range(1, 1, 1)));
        // A stride shorter than a chunk: 0, 3, 6, 9 in chunks of 8.
        assert_eq!(
            parts(&[run(0, 3, 4)], 8),
            vec![
                (0, AxisSelection::range(0, 3, 3)),
                (1, AxisSelection::range(1, 1, 1))
            ]
        );
        // Two runs in one chunk: their positions as a list.
        assert_eq!(
            parts(&[run(0, 1, 2), run(5, 2, 2)], 10),
            vec![(0, AxisSelection::List(vec![0, 1, 5, 7]))]
        );
    }

    #[test]
    fn one_part_per_chunk() {
        let region = Region::new(
            vec![10, 10],
            vec![
                AxisSelection::List(vec![9, 0, 1]),
                AxisSelection::range(2, 1, 6),
            ],
        )
        .unwrap();
        let plan = Plan::new(&region, |_| Grouping::Exact).unwrap();
        let (_, parts) = chunk_parts(&plan, &[5, 5], 2).unwrap();
        let chunks: Vec<Vec<u64>> = parts.iter().map(|p| p.index.clone()).collect();
        assert_eq!(chunks, vec![vec![0, 0], vec![0, 1], vec![1, 0], vec![1, 1]]);
        assert_eq!(parts[0].region.axes()[0], AxisSelection::range(0, 1, 2));
        assert_eq!(
            parts[3].region.axes(),
            &[AxisSelection::range(4, 1, 1), AxisSelection::range(0, 1, 3)]
        );
    }
}
