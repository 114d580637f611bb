//! Reading chunked storage: the chunks a plan touches, each decoded once,
//! in parallel, through the cache, straight into the caller's buffer where
//! the layout allows.

use std::sync::Arc;

use ndarray::{ArrayViewMut1, ArrayViewMutD, Axis, Ix1};

use crate::alloc::{checked_size, with_scratch, zeroed_vec};
use crate::blocks::for_each_parallel;
use crate::cache::Cache;
use crate::element::{Element, Strided};
use crate::error::{Error, Result};
use crate::ext::DatasetExt;
use crate::plan::{Plan, RowMajor};
use crate::region::Region;

use super::geometry::{
    axis_chunks, bounding_box, chunk_parts, covers, in_bounds, shifted, split_blocks, view,
    ChunkPart,
};
use super::raw::{self, Failure};
use super::source::ChunkSource;

/// Fills `buf`, a buffer of the plan's shape (any memory layout), from the
/// chunks of `source` (see the module docs). The plan's runs may have any
/// stride; an [`Exact`](crate::backend::Grouping::Exact) plan copies the
/// selected elements only.
pub(super) fn read_chunks<T, S>(
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
pub(super) fn chunks_of(plan: &Plan, chunk_shape: &[usize]) -> Result<Vec<Vec<u64>>> {
    let per_axis = (0..plan.shape().len())
        .map(|axis| axis_chunks(plan.runs(axis), chunk_shape.get(axis).copied().unwrap_or(1)))
        .collect::<Result<Vec<_>>>()?;
    Ok(RowMajor::new(per_axis.iter().map(Vec::len).collect())
        .map(|idx| {
            idx.iter()
                .zip(&per_axis)
                .filter_map(|(&k, chunks)| chunks.get(k).copied())
                .collect()
        })
        .collect())
}

/// Whether every chunk a read of the plan `plan` makes touches is held
/// decoded in `cache` (of any generation; storage that stores chunks raw
/// keeps none): what chunked backends answer
/// [`Dataset::in_memory`](crate::Dataset::in_memory) with. The plan is made
/// only when the cache could hold chunks.
pub(super) fn chunks_cached<T, S>(
    source: &S,
    cache: &Cache,
    plan: impl FnOnce() -> Result<Plan>,
) -> bool
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
    // A chunk stored raw (uncompressed chunks, contiguous data): just the
    // part the read needs, from one version of the chunk, and nothing kept
    // (the cache pays where decoding costs more than reading).
    if source.stores_raw() {
        if let Some(chunk) = source.raw(index)? {
            let whole_chunk = whole && bounds.as_slice() == chunk_shape;
            return raw::read(&chunk, chunk_shape, region, whole_chunk, block).map_err(
                |e| match e {
                    Failure::Io(e) => {
                        let what = source.describe();
                        Error::backend(format!("cannot read chunk {index:?} of {what}: {e}"), e)
                    }
                    Failure::Other(e) => e,
                },
            );
        }
        // Never written: decoded below (its fill value).
    }
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
        // Into a column of an interleaved output (a stack along its last
        // axis): by storage itself where its last step writes elements one
        // by one, else decoded into the thread's buffer and copied in one
        // strided pass.
        if let Some(mut line) = as_line(block.view_mut()).and_then(Strided::new) {
            if source.decode_strided(index, &mut line)? {
                return Ok(());
            }
            return with_scratch::<T, _>(n, |scratch| {
                source.decode(index, scratch)?;
                line.copy_from(scratch);
                Ok(())
            });
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
    // Part of a chunk not kept, in storage that decodes parts for less than
    // the whole (the prefix of a compressed chunk that holds them, inner
    // chunks of a shard): just the box around them.
    if !whole && source.decodes_parts() {
        let (start, shape) = bounding_box(region);
        if checked_size(&shape)? < n {
            return read_box(source, index, region, &start, &shape, block);
        }
    }
    with_scratch::<T, _>(n, |scratch| {
        source.decode(index, scratch)?;
        view(chunk_shape, scratch)?.read_into(region, block)
    })
}

/// `block` as one axis, its elements in row-major order, when they are
/// evenly spaced in memory (a column of an interleaved output: each axis's
/// stride the next one's times its length); else `None`.
fn as_line<T>(mut block: ArrayViewMutD<'_, T>) -> Option<ArrayViewMut1<'_, T>> {
    let ndim = block.ndim();
    if ndim == 0 {
        return None;
    }
    for k in (0..ndim - 1).rev() {
        if !block.merge_axes(Axis(k), Axis(ndim - 1)) {
            return None;
        }
    }
    // The merged axes are left of length 1 in front of the last.
    for _ in 0..ndim - 1 {
        block = block.index_axis_move(Axis(0), 0);
    }
    block.into_dimensionality::<Ix1>().ok()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Grouping;
    use crate::region::AxisSelection;

    /// A 7 x 4 array of `100 * row + column` in chunks of 3 x 4, in
    /// memory; with `strided`, it decodes whole chunks straight into
    /// strided outputs (and counts them).
    struct Grid {
        strided: bool,
        straight: std::sync::atomic::AtomicUsize,
        key: crate::cache::ArrayKey,
    }

    impl Grid {
        fn value(index: &[u64], k: usize) -> i64 {
            let (r, c) = (index[0] as usize * 3 + k / 4, index[1] as usize * 4 + k % 4);
            (100 * r + c) as i64
        }
    }

    impl ChunkSource<i64> for Grid {
        fn shape(&self) -> &[usize] {
            &[7, 4]
        }
        fn chunk_shape(&self) -> &[usize] {
            &[3, 4]
        }
        fn array_key(&self) -> &crate::cache::ArrayKey {
            &self.key
        }
        fn fill_value(&self) -> i64 {
            0
        }
        fn decode(&self, index: &[u64], out: &mut [i64]) -> Result<()> {
            for (k, o) in out.iter_mut().enumerate() {
                *o = Self::value(index, k);
            }
            Ok(())
        }
        fn decode_strided(&self, index: &[u64], out: &mut Strided<'_, i64>) -> Result<bool> {
            if !self.strided {
                return Ok(false);
            }
            for k in 0..out.len() {
                assert!(out.put(k, Self::value(index, k).to_ne_bytes()));
            }
            self.straight
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(true)
        }
    }

    #[test]
    fn whole_chunks_decode_straight_into_a_column_of_an_interleaved_output() {
        for strided in [false, true] {
            let grid = Grid {
                strided,
                straight: Default::default(),
                key: crate::cache::ArrayKey::new("memory", "grid"),
            };
            // The array as the middle one of three stacked along a new last
            // axis: every element's own place, 3 apart.
            let mut out = ndarray::Array3::<i64>::from_elem((7, 4, 3), -1);
            let region = Region::full(&[7, 4]);
            let plan = Plan::new(&region, |_| Grouping::Exact).unwrap();
            let column = out.index_axis_mut(ndarray::Axis(2), 1).into_dyn();
            read_chunks(&grid, &Cache::new(0), &plan, column).unwrap();
            for ((r, c, k), &v) in out.indexed_iter() {
                let want = if k == 1 { (100 * r + c) as i64 } else { -1 };
                assert_eq!(v, want, "[{r}, {c}, {k}]");
            }
            // The two chunks inside the array went straight in (whole rows:
            // evenly spaced), the edge one through a buffer.
            let straight = grid.straight.load(std::sync::atomic::Ordering::Relaxed);
            assert_eq!(straight, if strided { 2 } else { 0 });
        }
    }

    #[test]
    fn a_block_is_a_line_when_its_elements_are_evenly_spaced() {
        let mut a = ndarray::Array3::<u8>::zeros((4, 5, 3));
        assert_eq!(
            as_line(a.index_axis_mut(ndarray::Axis(2), 2).into_dyn()).map(|l| l.len()),
            Some(20)
        );
        let line = as_line(a.index_axis_mut(ndarray::Axis(2), 0).into_dyn()).unwrap();
        assert_eq!(line.strides(), &[3]);
        // Every other column of each row is every other element; the first
        // two columns of each row are not evenly spaced.
        let mut b = ndarray::Array2::<u8>::zeros((4, 6));
        assert_eq!(
            as_line(b.slice_mut(ndarray::s![.., ..;2]).into_dyn())
                .unwrap()
                .strides(),
            &[2]
        );
        assert!(as_line(b.slice_mut(ndarray::s![.., ..2]).into_dyn()).is_none());
        assert!(
            as_line(ndarray::ArrayViewMutD::<u8>::from_shape(vec![], &mut [0]).unwrap()).is_none()
        );
    }

    #[test]
    fn the_chunks_of_a_plan_in_grid_order() {
        // x[[9, 0, 5]] of 10 elements in chunks of 4: chunks 2, 0 and 1.
        let region = Region::new(vec![10], vec![AxisSelection::List(vec![9, 0, 5])]).unwrap();
        let plan = Plan::new(&region, |_| Grouping::Exact).unwrap();
        assert_eq!(
            chunks_of(&plan, &[4]).unwrap(),
            vec![vec![0], vec![1], vec![2]]
        );
    }
}
