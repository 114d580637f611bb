//! The chunk engine: reads and writes of chunked storage, for every chunked
//! backend.
//!
//! A backend describes its storage as a regular grid of chunks
//! ([`ChunkSource`]: decode a chunk, or part of one; [`ChunkSink`]: store a
//! whole chunk) and the engine does the rest, the same way for every backend:
//!
//! - a [`Plan`]'s runs are cut at chunk boundaries into *tasks* (one run per
//!   axis inside one chunk, and the block of the buffer it fills), grouped
//!   by chunk, so that one read decodes each chunk at most once;
//! - chunks are decoded in parallel (rayon, feature `parallel`), each
//!   straight into the caller's buffer when the read uses all of it and the
//!   buffer is contiguous there, else through a buffer of one chunk (or of
//!   the part needed, which storage may decode partially) copied into the
//!   caller's buffer, strided or not;
//! - chunks a read uses only part of are kept in the [`Cache`], decoded,
//!   for the next read (a window scan decodes each chunk once);
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

use crate::alloc::{checked_size, zeroed_vec};
use crate::blocks::for_each_parallel;
use crate::cache::{ArrayKey, Cache, Generation};
use crate::element::Element;
use crate::error::{Error, Result};
use crate::memory::assign;
use crate::plan::{Plan, RowMajor, Run};

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

    /// Decodes the box `start..start + shape` of chunk `index` (in the
    /// chunk's coordinates, inside the array) into `out`, a row-major buffer
    /// of `shape`. Storage that can decode part of a chunk (uncompressed
    /// chunks, shards) overrides the default, which decodes the whole chunk.
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

    /// Locks chunk `index` against other processes for a read-modify-write,
    /// until the guard is dropped; `None` (the default) where storage has no
    /// such lock. Within the process the engine locks chunks itself.
    fn lock(&self, index: &[u64]) -> Result<Option<Box<dyn Send>>> {
        let _ = index;
        Ok(None)
    }
}

/// One run of one axis inside one chunk, and where it goes in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    /// The chunk's index along the axis.
    chunk: u64,
    /// The first position, in the chunk.
    start: usize,
    stride: usize,
    count: usize,
}

/// The runs of one axis cut at chunk boundaries, in buffer order (so the
/// segments' buffer blocks are consecutive and cover the buffer's axis).
fn segments(runs: &[Run], chunk_len: usize) -> Result<Vec<Segment>> {
    let len = chunk_len.max(1);
    let mut out = Vec::new();
    for r in runs {
        let stride = r.stride.max(1);
        let mut k = 0;
        while k < r.count {
            let p = r.start + k * stride;
            let chunk = p / len;
            let end = (chunk + 1) * len;
            let k_end = ((end - r.start).div_ceil(stride)).min(r.count);
            out.push(Segment {
                chunk: u64::try_from(chunk).map_err(|_| Error::index("chunk index overflow"))?,
                start: p - chunk * len,
                stride,
                count: k_end - k,
            });
            k = k_end;
        }
    }
    Ok(out)
}

/// One box of one chunk: its segment on each axis.
type Task = Vec<Segment>;

/// The tasks of one chunk, each with its block of the buffer.
type ChunkParts<'t, B> = (Vec<u64>, Vec<(&'t Task, B)>);

/// The tasks of a plan on a chunk grid, in row-major order of the buffer
/// blocks they fill (so that they match [`split_blocks`]).
fn tasks(
    plan: &Plan,
    chunk_shape: &[usize],
    ndim: usize,
) -> Result<(Vec<Vec<Segment>>, Vec<Task>)> {
    let per_axis = (0..ndim)
        .map(|axis| segments(plan.runs(axis), chunk_shape.get(axis).copied().unwrap_or(1)))
        .collect::<Result<Vec<_>>>()?;
    let tasks = RowMajor::new(per_axis.iter().map(Vec::len).collect())
        .map(|idx| {
            idx.iter()
                .zip(&per_axis)
                .filter_map(|(&k, segs)| segs.get(k).copied())
                .collect()
        })
        .collect();
    Ok((per_axis, tasks))
}

/// `buf` cut into the blocks of the segments, in row-major order.
fn split_blocks<'a, T>(
    buf: ArrayViewMutD<'a, T>,
    per_axis: &[Vec<Segment>],
    axis: usize,
    out: &mut Vec<ArrayViewMutD<'a, T>>,
) {
    let Some(segs) = per_axis.get(axis) else {
        out.push(buf);
        return;
    };
    let mut rest = buf;
    for (i, s) in segs.iter().enumerate() {
        if i + 1 == segs.len() {
            split_blocks(rest, per_axis, axis + 1, out);
            return;
        }
        let (head, tail) = rest.split_at(Axis(axis), s.count);
        split_blocks(head, per_axis, axis + 1, out);
        rest = tail;
    }
}

/// The block of `data` (of the buffer's shape) each task reads, in order.
fn data_blocks<'a, T>(
    data: &ArrayViewD<'a, T>,
    tasks: &[Task],
    per_axis: &[Vec<Segment>],
) -> Vec<ArrayViewD<'a, T>> {
    // Offsets of each segment in its buffer axis.
    let offsets: Vec<Vec<usize>> = per_axis
        .iter()
        .map(|segs| {
            segs.iter()
                .scan(0, |o, s| {
                    let at = *o;
                    *o += s.count;
                    Some(at)
                })
                .collect()
        })
        .collect();
    RowMajor::new(per_axis.iter().map(Vec::len).collect())
        .zip(tasks)
        .map(|(idx, task)| {
            let mut v = data.clone();
            for (axis, (&k, s)) in idx.iter().zip(task).enumerate() {
                let at = offsets
                    .get(axis)
                    .and_then(|o| o.get(k))
                    .copied()
                    .unwrap_or(0);
                v.slice_axis_inplace(Axis(axis), Slice::from(at..at + s.count));
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

/// The positions of a segment in its chunk, as an ndarray slice.
fn within(s: &Segment) -> Slice {
    let last = s.start + s.count.saturating_sub(1) * s.stride;
    Slice::new(s.start as isize, Some(last as isize + 1), s.stride as isize)
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

/// Whether `task` is all of the chunk's positions inside the array.
fn covers(task: &Task, bounds: &[usize]) -> bool {
    task.iter()
        .zip(bounds)
        .all(|(s, &n)| s.start == 0 && (s.stride == 1 || s.count <= 1) && s.count == n)
}

/// Groups task numbers by chunk, in order of first appearance.
fn by_chunk(tasks: &[Task]) -> Vec<(Vec<u64>, Vec<usize>)> {
    let mut groups: Vec<(Vec<u64>, Vec<usize>)> = Vec::new();
    let mut at: HashMap<Vec<u64>, usize> = HashMap::new();
    for (i, task) in tasks.iter().enumerate() {
        let index: Vec<u64> = task.iter().map(|s| s.chunk).collect();
        match at.get(&index) {
            Some(&g) => {
                if let Some((_, members)) = groups.get_mut(g) {
                    members.push(i);
                }
            }
            None => {
                at.insert(index.clone(), groups.len());
                groups.push((index, vec![i]));
            }
        }
    }
    groups
}

/// Fills `buf`, a buffer of the plan's shape (any memory layout), from the
/// chunks of `source` (see the module docs). The plan's runs may have any
/// stride.
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
    let chunk_shape = source.chunk_shape();
    let (per_axis, tasks) = tasks(plan, chunk_shape, buf.ndim())?;
    let mut blocks = Vec::with_capacity(tasks.len());
    split_blocks(buf, &per_axis, 0, &mut blocks);
    let mut blocks: Vec<Option<ArrayViewMutD<'_, T>>> = blocks.into_iter().map(Some).collect();
    let groups: Vec<ChunkParts<'_, ArrayViewMutD<'_, T>>> = by_chunk(&tasks)
        .into_iter()
        .map(|(index, members)| {
            let parts = members
                .into_iter()
                .filter_map(|i| Some((tasks.get(i)?, blocks.get_mut(i)?.take()?)))
                .collect();
            (index, parts)
        })
        .collect();
    for_each_parallel(groups, &|(index, parts)| {
        read_chunk(source, cache, &index, parts)
    })
}

/// Reads the tasks of one chunk into their blocks.
fn read_chunk<T, S>(
    source: &S,
    cache: &Cache,
    index: &[u64],
    mut parts: Vec<(&Task, ArrayViewMutD<'_, T>)>,
) -> Result<()>
where
    T: Element,
    S: ChunkSource<T> + ?Sized,
{
    let chunk_shape = source.chunk_shape();
    let n = checked_size(chunk_shape)?;
    let bytes = n.saturating_mul(std::mem::size_of::<T>());
    let key = source.array_key();
    let bounds = in_bounds(index, chunk_shape, source.shape());
    let whole = matches!(parts.as_slice(), [(task, _)] if covers(task, &bounds));
    let keep = !whole && cache.would_keep(bytes);
    // A chunk held decoded (of the generation storage has now) is copied out.
    let generation = if cache.budget() > 0 {
        source.generation(index)?
    } else {
        None
    };
    if cache.budget() > 0 {
        if let Some(data) = cache.get::<T>(key, index, generation) {
            return copy_out(&data, chunk_shape, parts);
        }
    }
    // A whole chunk into a contiguous block of its shape: decoded in place.
    if whole && bounds.as_slice() == chunk_shape {
        if let Some((_, block)) = parts.first_mut() {
            if let Some(slice) = block.as_slice_mut() {
                return source.decode(index, slice);
            }
        }
    }
    if keep || whole || partial_cost(&parts) * 2 > n {
        let mut data = zeroed_vec::<T>(n)?;
        source.decode(index, &mut data)?;
        let data = Arc::new(data);
        copy_out(&data, chunk_shape, parts)?;
        if keep {
            cache.insert(key, index, generation, data);
        }
        return Ok(());
    }
    // A small part of a chunk: storage decodes just that, where it can.
    for (task, block) in parts {
        let start: Vec<usize> = task.iter().map(|s| s.start).collect();
        let shape: Vec<usize> = task
            .iter()
            .map(|s| s.count.saturating_sub(1) * s.stride + 1)
            .collect();
        let mut part = zeroed_vec::<T>(checked_size(&shape)?)?;
        source.decode_part(index, &start, &shape, &mut part)?;
        let part = view(&shape, &part)?;
        let picked = part.slice_each_axis(|ax| {
            let s = task.get(ax.axis.index());
            Slice::new(0, None, s.map_or(1, |s| s.stride as isize))
        });
        assign(block, picked);
    }
    Ok(())
}

/// The elements the bounding boxes of the tasks span.
fn partial_cost<V>(parts: &[(&Task, V)]) -> usize {
    parts
        .iter()
        .map(|(task, _)| {
            task.iter()
                .map(|s| s.count.saturating_sub(1) * s.stride + 1)
                .fold(1usize, usize::saturating_mul)
        })
        .fold(0usize, usize::saturating_add)
}

/// Copies each task's positions of a decoded chunk into its block.
fn copy_out<T: Element>(
    data: &[T],
    chunk_shape: &[usize],
    parts: Vec<(&Task, ArrayViewMutD<'_, T>)>,
) -> Result<()> {
    let chunk = view(chunk_shape, data)?;
    for (task, block) in parts {
        let picked =
            chunk.slice_each_axis(|ax| task.get(ax.axis.index()).map_or(Slice::from(..), within));
        assign(block, picked);
    }
    Ok(())
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
    let (per_axis, tasks) = tasks(plan, sink.chunk_shape(), data.ndim())?;
    let blocks = data_blocks(&data, &tasks, &per_axis);
    let groups: Vec<ChunkParts<'_, &ArrayViewD<'_, T>>> = by_chunk(&tasks)
        .into_iter()
        .map(|(index, members)| {
            let parts = members
                .into_iter()
                .filter_map(|i| Some((tasks.get(i)?, blocks.get(i)?)))
                .collect();
            (index, parts)
        })
        .collect();
    for_each_parallel(groups, &|(index, parts)| {
        write_chunk(sink, cache, &index, &parts)
    })
}

/// Writes the tasks of one chunk: builds or reads the chunk, changes it and
/// stores it, locked.
fn write_chunk<T, S>(
    sink: &S,
    cache: &Cache,
    index: &[u64],
    parts: &[(&Task, &ArrayViewD<'_, T>)],
) -> Result<()>
where
    T: Element,
    S: ChunkSink<T> + ?Sized,
{
    let chunk_shape = sink.chunk_shape();
    let n = checked_size(chunk_shape)?;
    let key = sink.array_key();
    let bounds = in_bounds(index, chunk_shape, sink.shape());
    let whole = matches!(parts, [(task, _)] if covers(task, &bounds));
    let mutex = chunk_mutex(key, index);
    let _in_process = mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let _across = if whole { None } else { sink.lock(index)? };
    let mut chunk = zeroed_vec::<T>(n)?;
    if whole {
        chunk.fill(sink.fill_value());
    } else {
        // The chunk as stored now, never from the cache: another process
        // may have changed it.
        sink.decode(index, &mut chunk)?;
    }
    {
        let mut target = view_mut(chunk_shape, &mut chunk)?;
        for (task, block) in parts {
            let dst = target.slice_each_axis_mut(|ax| {
                task.get(ax.axis.index()).map_or(Slice::from(..), within)
            });
            assign(dst, (*block).clone());
        }
    }
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
    use crate::region::{AxisSelection, Region};

    fn run(start: usize, stride: usize, count: usize) -> Run {
        Run {
            start,
            stride,
            count,
            offset: 0,
        }
    }

    #[test]
    fn runs_are_cut_at_chunk_boundaries() {
        let segs = segments(&[run(3, 1, 10)], 4).unwrap();
        let got: Vec<_> = segs.iter().map(|s| (s.chunk, s.start, s.count)).collect();
        assert_eq!(got, vec![(0, 3, 1), (1, 0, 4), (2, 0, 4), (3, 0, 1)]);
        // Strided: positions 1, 6, 11, 16 in chunks of 5.
        let segs = segments(&[run(1, 5, 4)], 5).unwrap();
        let got: Vec<_> = segs.iter().map(|s| (s.chunk, s.start, s.count)).collect();
        assert_eq!(got, vec![(0, 1, 1), (1, 1, 1), (2, 1, 1), (3, 1, 1)]);
        // A stride shorter than a chunk: 0, 3, 6, 9 in chunks of 8.
        let segs = segments(&[run(0, 3, 4)], 8).unwrap();
        let got: Vec<_> = segs.iter().map(|s| (s.chunk, s.start, s.count)).collect();
        assert_eq!(got, vec![(0, 0, 3), (1, 1, 1)]);
    }

    #[test]
    fn tasks_group_by_chunk() {
        let region = Region::new(
            vec![10, 10],
            vec![
                AxisSelection::List(vec![9, 0, 1]),
                AxisSelection::range(2, 1, 6),
            ],
        )
        .unwrap();
        let plan = Plan::new(&region, |_| Grouping::Spans { gap: 1 }).unwrap();
        let (_, tasks) = tasks(&plan, &[5, 5], 2).unwrap();
        // Runs {0, 1} and {9} on axis 0; 2..8 cut into 2..5 and 5..8 on axis 1.
        assert_eq!(tasks.len(), 4);
        let groups = by_chunk(&tasks);
        let chunks: Vec<Vec<u64>> = groups.iter().map(|(c, _)| c.clone()).collect();
        assert_eq!(chunks, vec![vec![0, 0], vec![0, 1], vec![1, 0], vec![1, 1]]);
    }
}
