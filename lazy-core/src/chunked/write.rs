//! Writing chunked storage: whole chunks stored, each built from the new
//! values where they cover it, else read, changed and stored while the
//! chunk is locked (within the process, and across processes where storage
//! can), the cache kept up to date.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use ndarray::{ArrayViewD, Slice};

use crate::alloc::{checked_size, with_scratch, zeroed_vec};
use crate::blocks::for_each_concurrent;
use crate::cache::{ArrayKey, Cache};
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ext::DatasetMutExt;
use crate::masked::{apply_masked, MaskedBlock};
use crate::plan::Plan;
use crate::region::AxisSelection;

use super::geometry::{
    chunk_parts, covers, data_blocks, in_bounds, view_mut, ChunkInside, ChunkPart,
};
use super::sink::ChunkSink;

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
pub(super) fn write_chunks<T, S>(
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
        return Err(Error::internal(
            "a write through chunks needs a plan of selected elements only",
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
    let bounds = in_bounds(&part.index, chunk_shape, sink.shape());
    let whole = covers(&part.region, &bounds);
    // The chunk is the caller's values as they lie in memory (all of a
    // chunk inside the array, in order, from a row-major block): stored
    // straight from them, with no copy.
    let in_order = bounds == chunk_shape
        && part
            .region
            .axes()
            .iter()
            .zip(chunk_shape)
            .all(|(a, &n)| *a == AxisSelection::full(n));
    if let (true, Some(values)) = (in_order, block.as_slice()) {
        return locked(sink, &part.index, || {
            cache.remove(sink.array_key(), &part.index);
            sink.store(&part.index, values)
        });
    }
    modify_chunk(sink, cache, &part.index, whole, |chunk| {
        view_mut(chunk_shape, chunk)?.write_from(&part.region, block)
    })
}

/// Changes chunk `index` while it is locked (in the process, and across
/// processes where storage can): starts from the fill value when `whole`
/// (`change` sets every element inside the array), else from the chunk as
/// stored now; stores it and updates the cache (a chunk changed in part is
/// kept, decoded, where the cache has room; one set whole is dropped from
/// it).
fn modify_chunk<T, S>(
    sink: &S,
    cache: &Cache,
    index: &[u64],
    whole: bool,
    change: impl FnOnce(&mut [T]) -> Result<()>,
) -> Result<()>
where
    T: Element,
    S: ChunkSink<T> + ?Sized,
{
    locked(sink, index, || {
        modify_locked(sink, cache, index, whole, change)
    })
}

/// Runs `f` while chunk `index` is locked: within the process (every
/// handle on the array), and across processes where storage can
/// ([`ChunkSink::lock`]).
fn locked<T, S, R>(sink: &S, index: &[u64], f: impl FnOnce() -> Result<R>) -> Result<R>
where
    T: Element,
    S: ChunkSink<T> + ?Sized,
{
    let mutex = chunk_mutex(sink.array_key(), index);
    let _in_process = mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let _across = sink.lock(index)?;
    f()
}

/// [`modify_chunk`] once the chunk is locked.
fn modify_locked<T, S>(
    sink: &S,
    cache: &Cache,
    index: &[u64],
    whole: bool,
    change: impl FnOnce(&mut [T]) -> Result<()>,
) -> Result<()>
where
    T: Element,
    S: ChunkSink<T> + ?Sized,
{
    let n = checked_size(sink.chunk_shape())?;
    let key = sink.array_key();
    if whole {
        // Built from the new values in a buffer the thread reuses, and not
        // cached: a write that covers chunks whole (a copy, a bulk write)
        // would only push out of the cache what readers use. Only the
        // positions past the array's end (edge chunks) need the fill value.
        cache.remove(key, index);
        return with_scratch::<T, ()>(n, |chunk| {
            if !ChunkInside::new(index, sink.chunk_shape(), sink.shape())
                .is_whole(sink.chunk_shape())
            {
                chunk.fill(sink.fill_value());
            }
            change(chunk)?;
            sink.store(index, chunk)
        });
    }
    let mut chunk = zeroed_vec::<T>(n)?;
    // The chunk as stored now: from the cache only when storage tells the
    // chunk's generation and the cached one is of it (another process may
    // have changed the chunk), else decoded.
    let cached = match sink.generation(index)? {
        Some(generation) if cache.budget() > 0 => cache.get::<T>(key, index, Some(generation)),
        _ => None,
    };
    match cached {
        Some(data) if data.len() == n => chunk.copy_from_slice(&data),
        _ => sink.decode(index, &mut chunk)?,
    }
    change(&mut chunk)?;
    sink.store(index, &chunk)?;
    if cache.would_keep(n.saturating_mul(std::mem::size_of::<T>())) {
        let generation = sink.generation(index)?;
        cache.insert(key, index, generation, Arc::new(chunk));
    } else {
        cache.remove(key, index);
    }
    Ok(())
}

/// Stores each block's values where its mask is true into the chunks of
/// `sink`, every other element kept: each chunk a block touches is locked,
/// read (unless the block sets all of it), changed and stored once; chunks
/// are encoded and stored in parallel.
pub(super) fn write_masked_chunks<T, S>(
    sink: &S,
    cache: &Cache,
    blocks: &[MaskedBlock<'_, T>],
) -> Result<()>
where
    T: Element,
    S: ChunkSink<T> + ?Sized,
{
    let shape = sink.shape();
    let chunk_shape = sink.chunk_shape();
    let mut jobs: Vec<(&MaskedBlock<'_, T>, Vec<u64>)> = Vec::new();
    for block in blocks {
        let end = block.end_in(shape)?;
        if block.mask().is_empty() || !block.mask().iter().any(|&m| m) {
            continue;
        }
        // The chunks the block's box touches, row-major.
        let ranges: Vec<(u64, u64)> = block
            .start()
            .iter()
            .zip(&end)
            .zip(chunk_shape)
            .map(|((&s, &e), &c)| {
                let c = c.max(1);
                ((s / c) as u64, ((e.saturating_sub(1)) / c) as u64)
            })
            .collect();
        let mut index: Vec<u64> = ranges.iter().map(|r| r.0).collect();
        'chunks: loop {
            jobs.push((block, index.clone()));
            for k in (0..index.len()).rev() {
                if let (Some(i), Some(r)) = (index.get_mut(k), ranges.get(k)) {
                    if *i < r.1 {
                        *i += 1;
                        continue 'chunks;
                    }
                    *i = r.0;
                }
            }
            break;
        }
    }
    for_each_concurrent(jobs, sink.latency_bound(), &|(block, index)| {
        write_masked_chunk(sink, cache, block, &index)
    })
}

/// The part of `block` in chunk `index`, stored as [`write_masked_chunks`] says.
fn write_masked_chunk<T, S>(
    sink: &S,
    cache: &Cache,
    block: &MaskedBlock<'_, T>,
    index: &[u64],
) -> Result<()>
where
    T: Element,
    S: ChunkSink<T> + ?Sized,
{
    let chunk_shape = sink.chunk_shape();
    let inside = ChunkInside::new(index, chunk_shape, sink.shape());
    // The box shared by the block and the chunk's part inside the array,
    // in the chunk's and in the block's coordinates.
    let mut in_chunk = Vec::with_capacity(chunk_shape.len());
    let mut in_block = Vec::with_capacity(chunk_shape.len());
    for (k, (&origin, &n)) in inside.origin.iter().zip(&inside.shape).enumerate() {
        let s = block.start().get(k).copied().unwrap_or(0);
        let len = block.values().shape().get(k).copied().unwrap_or(0);
        let lo = origin.max(s);
        let hi = (origin + n).min(s + len);
        if hi <= lo {
            return Ok(());
        }
        in_chunk.push(Slice::from(lo - origin..hi - origin));
        in_block.push(Slice::from(lo - s..hi - s));
    }
    let values = block.values().slice_each_axis(|ax| {
        in_block
            .get(ax.axis.index())
            .copied()
            .unwrap_or(Slice::from(..))
    });
    let mask = block.mask().slice_each_axis(|ax| {
        in_block
            .get(ax.axis.index())
            .copied()
            .unwrap_or(Slice::from(..))
    });
    let whole = mask.shape() == inside.shape.as_slice() && mask.iter().all(|&m| m);
    modify_chunk(sink, cache, index, whole, |chunk| {
        let mut whole_chunk = view_mut(chunk_shape, chunk)?;
        let dst = whole_chunk.slice_each_axis_mut(|ax| {
            in_chunk
                .get(ax.axis.index())
                .copied()
                .unwrap_or(Slice::from(..))
        });
        apply_masked(dst, values, mask);
        Ok(())
    })
}
