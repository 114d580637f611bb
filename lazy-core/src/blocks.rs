//! Blocks: splitting a read into cache-sized pieces, run in parallel.
//!
//! Element-wise views (`Scaled`, `Sum`, `BooleanOr`) and stacks of in-memory
//! sources work block by block, so each block's temporaries stay in cache and
//! each piece of the output is written once, by one thread. A block is found
//! by cutting the region along its outermost output axis longer than 1 into
//! up to 64 pieces at a time, each cut again until it holds at most the block
//! size (a long list of that axis is copied a few times, not once per
//! halving); with the `parallel` feature the pieces are processed by rayon.
//!
//! ```
//! use lazy_core::backend::for_each_block;
//! use lazy_core::Region;
//! use ndarray::ArrayD;
//!
//! let region = Region::full(&[4, 6]);
//! let mut out = ArrayD::<usize>::zeros(vec![4, 6]);
//! // Fill each element with the size of the block that wrote it.
//! for_each_block(&region, out.view_mut(), 8, &|_, mut block| {
//!     let n = block.len();
//!     block.fill(n);
//!     Ok(())
//! })
//! .unwrap();
//! assert!(out.iter().all(|&n| n > 0 && n <= 8));
//! ```

use ndarray::{ArrayViewMutD, Axis};

use crate::error::Result;
use crate::plan::grid_multiple;
use crate::region::{AxisSelection, OutAxis, Region};

/// The default block size in elements: 32 Ki elements, 256 KiB of `f64`,
/// which leaves room in a typical L2 cache for a source block and its output.
pub const BLOCK_ELEMS: usize = 1 << 15;

/// How to cut a region of output shape `shape` into blocks of at most
/// `max` elements: its outermost output axis longer than 1 and the number
/// of that axis's positions per piece (a piece of one position may still be
/// too large, and is cut along the next axis in turn). `None` when it fits.
fn cut(shape: &[usize], max: usize) -> Option<(usize, usize)> {
    let n: usize = shape.iter().try_fold(1usize, |a, &b| a.checked_mul(b))?;
    let max = max.max(1);
    if n <= max {
        return None;
    }
    let axis = shape.iter().position(|&l| l > 1)?;
    let len = *shape.get(axis)?;
    let row = n / len;
    // At most MAX_PIECES pieces at a time, each cut again as needed: a
    // read of gigabytes does not hold a region per block at once, and a
    // long list is still copied only a few times.
    let per = (max / row.max(1)).max(1).max(len.div_ceil(MAX_PIECES));
    Some((axis, per))
}

/// The most pieces [`cut`] makes of one region at a time.
const MAX_PIECES: usize = 64;

/// Calls `f` on disjoint blocks of `region` of at most `max` elements each,
/// with the matching parts of `out` (which has the region's output shape).
/// Blocks run in parallel with the `parallel` feature.
pub fn for_each_block<T, F>(
    region: &Region,
    out: ArrayViewMutD<'_, T>,
    max: usize,
    f: &F,
) -> Result<()>
where
    T: Send,
    F: Fn(&Region, ArrayViewMutD<'_, T>) -> Result<()> + Sync,
{
    region.check_out(out.shape())?;
    if out.is_empty() {
        // No block to read: skip the work the region's lists would cost.
        return Ok(());
    }
    split_blocks(region, out, max, f)
}

fn split_blocks<T, F>(region: &Region, out: ArrayViewMutD<'_, T>, max: usize, f: &F) -> Result<()>
where
    T: Send,
    F: Fn(&Region, ArrayViewMutD<'_, T>) -> Result<()> + Sync,
{
    let Some((axis, per)) = cut(out.shape(), max) else {
        return f(region, out);
    };
    let jobs = cut_alike(region, out, axis, per, per)?;
    for_each_parallel(jobs, &|(r, piece)| split_blocks(&r, piece, max, f))
}

/// About this many bytes of output per block of a read cut on its
/// storage's chunk boundaries ([`chunk_rows`]): small enough that a block's
/// temporaries and its output stay in a core's L2 cache while they are
/// interleaved or scaled, large enough to hold several chunks. A stack of
/// three h5py datasets of 4,883-element chunks, scaled, read whole: 97 ms
/// in blocks of 1 MiB against 100-109 ms of 8 MiB or none.
pub(crate) const CHUNK_BLOCK_BYTES: usize = 1 << 20;

/// The most bytes a block of [`chunk_rows`] holds: blocks of one chunk
/// larger than this are not worth cutting a read into.
const CHUNK_BLOCK_MAX: usize = 32 << 20;

/// Rows (positions of output axis 0) per block when `region` of a storage
/// dataset whose chunks are `align` positions long along axis 0 is read in
/// blocks cut on chunk boundaries (so no chunk is decoded for two blocks):
/// about [`CHUNK_BLOCK_BYTES`] of output, rows of `row_bytes` bytes, in
/// whole multiples of `align`. `None` where such blocks do not apply: the
/// region's axis 0 is not a contiguous range read in order into output
/// axis 0, or one chunk's rows exceed [`CHUNK_BLOCK_MAX`].
pub(crate) fn chunk_rows(region: &Region, row_bytes: usize, align: usize) -> Option<usize> {
    if !matches!(
        region.axes().first(),
        Some(AxisSelection::Range { step: 1, .. })
    ) || region.out_axes().first() != Some(&OutAxis::Source(0))
    {
        return None;
    }
    let target = (CHUNK_BLOCK_BYTES / row_bytes.max(1)).max(1);
    let rows = grid_multiple(target, align);
    (rows.checked_mul(row_bytes)? <= CHUNK_BLOCK_MAX).then_some(rows)
}

/// Calls `f` on blocks of `rows` rows of `region` (see [`chunk_rows`]),
/// cut where the region's axis 0 crosses a multiple of `rows` (a chunk
/// boundary), with the matching parts of `out`; in parallel with the
/// `parallel` feature.
pub(crate) fn for_each_chunk_block<T, F>(
    region: &Region,
    out: ArrayViewMutD<'_, T>,
    rows: usize,
    f: &F,
) -> Result<()>
where
    T: Send,
    F: Fn(&Region, ArrayViewMutD<'_, T>) -> Result<()> + Sync,
{
    let rows = rows.max(1);
    let start = region
        .axes()
        .first()
        .and_then(|a| a.bounds())
        .map_or(0, |(lo, _)| lo);
    let jobs = cut_alike(region, out, 0, rows - start % rows, rows)?;
    if jobs.len() < 2 * threads() {
        return for_each_parallel(jobs, &|(r, piece)| f(&r, piece));
    }
    for_each_parallel(jobs, &|(r, piece)| one_thread(|| f(&r, piece)))
}

#[cfg(feature = "parallel")]
thread_local! {
    /// Set while this thread runs one of many blocks of a read
    /// ([`one_thread`]): the parallel helpers below then run their items
    /// in turn.
    static ONE_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with the parallel helpers ([`for_each_parallel`] and those
/// built on it) running their items in turn on this thread: for one of
/// many blocks run in parallel already, whose sources and chunks split
/// again would only add joins and cold temporaries (a stack of three h5py
/// datasets scaled in 1 MiB blocks, read whole: 114 ms with each block's
/// reads split again, 94-101 ms without).
pub(crate) fn one_thread<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(feature = "parallel")]
    {
        struct Restore(bool);
        impl Drop for Restore {
            fn drop(&mut self) {
                ONE_THREAD.with(|c| c.set(self.0));
            }
        }
        let _restore = Restore(ONE_THREAD.with(|c| c.replace(true)));
        f()
    }
    #[cfg(not(feature = "parallel"))]
    f()
}

/// `region` and `out` (its output) cut alike along output axis `axis`: a
/// first piece of `first` positions, then pieces of `per`
/// ([`Region::split_out_pieces`]), each region with its part of `out`.
pub(crate) fn cut_alike<'a, T>(
    region: &Region,
    out: ArrayViewMutD<'a, T>,
    axis: usize,
    first: usize,
    per: usize,
) -> Result<Vec<(Region, ArrayViewMutD<'a, T>)>> {
    let regions = region.split_out_pieces(axis, first, per)?;
    let lens: Vec<usize> = regions
        .iter()
        .map(|r| r.out_shape().get(axis).copied().unwrap_or(0))
        .collect();
    Ok(regions
        .into_iter()
        .zip(split_lengths(out, axis, &lens))
        .collect())
}

/// `out` cut along axis `axis` into consecutive pieces of `lens` positions
/// (the last ones shorter, or empty, where `out` ends first).
pub(crate) fn split_lengths<'a, T>(
    out: ArrayViewMutD<'a, T>,
    axis: usize,
    lens: &[usize],
) -> Vec<ArrayViewMutD<'a, T>> {
    let mut pieces = Vec::with_capacity(lens.len());
    let mut rest = out;
    for &len in lens {
        let at = len.min(rest.len_of(Axis(axis)));
        let (piece, tail) = rest.split_at(Axis(axis), at);
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

/// Calls `f` on disjoint blocks of `region` of at most `max` elements each, in
/// order, one at a time: for work whose memory must stay within a budget.
pub fn for_each_block_seq<F>(region: &Region, max: usize, f: &mut F) -> Result<()>
where
    F: FnMut(&Region) -> Result<()>,
{
    let Some((axis, per)) = cut(&region.out_shape(), max) else {
        return f(region);
    };
    for r in region.split_out_every(axis, per)? {
        for_each_block_seq(&r, max, f)?;
    }
    Ok(())
}

/// Calls `f` on every item, in parallel with the `parallel` feature; the
/// first error is returned (the others may have run).
///
/// Called from a thread outside rayon's pool (a reader thread of the
/// application), the calling thread works too: it and up to one helper per
/// pool thread take items from a shared queue until none is left, so
/// reader threads add to the pool's cores instead of waiting on it, and a
/// busy pool leaves the work to the caller.
pub fn for_each_parallel<I, F>(items: Vec<I>, f: &F) -> Result<()>
where
    I: Send,
    F: Fn(I) -> Result<()> + Sync,
{
    #[cfg(feature = "parallel")]
    return parallel_past(items, INLINE_ITEMS, f);
    #[cfg(not(feature = "parallel"))]
    items.into_iter().try_for_each(f)
}

/// As [`for_each_parallel`], for items that are each a large piece of work
/// (a source's part of a write): two of them run side by side too when
/// called from outside the pool.
pub(crate) fn for_each_large<I, F>(items: Vec<I>, f: &F) -> Result<()>
where
    I: Send,
    F: Fn(I) -> Result<()> + Sync,
{
    #[cfg(feature = "parallel")]
    return parallel_past(items, 1, f);
    #[cfg(not(feature = "parallel"))]
    items.into_iter().try_for_each(f)
}

/// `f` on every item: in parallel, but on the calling thread alone when it
/// is outside the pool and there are at most `inline` items.
#[cfg(feature = "parallel")]
fn parallel_past<I, F>(items: Vec<I>, inline: usize, f: &F) -> Result<()>
where
    I: Send,
    F: Fn(I) -> Result<()> + Sync,
{
    use rayon::prelude::*;
    if items.len() > 1 && !ONE_THREAD.with(|c| c.get()) {
        if rayon::current_thread_index().is_some() {
            return items.into_par_iter().try_for_each(f);
        }
        if items.len() > inline {
            return caller_helps(items, f);
        }
    }
    items.into_iter().try_for_each(f)
}

/// Calls `f` on every item, as [`for_each_parallel`] does, or, when
/// `latency_bound` (the items wait on a remote service, see
/// [`Hints::latency_bound`](crate::Hints::latency_bound)), each on a
/// thread of its own, all at once (at most [`LATENCY_THREADS`] at a time):
/// waiting needs no core, and the compute pool's few threads would wait in
/// turns. Returns the first error.
pub fn for_each_concurrent<I, F>(items: Vec<I>, latency_bound: bool, f: &F) -> Result<()>
where
    I: Send,
    F: Fn(I) -> Result<()> + Sync,
{
    if !latency_bound || items.len() < 2 {
        return for_each_parallel(items, f);
    }
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let batch: Vec<I> = items.by_ref().take(LATENCY_THREADS).collect();
        std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .into_iter()
                .map(|item| scope.spawn(move || f(item)))
                .collect();
            handles.into_iter().try_for_each(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(crate::Error::backend_msg("a reader thread panicked")))
            })
        })?;
    }
    Ok(())
}

/// The most threads [`for_each_concurrent`] waits on at once.
pub const LATENCY_THREADS: usize = 16;

/// Up to this many items, [`for_each_parallel`] called from outside the
/// pool runs them on the calling thread: waking pool threads for a few
/// chunks of a small read costs about what they save, and several reader
/// threads then each use a core of their own.
#[cfg(feature = "parallel")]
const INLINE_ITEMS: usize = 2;

/// [`for_each_parallel`] from outside the pool: the caller and helpers
/// spawned on the pool share a queue of the items.
#[cfg(feature = "parallel")]
fn caller_helps<I, F>(items: Vec<I>, f: &F) -> Result<()>
where
    I: Send,
    F: Fn(I) -> Result<()> + Sync,
{
    use std::sync::{Mutex, PoisonError};
    let helpers = rayon::current_num_threads().min(items.len() - 1);
    let queue = Mutex::new(items.into_iter());
    let failed: Mutex<Option<crate::Error>> = Mutex::new(None);
    let work = || loop {
        if failed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
        {
            return;
        }
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
        let Some(item) = next else {
            return;
        };
        if let Err(e) = f(item) {
            failed
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get_or_insert(e);
            return;
        }
    };
    rayon::in_place_scope(|s| {
        for _ in 0..helpers {
            s.spawn(|_| work());
        }
        work();
    });
    match failed.into_inner().unwrap_or_else(PoisonError::into_inner) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The number of threads parallel work runs on (1 without the `parallel`
/// feature).
pub(crate) fn threads() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}

/// Runs both closures, in parallel with the `parallel` feature (one after
/// the other on a thread running one of many blocks of a read).
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    #[cfg(feature = "parallel")]
    {
        if ONE_THREAD.with(|c| c.get()) {
            return (a(), b());
        }
        rayon::join(a, b)
    }
    #[cfg(not(feature = "parallel"))]
    {
        (a(), b())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Inside [`one_thread`], parallel helpers run their items in order on
    /// the calling thread; outside it again, the flag is off.
    #[test]
    fn one_thread_runs_nested_items_in_turn() {
        let seen = Mutex::new(Vec::new());
        let record = |i: usize| {
            seen.lock().unwrap().push((i, std::thread::current().id()));
            Ok(())
        };
        one_thread(|| {
            for_each_parallel((0..64).collect(), &record)?;
            let (a, b) = join(|| record(64), || record(65));
            a.and(b)
        })
        .unwrap();
        let seen = seen.into_inner().unwrap();
        let order: Vec<usize> = seen.iter().map(|s| s.0).collect();
        assert_eq!(order, (0..66).collect::<Vec<_>>());
        assert!(seen.iter().all(|s| s.1 == std::thread::current().id()));
        #[cfg(feature = "parallel")]
        assert!(!ONE_THREAD.with(|c| c.get()));
    }

    /// Hand-computed rows per block: 1 MiB of 24-byte rows is 43,690 rows,
    /// in whole 1,000-row chunks 43,000; a chunk longer than that is one
    /// block; one over 32 MiB, or a region not read in order, none.
    #[test]
    fn chunk_rows_are_whole_chunks_of_about_a_mebibyte() {
        let region = Region::full(&[1_000_000, 3]);
        assert_eq!(chunk_rows(&region, 24, 1_000), Some(43_000));
        assert_eq!(chunk_rows(&region, 24, 100_000), Some(100_000));
        assert_eq!(chunk_rows(&region, 24, 2_000_000), None);
        let reversed = Region::new(
            vec![1_000_000, 3],
            vec![
                AxisSelection::range(999_999, -1, 1_000_000),
                AxisSelection::full(3),
            ],
        )
        .unwrap();
        assert_eq!(chunk_rows(&reversed, 24, 1_000), None);
    }
}
