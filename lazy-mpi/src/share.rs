//! Partitions: which rows of the first axis each rank reads and writes.
//!
//! The rows `0..len` are cut into grains of `grain` rows (the target's chunk
//! length along the first axis; the last grain may be short), and each rank
//! gets a contiguous run of whole grains, so no two ranks ever write one
//! chunk. Runs differ by at most one grain; the last ranks get the extra
//! grains, and with them the short last one, so shares of rows differ by at
//! most `grain`. When there are fewer grains than ranks, the first ranks get
//! empty ranges.
//!
//! ```
//! use lazy_mpi::share_of;
//!
//! // 10 rows in chunks of 2 on 3 ranks: 5 grains as 1 + 2 + 2.
//! let shares: Vec<_> = (0..3).map(|rank| share_of(rank, 3, 10, 2)).collect();
//! assert_eq!(shares, vec![0..2, 2..6, 6..10]);
//! // 3 rows in chunks of 4: one grain, the last rank's.
//! assert_eq!(share_of(0, 2, 3, 4), 0..0);
//! assert_eq!(share_of(1, 2, 3, 4), 0..3);
//! ```

use std::ops::Range;

use mpi::traits::Communicator;

/// This rank's share of the rows `0..len` of the first axis, cut at
/// multiples of `grain` (see [`share_of`]); an empty range when it has
/// none. Computed locally: no communication.
///
/// ```no_run
/// let universe = mpi::initialize().ok_or("MPI was initialized already")?;
/// let world = universe.world();
/// // Chunks of 1000 rows: ranks never share a chunk.
/// let rows = lazy_mpi::share(&world, 1_000_000, 1000);
/// assert_eq!(rows.start % 1000, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn share<C: Communicator + ?Sized>(comm: &C, len: usize, grain: usize) -> Range<usize> {
    // Ranks and sizes are non-negative `i32`s.
    let rank = usize::try_from(comm.rank()).unwrap_or(0);
    let size = usize::try_from(comm.size()).unwrap_or(1);
    share_of(rank, size, len, grain)
}

/// The share of rank `rank` of `size` ranks of the rows `0..len`, cut at
/// multiples of `grain`: contiguous runs of whole grains, disjoint, covering
/// `0..len` in rank order, differing by at most one grain. A `grain` of 0
/// counts as 1; a `rank` not below `size` (or a `size` of 0) gets an empty
/// range at `len`.
///
/// ```
/// use lazy_mpi::share_of;
/// // 7 rows, single-row grains, 3 ranks: 2 + 2 + 3.
/// assert_eq!([share_of(0, 3, 7, 1), share_of(1, 3, 7, 1), share_of(2, 3, 7, 1)], [0..2, 2..4, 4..7]);
/// assert_eq!(share_of(5, 3, 7, 1), 7..7);
/// ```
pub fn share_of(rank: usize, size: usize, len: usize, grain: usize) -> Range<usize> {
    if rank >= size {
        return len..len;
    }
    let grain = grain.max(1);
    let grains = len.div_ceil(grain);
    let (base, extra) = (grains / size, grains % size);
    // The last `extra` ranks take one grain more.
    let plain = size - extra;
    let first = rank * base + rank.saturating_sub(plain);
    let count = base + usize::from(rank >= plain);
    let row = |g: usize| g.saturating_mul(grain).min(len);
    row(first)..row(first + count)
}

#[cfg(test)]
mod tests {
    use super::share_of;

    /// Every small case: shares disjoint, in order, covering `0..len`,
    /// starting at multiples of the grain, balanced within one grain.
    #[test]
    fn shares_cover_disjointly_aligned_and_balanced() {
        for size in 1..=9 {
            for grain in 1..=7 {
                for len in 0..=60 {
                    let shares: Vec<_> = (0..size).map(|r| share_of(r, size, len, grain)).collect();
                    let what = format!("size {size}, grain {grain}, len {len}: {shares:?}");
                    // Covering and disjoint: each starts where the last ended.
                    let mut next = 0;
                    for s in &shares {
                        assert!(s.start <= s.end, "{what}");
                        if !s.is_empty() {
                            assert_eq!(s.start, next, "{what}");
                            next = s.end;
                        }
                    }
                    assert_eq!(next, len, "{what}");
                    let total: usize = shares.iter().map(|s| s.len()).sum();
                    assert_eq!(total, len, "{what}");
                    // Cut at grains: every boundary is a multiple of the grain or `len`.
                    for s in shares.iter().filter(|s| !s.is_empty()) {
                        assert_eq!(s.start % grain, 0, "{what}");
                        assert!(s.end % grain == 0 || s.end == len, "{what}");
                    }
                    // Balanced within one grain.
                    let most = shares.iter().map(|s| s.len()).max().unwrap_or(0);
                    let least = shares.iter().map(|s| s.len()).min().unwrap_or(0);
                    assert!(most - least <= grain, "{what}");
                    // Nobody idles while someone holds two grains.
                    let grains = len.div_ceil(grain);
                    let busy = shares.iter().filter(|s| !s.is_empty()).count();
                    assert_eq!(busy, grains.min(size), "{what}");
                }
            }
        }
    }

    #[test]
    fn odd_arguments() {
        assert_eq!(share_of(0, 1, 5, 0), 0..5);
        assert_eq!(share_of(1, 1, 5, 2), 5..5);
        assert_eq!(share_of(0, 0, 5, 2), 5..5);
        assert_eq!(share_of(0, 2, 0, 3), 0..0);
        assert_eq!(share_of(0, 2, usize::MAX, usize::MAX), 0..0);
        assert_eq!(share_of(1, 2, usize::MAX, usize::MAX), 0..usize::MAX);
    }
}
