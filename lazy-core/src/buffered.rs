//! [`Buffered`]: a writable dataset whose writes are held in memory, block
//! by block of its chunk grid, and stored once per chunk when flushed.

use std::collections::HashMap;

use ndarray::{ArrayBase, ArrayViewD, ArrayViewMutD, Axis, IxDyn, RawData, Slice};

use crate::alloc::{checked_size, zeroed_vec};
use crate::dataset::{CheckedRegion, Dataset, DatasetMut, Hints};
use crate::error::{Error, Result};
use crate::masked::{apply_masked, MaskedBlock};
use crate::region::{AxisSelection, Region};

/// Elements per block of a dataset that has no chunk grid, at most (about
/// a MiB of `f64`s).
const DEFAULT_BLOCK: usize = 1 << 17;

/// A writable dataset whose writes are kept in memory — the values of each
/// block of its chunk grid that a write touched, and which of them were
/// written — up to a budget of bytes, and stored on [`flush`](DatasetMut::flush):
/// each touched chunk written once, however many small writes went into
/// it. Made by [`DatasetMutExt::buffered`](crate::DatasetMutExt::buffered).
///
/// - Reads through the handle see its pending writes.
/// - When the pending blocks pass the budget, the least recently written
///   are stored until half the budget is held; a write that alone touches
///   more than the budget goes straight through (after the pending writes
///   are stored, so that the later values win).
/// - On flush each chunk is locked, read from storage, changed where this
///   handle wrote and stored whole (on chunked storage:
///   [`DatasetMut::write_masked`]), so other writers' writes to other
///   elements of the same chunks are kept, and readers see a chunk old or
///   new. A failed flush keeps what is pending, so it can be tried again.
/// - Dropping the handle flushes and ignores errors, as
///   [`std::io::BufWriter`] does: call `flush` to see them.
/// - Views pass `flush` on to their sources: `Scaled::new(Stacked::new(handles, 1)?, 0.5).flush()`
///   flushes every handle.
///
/// ```
/// use lazy_core::{DatasetExt, DatasetMut, DatasetMutExt, TypedSelection as Sel};
/// use ndarray::{array, Array1};
///
/// let mut x = Array1::<f64>::zeros(1000);
/// {
///     let mut b = (&mut x).buffered(1 << 20);
///     for k in 0..100 {
///         b.write(Sel::new().push(k * 10..k * 10 + 10), Array1::from_elem(10, k as f64))?;
///     }
///     assert_eq!(b.read(Sel::new().push(995..))?, array![99.0, 99.0, 99.0, 99.0, 99.0]); // pending, read back
///     assert!(b.pending_bytes() > 0);
///     b.flush()?; // stored
///     assert_eq!(b.pending_bytes(), 0);
/// }
/// assert_eq!(x[995], 99.0);
/// # Ok::<(), lazy_core::Error>(())
/// ```
pub struct Buffered<D: DatasetMut> {
    inner: D,
    budget: usize,
    /// The block shape: the inner dataset's chunk shape, or a default.
    grid: Vec<usize>,
    pending: HashMap<Vec<u64>, Pending<D::Elem>>,
    /// Bytes held by `pending`.
    held: usize,
    /// Write counter, for least-recently-written eviction.
    clock: u64,
}

/// The pending writes of one block: its values and which were written.
struct Pending<T> {
    /// The block's first element.
    start: Vec<usize>,
    /// The block's shape, clipped to the dataset.
    shape: Vec<usize>,
    values: Vec<T>,
    mask: Vec<bool>,
    last: u64,
}

impl<T> Pending<T> {
    fn bytes(&self) -> usize {
        self.values.len() * (std::mem::size_of::<T>() + 1)
    }
}

/// One run of an axis inside one block: output position `out` (none for an
/// integer index) and block position `local`, `len` positions on.
#[derive(Clone, Copy, Debug)]
struct Run {
    out: Option<usize>,
    local: usize,
    len: usize,
}

/// The runs of one axis selection, by block: `(block, runs)` in the order
/// of their output positions within each block.
fn axis_runs(sel: &AxisSelection, block: usize) -> Vec<(u64, Vec<Run>)> {
    let block = block.max(1);
    if let AxisSelection::Range {
        start,
        step: 1,
        len,
    } = *sel
    {
        // One run per block, computed.
        let mut groups = Vec::new();
        let (mut p, end) = (start, start + len);
        while p < end {
            let next = ((p / block) + 1).saturating_mul(block).min(end);
            let run = Run {
                out: Some(p - start),
                local: p % block,
                len: next - p,
            };
            groups.push(((p / block) as u64, vec![run]));
            p = next;
        }
        return groups;
    }
    let mut groups: Vec<(u64, Vec<Run>)> = Vec::new();
    let mut index: HashMap<u64, usize> = HashMap::new();
    let keep = !matches!(sel, AxisSelection::Index(_));
    for (k, p) in sel.positions().enumerate() {
        let b = (p / block) as u64;
        let local = p % block;
        let out = keep.then_some(k);
        let slot = *index.entry(b).or_insert_with(|| {
            groups.push((b, Vec::new()));
            groups.len() - 1
        });
        let Some((_, runs)) = groups.get_mut(slot) else {
            continue;
        };
        match runs.last_mut() {
            Some(r)
                if r.local + r.len == local
                    && match (r.out, out) {
                        (Some(a), Some(o)) => a + r.len == o,
                        _ => false,
                    } =>
            {
                r.len += 1
            }
            _ => runs.push(Run { out, local, len: 1 }),
        }
    }
    groups
}

/// Calls `f` with each block a region touches and, for each combination of
/// runs (one per axis) in it, the runs.
fn for_each_piece(
    region: &Region,
    grid: &[usize],
    mut f: impl FnMut(&[u64], &[Run]) -> Result<()>,
) -> Result<()> {
    let per_axis: Vec<Vec<(u64, Vec<Run>)>> = region
        .axes()
        .iter()
        .zip(grid)
        .map(|(sel, &b)| axis_runs(sel, b))
        .collect();
    if per_axis.iter().any(Vec::is_empty) {
        return Ok(());
    }
    // Odometer over blocks, then over runs.
    let mut bi = vec![0usize; per_axis.len()];
    loop {
        let groups: Vec<&(u64, Vec<Run>)> = bi
            .iter()
            .zip(&per_axis)
            .filter_map(|(&i, g)| g.get(i))
            .collect();
        let index: Vec<u64> = groups.iter().map(|g| g.0).collect();
        let mut ri = vec![0usize; groups.len()];
        loop {
            let runs: Vec<Run> = ri
                .iter()
                .zip(&groups)
                .filter_map(|(&i, g)| g.1.get(i).copied())
                .collect();
            f(&index, &runs)?;
            if !advance(&mut ri, |k| groups.get(k).map_or(0, |g| g.1.len())) {
                break;
            }
        }
        if !advance(&mut bi, |k| per_axis.get(k).map_or(0, Vec::len)) {
            return Ok(());
        }
    }
}

/// Steps a row-major odometer; false when it wraps.
fn advance(counter: &mut [usize], len: impl Fn(usize) -> usize) -> bool {
    for k in (0..counter.len()).rev() {
        if let Some(c) = counter.get_mut(k) {
            *c += 1;
            if *c < len(k) {
                return true;
            }
            *c = 0;
        }
    }
    false
}

/// The part of a block's buffer (of `shape`) the runs cover, axes of
/// integer indexes dropped: the shape of the matching output part.
fn block_part<'a, T>(
    shape: &[usize],
    data: &'a mut [T],
    runs: &[Run],
) -> Result<ArrayViewMutD<'a, T>> {
    let v = ArrayViewMutD::from_shape(IxDyn(shape), data)
        .map_err(|e| Error::internal(format!("a pending block: {e}")))?;
    Ok(narrowed(v, runs))
}

/// [`block_part`], read-only.
fn block_part_ref<'a, T>(
    shape: &[usize],
    data: &'a [T],
    runs: &[Run],
) -> Result<ArrayViewD<'a, T>> {
    let v = ArrayViewD::from_shape(IxDyn(shape), data)
        .map_err(|e| Error::internal(format!("a pending block: {e}")))?;
    Ok(narrowed(v, runs))
}

/// `v` (a whole block) cut to the runs, axes of integer indexes dropped.
fn narrowed<S: RawData>(mut v: ArrayBase<S, IxDyn>, runs: &[Run]) -> ArrayBase<S, IxDyn> {
    for (k, r) in runs.iter().enumerate() {
        v.slice_axis_inplace(Axis(k), Slice::from(r.local..r.local + r.len));
    }
    for (k, r) in runs.iter().enumerate().rev() {
        if r.out.is_none() {
            v = v.index_axis_move(Axis(k), 0);
        }
    }
    v
}

/// The output part the runs cover (the output's axes are the kept ones).
fn out_slices(runs: &[Run]) -> impl Iterator<Item = Slice> + '_ {
    runs.iter()
        .filter_map(|r| r.out.map(|o| Slice::from(o..o + r.len)))
}

impl<D: DatasetMut> Buffered<D> {
    /// `inner` with its writes held in memory up to `bytes` (see the type's
    /// docs); `bytes == 0` holds nothing (every write goes straight
    /// through).
    pub fn new(inner: D, bytes: usize) -> Self {
        let shape = inner.shape();
        let grid = match inner.chunk_grid() {
            Some(g) if g.len() == shape.len() && g.iter().all(|&c| c > 0) => g,
            _ => {
                // About a MiB, and an eighth of the budget at most.
                let per_elem = std::mem::size_of::<D::Elem>() + 1;
                let target = DEFAULT_BLOCK.min(bytes / per_elem / 8);
                let row: usize = shape.iter().skip(1).product::<usize>().max(1);
                let rows = (target / row).max(1);
                shape
                    .iter()
                    .enumerate()
                    .map(|(k, &n)| if k == 0 { rows } else { n.max(1) })
                    .collect()
            }
        };
        Buffered {
            inner,
            budget: bytes,
            grid,
            pending: HashMap::new(),
            held: 0,
            clock: 0,
        }
    }

    /// The bytes held by pending writes (values and their masks).
    pub fn pending_bytes(&self) -> usize {
        self.held
    }

    /// The most bytes of pending writes held before some are stored.
    pub fn budget(&self) -> usize {
        self.budget
    }

    /// The shape of the blocks pending writes are kept in: the dataset's
    /// chunk shape, where it has one.
    pub fn block_shape(&self) -> &[usize] {
        &self.grid
    }

    /// The dataset written to. Its contents lack what is pending.
    pub fn get_ref(&self) -> &D {
        &self.inner
    }

    /// Stores the pending blocks `keys` (all of them, the first error
    /// returned); stored blocks are no longer pending.
    fn store(&mut self, keys: &[Vec<u64>]) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let result = {
            let mut blocks = Vec::with_capacity(keys.len());
            for key in keys {
                let Some(p) = self.pending.get(key) else {
                    continue;
                };
                let values = ArrayViewD::from_shape(IxDyn(&p.shape), &p.values)
                    .map_err(|e| Error::internal(format!("a pending block: {e}")))?;
                let mask = ArrayViewD::from_shape(IxDyn(&p.shape), &p.mask)
                    .map_err(|e| Error::internal(format!("a pending block: {e}")))?;
                blocks.push(MaskedBlock::new(p.start.clone(), values, mask)?);
            }
            self.inner.write_masked(&blocks)
        };
        // Kept when the write failed: storing a block again is harmless.
        result?;
        for key in keys {
            if let Some(p) = self.pending.remove(key) {
                self.held = self.held.saturating_sub(p.bytes());
            }
        }
        Ok(())
    }

    /// Stores every pending block.
    fn store_all(&mut self) -> Result<()> {
        let mut keys: Vec<Vec<u64>> = self.pending.keys().cloned().collect();
        keys.sort();
        self.store(&keys)
    }

    /// The bytes the blocks a region touches would take.
    fn bytes_touched(&self, region: &Region) -> usize {
        let elem = std::mem::size_of::<D::Elem>() + 1;
        region
            .axes()
            .iter()
            .zip(&self.grid)
            .map(|(sel, &b)| {
                let b = b.max(1);
                let count = match (sel, sel.bounds()) {
                    (AxisSelection::Range { step, .. }, Some((lo, hi)))
                        if step.unsigned_abs() <= b =>
                    {
                        hi / b - lo / b + 1
                    }
                    _ => {
                        let mut blocks: Vec<usize> = sel.positions().map(|p| p / b).collect();
                        blocks.sort_unstable();
                        blocks.dedup();
                        blocks.len()
                    }
                };
                count.saturating_mul(b)
            })
            .fold(elem, usize::saturating_mul)
    }
}

impl<D: DatasetMut> Dataset for Buffered<D> {
    type Elem = D::Elem;
    type Rank = D::Rank;

    fn shape(&self) -> &[usize] {
        self.inner.shape()
    }

    /// Reads the dataset, then the pending writes over it.
    fn read_region(
        &self,
        region: CheckedRegion<'_>,
        mut out: ArrayViewMutD<'_, D::Elem>,
    ) -> Result<()> {
        self.inner.read_region(region, out.view_mut())?;
        if self.pending.is_empty() {
            return Ok(());
        }
        for_each_piece(&region, &self.grid, |index, runs| {
            let Some(p) = self.pending.get(index) else {
                return Ok(());
            };
            let values = block_part_ref(&p.shape, &p.values, runs)?;
            let mask = block_part_ref(&p.shape, &p.mask, runs)?;
            let mut slices = out_slices(runs);
            let part = out.slice_each_axis_mut(|_| slices.next().unwrap_or(Slice::from(..)));
            apply_masked(part, values, mask);
            Ok(())
        })
    }

    fn hints(&self) -> Hints {
        self.inner.hints()
    }

    fn in_memory(&self, region: &Region) -> bool {
        self.inner.in_memory(region)
    }

    fn name(&self) -> Option<String> {
        self.inner.name()
    }

    fn chunk_grid(&self) -> Option<Vec<usize>> {
        self.inner.chunk_grid()
    }
}

impl<D: DatasetMut> DatasetMut for Buffered<D> {
    /// Keeps the values in the pending blocks they fall in; stores the
    /// least recently written blocks when the budget is passed, and writes
    /// straight through what alone would pass it.
    fn write_region(
        &mut self,
        region: CheckedRegion<'_>,
        src: ArrayViewD<'_, D::Elem>,
    ) -> Result<()> {
        if self.bytes_touched(&region) > self.budget {
            self.store_all()?;
            return self.inner.write_region(region, src);
        }
        self.clock += 1;
        let (clock, grid, shape) = (self.clock, self.grid.clone(), self.inner.shape().to_vec());
        let (pending, held) = (&mut self.pending, &mut self.held);
        for_each_piece(&region, &grid, |index, runs| {
            let p = match pending.get_mut(index) {
                Some(p) => p,
                None => {
                    let start: Vec<usize> = index
                        .iter()
                        .zip(&grid)
                        .map(|(&i, &b)| (i as usize).saturating_mul(b))
                        .collect();
                    let bshape: Vec<usize> = start
                        .iter()
                        .zip(&grid)
                        .zip(&shape)
                        .map(|((&s, &b), &n)| b.min(n.saturating_sub(s)))
                        .collect();
                    let n = checked_size(&bshape)?;
                    let p = Pending {
                        start,
                        shape: bshape,
                        values: zeroed_vec(n)?,
                        mask: vec![false; n],
                        last: clock,
                    };
                    *held += p.bytes();
                    pending.entry(index.to_vec()).or_insert(p)
                }
            };
            p.last = clock;
            let mut slices = out_slices(runs);
            let part = src.slice_each_axis(|_| slices.next().unwrap_or(Slice::from(..)));
            block_part(&p.shape, &mut p.values, runs)?.assign(&part);
            block_part(&p.shape, &mut p.mask, runs)?.fill(true);
            Ok(())
        })?;
        if self.held > self.budget {
            // Oldest first, until half the budget is held.
            let mut by_age: Vec<(u64, Vec<u64>, usize)> = self
                .pending
                .iter()
                .map(|(k, p)| (p.last, k.clone(), p.bytes()))
                .collect();
            by_age.sort();
            let mut left = self.held;
            let keys: Vec<Vec<u64>> = by_age
                .into_iter()
                .take_while(|(_, _, bytes)| {
                    let go = left > self.budget / 2;
                    left = left.saturating_sub(*bytes);
                    go
                })
                .map(|(_, k, _)| k)
                .collect();
            self.store(&keys)?;
        }
        Ok(())
    }

    fn check_write(&self, region: CheckedRegion<'_>) -> Result<()> {
        self.inner.check_write(region)
    }

    fn check_values(&self, region: CheckedRegion<'_>, src: ArrayViewD<'_, D::Elem>) -> Result<()> {
        self.inner.check_values(region, src)
    }

    /// Stores every pending block, then flushes the dataset written to.
    fn flush(&mut self) -> Result<()> {
        self.store_all()?;
        self.inner.flush()
    }

    /// When the blocks `region` touches fit the budget (such a write goes
    /// to the pending blocks; a larger one is written through).
    fn writes_to_memory(&self, region: &Region) -> bool {
        self.bytes_touched(region) <= self.budget
    }

    /// Stores what is pending, then the blocks.
    fn write_masked(&mut self, blocks: &[MaskedBlock<'_, D::Elem>]) -> Result<()> {
        self.store_all()?;
        self.inner.write_masked(blocks)
    }
}

impl<D: DatasetMut> Drop for Buffered<D> {
    /// Flushes, ignoring errors (call [`flush`](DatasetMut::flush) to see
    /// them).
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

impl<D: DatasetMut + std::fmt::Debug> std::fmt::Debug for Buffered<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buffered")
            .field("inner", &self.inner)
            .field("budget", &self.budget)
            .field("pending_bytes", &self.held)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use ndarray::{ArrayD, IxDyn};

    use super::*;
    use crate::backend::{
        read_chunked, write_chunked, write_chunked_masked, ArrayKey, ChunkSink, ChunkSource,
    };
    use crate::cache::Cache;
    use crate::ext::{DatasetExt, DatasetMutExt};
    use crate::selection::{DynSelection, SelectionItem as S};

    /// Chunked storage in memory that counts the chunks it stores.
    struct Store {
        shape: Vec<usize>,
        chunk: Vec<usize>,
        chunks: Mutex<HashMap<Vec<u64>, Vec<i64>>>,
        stores: AtomicUsize,
        key: ArrayKey,
        cache: Cache,
    }

    struct Grid<'a>(&'a Store);

    impl ChunkSource<i64> for Grid<'_> {
        fn shape(&self) -> &[usize] {
            &self.0.shape
        }
        fn chunk_shape(&self) -> &[usize] {
            &self.0.chunk
        }
        fn array_key(&self) -> &ArrayKey {
            &self.0.key
        }
        fn fill_value(&self) -> i64 {
            -1
        }
        fn decode(&self, index: &[u64], out: &mut [i64]) -> Result<()> {
            match self.0.chunks.lock().unwrap().get(index) {
                Some(c) => out.copy_from_slice(c),
                None => out.fill(-1),
            }
            Ok(())
        }
    }

    impl ChunkSink<i64> for Grid<'_> {
        fn store(&self, index: &[u64], data: &[i64]) -> Result<()> {
            self.0.stores.fetch_add(1, Ordering::Relaxed);
            self.0
                .chunks
                .lock()
                .unwrap()
                .insert(index.to_vec(), data.to_vec());
            Ok(())
        }
    }

    impl Dataset for Store {
        type Elem = i64;
        type Rank = crate::rank::Dyn;
        fn shape(&self) -> &[usize] {
            &self.shape
        }
        fn read_region(
            &self,
            region: CheckedRegion<'_>,
            out: ArrayViewMutD<'_, i64>,
        ) -> Result<()> {
            read_chunked(&Grid(self), &self.cache, region, out)
        }
        fn chunk_grid(&self) -> Option<Vec<usize>> {
            Some(self.chunk.clone())
        }
    }

    impl DatasetMut for Store {
        fn write_region(
            &mut self,
            region: CheckedRegion<'_>,
            src: ArrayViewD<'_, i64>,
        ) -> Result<()> {
            write_chunked(&Grid(self), &self.cache, region, src)
        }
        fn write_masked(&mut self, blocks: &[MaskedBlock<'_, i64>]) -> Result<()> {
            write_chunked_masked(&Grid(self), &self.cache, blocks)
        }
    }

    fn store(shape: &[usize], chunk: &[usize], name: &str) -> Store {
        Store {
            shape: shape.to_vec(),
            chunk: chunk.to_vec(),
            chunks: Mutex::new(HashMap::new()),
            stores: AtomicUsize::new(0),
            key: ArrayKey::new("test", name),
            cache: Cache::new(1 << 20),
        }
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n.max(1) as u64) as usize
        }
    }

    /// A random selection item of an axis of length `n`: an index, a
    /// range with any step, or a list (duplicates, any order).
    fn item(rng: &mut Rng, n: usize) -> S {
        match rng.below(4) {
            0 => S::Index(rng.below(n) as isize),
            1 => {
                let a = rng.below(n);
                let b = a + rng.below(n - a + 1);
                S::slice(Some(a as isize), Some(b as isize), None)
            }
            2 => {
                let step = rng.below(4) as isize + 1;
                let step = if rng.below(2) == 0 { step } else { -step };
                S::slice(None, None, Some(step))
            }
            _ => S::List(
                (0..rng.below(6) + 1)
                    .map(|_| rng.below(n) as isize)
                    .collect(),
            ),
        }
    }

    /// Random writes and reads through a buffered handle (small budgets:
    /// blocks stored early, writes that pass the budget sent straight
    /// through) match the same writes into a plain array.
    #[test]
    fn buffered_writes_and_reads_match_a_plain_array() {
        let shape = [23usize, 17];
        for (seed, budget) in [(1u64, 1usize << 20), (7, 600), (99, 3000), (5, 0)] {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let mut model = ArrayD::<i64>::from_elem(IxDyn(&shape), -1);
            let mut plain = store(&shape, &[5, 4], &format!("plain{seed}"));
            {
                let mut b = (&mut plain).buffered(budget);
                for step in 0..300 {
                    let sel = DynSelection::from(vec![item(&mut rng, 23), item(&mut rng, 17)]);
                    if rng.below(3) == 0 {
                        let got = b.read_dyn(&sel).unwrap();
                        let want = model.read_dyn(&sel).unwrap();
                        assert_eq!(got, want, "read {step} of seed {seed}: {sel:?}");
                    } else {
                        let out = model.read_dyn(&sel).unwrap().shape().to_vec();
                        let n: usize = out.iter().product();
                        let values = ArrayD::from_shape_vec(
                            IxDyn(&out),
                            (0..n).map(|k| (step * 1000 + k) as i64).collect(),
                        )
                        .unwrap();
                        b.write_dyn(&sel, values.view()).unwrap();
                        model.write_dyn(&sel, values.view()).unwrap();
                    }
                    assert!(budget == 0 || b.pending_bytes() <= budget.max(4 * 5 * 9));
                }
                assert_eq!(b.read_all().unwrap(), model, "seed {seed} before the flush");
            } // dropped: flushed
            assert_eq!(plain.read_all().unwrap(), model, "seed {seed} stored");
        }
    }

    /// 200 small writes into the same chunks store each chunk once.
    #[test]
    fn each_chunk_is_stored_once_per_flush() {
        let mut s = store(&[10_000], &[1000], "windows");
        {
            let mut b = (&mut s).buffered(1 << 20);
            for w in 0..200 {
                let values = ArrayD::from_elem(IxDyn(&[50]), w as i64);
                b.write_dyn(
                    &DynSelection::from(vec![S::slice(Some(w * 50), Some(w * 50 + 50), None)]),
                    values.view(),
                )
                .unwrap();
            }
            assert_eq!(b.get_ref().stores.load(Ordering::Relaxed), 0);
            b.flush().unwrap();
            assert_eq!(b.get_ref().stores.load(Ordering::Relaxed), 10);
            b.flush().unwrap(); // nothing pending: nothing stored
            assert_eq!(b.get_ref().stores.load(Ordering::Relaxed), 10);
        }
        let all = s.read_all().unwrap();
        assert!(all.iter().enumerate().all(|(i, &v)| v == (i / 50) as i64));
        // Unbuffered, the same writes store a chunk per write.
        let mut direct = store(&[10_000], &[1000], "direct");
        for w in 0..200 {
            let values = ArrayD::from_elem(IxDyn(&[50]), w as i64);
            direct
                .write_dyn(
                    &DynSelection::from(vec![S::slice(Some(w * 50), Some(w * 50 + 50), None)]),
                    values.view(),
                )
                .unwrap();
        }
        assert_eq!(direct.stores.load(Ordering::Relaxed), 200);
    }

    /// A copy stores each destination chunk once, whole, whatever its
    /// budget: pieces follow the destination's chunk grid, and a row of
    /// chunks larger than the budget is gathered before it is written.
    #[test]
    fn copies_store_each_destination_chunk_once() {
        use crate::out_of_core::{copy_into_with, CopyOptions};
        let src = ArrayD::from_shape_fn(IxDyn(&[1000, 6]), |ix| (ix[0] * 6 + ix[1]) as i64);
        for budget in [8usize, 100, 480, 800, 4000, 1 << 20] {
            let mut dst = store(&[1000, 6], &[64, 4], &format!("copy{budget}"));
            let options = CopyOptions {
                budget,
                ..CopyOptions::default()
            };
            copy_into_with(&src, &mut dst, &options).unwrap();
            assert_eq!(dst.read_all().unwrap(), src, "budget {budget}");
            // 16 x 2 chunks, each stored once.
            assert_eq!(dst.stores.load(Ordering::Relaxed), 32, "budget {budget}");
        }
    }

    /// Two handles writing disjoint elements of the same chunks, flushed
    /// one after the other: neither loses the other's values.
    #[test]
    fn disjoint_writers_of_one_chunk_keep_each_others_values() {
        let s = store(&[4, 100], &[4, 100], "disjoint");
        let (mut a, mut b) = ((&s).buffered_by_ref(), (&s).buffered_by_ref());
        let evens = DynSelection::from(vec![S::FULL, S::slice(None, None, Some(2))]);
        let odds = DynSelection::from(vec![S::FULL, S::slice(Some(1), None, Some(2))]);
        a.write_dyn(&evens, ArrayD::from_elem(IxDyn(&[4, 50]), 2).view())
            .unwrap();
        b.write_dyn(&odds, ArrayD::from_elem(IxDyn(&[4, 50]), 3).view())
            .unwrap();
        a.flush().unwrap();
        b.flush().unwrap();
        let all = s.read_all().unwrap();
        assert!(all
            .indexed_iter()
            .all(|(ix, &v)| v == if ix[1] % 2 == 0 { 2 } else { 3 }));
        assert_eq!(s.stores.load(Ordering::Relaxed), 2);
    }

    /// A writable handle to a shared `Store` (its writes go through `&self`
    /// inside the engine), so two buffered handles can share one array.
    struct Shared<'a>(&'a Store);

    impl Dataset for Shared<'_> {
        type Elem = i64;
        type Rank = crate::rank::Dyn;
        fn shape(&self) -> &[usize] {
            &self.0.shape
        }
        fn read_region(
            &self,
            region: CheckedRegion<'_>,
            out: ArrayViewMutD<'_, i64>,
        ) -> Result<()> {
            self.0.read_region(region, out)
        }
        fn chunk_grid(&self) -> Option<Vec<usize>> {
            self.0.chunk_grid()
        }
    }

    impl DatasetMut for Shared<'_> {
        fn write_region(
            &mut self,
            region: CheckedRegion<'_>,
            src: ArrayViewD<'_, i64>,
        ) -> Result<()> {
            write_chunked(&Grid(self.0), &self.0.cache, region, src)
        }
        fn write_masked(&mut self, blocks: &[MaskedBlock<'_, i64>]) -> Result<()> {
            write_chunked_masked(&Grid(self.0), &self.0.cache, blocks)
        }
    }

    trait ByRef<'a> {
        fn buffered_by_ref(self) -> Buffered<Shared<'a>>;
    }

    impl<'a> ByRef<'a> for &'a Store {
        fn buffered_by_ref(self) -> Buffered<Shared<'a>> {
            Shared(self).buffered(1 << 20)
        }
    }
}
