//! [`ChunkSink`]: storage as a regular grid of chunks, write side — what a
//! backend supplies so that the chunk engine can write it.

use crate::element::Element;
use crate::error::Result;

use super::source::ChunkSource;

/// Storage as a regular grid of chunks, write side: what a backend supplies
/// for [`write_chunked`](crate::backend::write_chunked). Implement it on
/// the same private adaptor as [`ChunkSource`].
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
