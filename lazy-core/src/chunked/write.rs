//! Writing chunked storage: whole chunks stored, each built from the new
//! values where they cover it, else read, changed and stored while the
//! chunk is locked (within the process, and across processes where storage
//! can), the cache kept up to date.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use ndarray::ArrayViewD;

use crate::alloc::{checked_size, zeroed_vec};
use crate::blocks::for_each_concurrent;
use crate::cache::{ArrayKey, Cache};
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ext::DatasetMutExt;
use crate::plan::Plan;

use super::geometry::{chunk_parts, covers, data_blocks, in_bounds, view_mut, ChunkPart};
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
