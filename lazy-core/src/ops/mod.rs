//! Views over datasets: each one a lazy dataset that maps a region of itself
//! to regions of its sources and reads (or writes) only those.
//!
//! - [`Stacked`]: N same-shape datasets along a new axis; read and write.
//! - [`Scaled`]: `source * factor`; read, and write with the inverse.
//! - [`Sum`]: element-wise sum; read-only.
//! - [`BooleanOr`]: element-wise logical OR; read-only.
//! - [`Sliced`]: a lazy selection of a dataset; read and write.
//! - [`Concat`]: N datasets joined along an existing axis; read and write.
//! - [`Permuted`], [`Transposed`]: axes reordered; read and write.
//! - [`Cast`]: another element type; read and write.
//! - [`Decoded`]: CF decoding (scale, offset, fill and missing values); read and write.
//! - [`Map`], [`Zip`]: user functions of one or two datasets; read-only.

mod boolean_or;
mod cast;
mod concat;
mod decoded;
mod map;
pub(crate) mod parts;
mod permuted;
mod scaled;
mod sliced;
mod stacked;
mod sum;

pub use boolean_or::BooleanOr;
pub use cast::Cast;
pub use concat::Concat;
pub use decoded::{Cf, Decoded, DecodedFloat};
pub use map::{Map, Zip};
pub use permuted::{Permuted, Transposed};
pub use scaled::Scaled;
pub use sliced::Sliced;
pub use stacked::Stacked;
pub use sum::{Sum, Summable};

use ndarray::{ArrayD, ArrayViewD, Axis, Slice};

use crate::dataset::{Dataset, Hints};
use crate::error::{Error, Result};

/// The values of a write that `src` holds in memory, each once: the axes
/// it is broadcast along (stride 0) cut to length 1. A check of every value
/// costs what the value array costs, not what the region does (a scalar
/// written to a billion elements is one value to check).
pub(crate) fn distinct<'a, T>(src: &ArrayViewD<'a, T>) -> ArrayViewD<'a, T> {
    let mut values = src.clone();
    for (axis, &stride) in src.strides().iter().enumerate() {
        if stride == 0 && values.len_of(Axis(axis)) > 1 {
            values.slice_axis_inplace(Axis(axis), Slice::from(0..1));
        }
    }
    values
}

/// `values` (from [`distinct`]) converted for a view's source, broadcast
/// back to `shape`: what a converting view hands its source's
/// `check_values`, without a copy the size of the region.
pub(crate) fn broadcast_back<'a, U>(
    values: &'a ArrayD<U>,
    shape: &[usize],
) -> Result<ArrayViewD<'a, U>> {
    values.broadcast(shape).ok_or_else(|| {
        Error::shape(format!(
            "internal error: values of shape {:?} do not broadcast back to {shape:?}",
            values.shape()
        ))
    })
}

/// The shape shared by all `sources`: a [`Value`](crate::ErrorKind::Value)
/// error if there are none, a [`Shape`](crate::ErrorKind::Shape) error if
/// any differs from the first.
pub(crate) fn common_shape<D: Dataset>(sources: &[D], view: &str) -> Result<Vec<usize>> {
    let first = sources
        .first()
        .ok_or_else(|| Error::value(format!("{view} needs at least one dataset")))?
        .shape();
    if let Some((i, d)) = sources.iter().enumerate().find(|(_, d)| d.shape() != first) {
        return Err(Error::shape(format!(
            "{view} needs datasets of one shape: {} has shape {first:?}, {} has shape {:?}",
            describe(sources, 0),
            describe(sources, i),
            d.shape()
        )));
    }
    Ok(first.to_vec())
}

/// The chunk grid every one of `sources` lines up with: per axis the least
/// common multiple of their chunk lengths, capped at the axis' length (one
/// chunk along it). `None` if any source has no grid, or grids of another
/// rank.
pub(crate) fn common_grid<D: Dataset>(sources: &[D]) -> Option<Vec<usize>> {
    let mut grid: Option<Vec<usize>> = None;
    for s in sources {
        let g = s.chunk_grid()?;
        if g.len() != s.shape().len() || g.contains(&0) {
            return None;
        }
        grid = Some(match grid {
            None => g,
            Some(acc) if acc.len() == g.len() => acc
                .iter()
                .zip(&g)
                .zip(s.shape())
                .map(|((&a, &b), &n)| crate::plan::lcm(a, b).unwrap_or(usize::MAX).min(n.max(1)))
                .collect(),
            Some(_) => return None,
        });
    }
    grid
}

/// Source `i` of `sources` as messages name it: `dataset 1`, or with its
/// [name](Dataset::name), `/x in a.h5 (dataset 1)`.
pub(crate) fn describe<D: Dataset>(sources: &[D], i: usize) -> String {
    match sources.get(i).and_then(Dataset::name) {
        Some(name) => format!("{name} (dataset {i})"),
        None => format!("dataset {i}"),
    }
}

/// The most bytes of temporaries an element-wise view over storage reads
/// its sources into at once, to read them concurrently: 64 MiB. Larger
/// regions read one source after another (each storage read is parallel by
/// itself then).
const CONCURRENT_BYTES: usize = 64 << 20;

/// Reads `region` of the sources and hands each to `combine`, in order.
/// With `first`, the first source is read by it (into `out` itself, where
/// the types allow) and the others into temporaries; without, every source
/// goes through `combine` and `out` must hold its starting value. The
/// temporaries are read concurrently when the sources are storage (a large
/// block hint) and they fit [`CONCURRENT_BYTES`]; otherwise one temporary
/// serves each source in turn. Element-wise views (`Sum`, `BooleanOr`)
/// combine their sources with it.
/// How a view reads its first source into its output.
pub(crate) type ReadFirst<'f, D, T> =
    dyn Fn(ndarray::ArrayViewMutD<'_, T>, &D) -> Result<()> + Sync + 'f;

pub(crate) fn read_all_sources<D, T>(
    sources: &[D],
    region: &crate::region::Region,
    first: Option<&ReadFirst<'_, D, T>>,
    out: ndarray::ArrayViewMutD<'_, T>,
    mut combine: impl FnMut(&mut ndarray::ArrayViewMutD<'_, T>, ndarray::ArrayViewD<'_, D::Elem>),
) -> Result<()>
where
    D: Dataset,
    T: Send,
{
    use crate::alloc::zeroed;
    use crate::blocks::for_each_concurrent;
    use crate::ext::DatasetExt;
    let mut out = out;
    let (head, rest) = match (&first, sources.split_first()) {
        (Some(_), Some((head, rest))) => (Some(head), rest),
        (None, _) => (None, sources),
        (Some(_), None) => return Ok(()),
    };
    let bytes = out
        .len()
        .saturating_mul(std::mem::size_of::<D::Elem>())
        .saturating_mul(rest.len());
    let hints = Hints::of_all(sources);
    if hints.block > crate::blocks::BLOCK_ELEMS
        && bytes <= CONCURRENT_BYTES
        && !rest.is_empty()
        && !sources.iter().all(|s| s.in_memory(region))
    {
        let mut parts = rest
            .iter()
            .map(|_| zeroed::<D::Elem>(out.shape().to_vec()))
            .collect::<Result<Vec<_>>>()?;
        let jobs: Vec<(&D, ndarray::ArrayViewMutD<'_, D::Elem>)> = rest
            .iter()
            .zip(parts.iter_mut().map(|p| p.view_mut()))
            .collect();
        let (a, b) = crate::blocks::join(
            || match (first, head) {
                (Some(first), Some(head)) => first(out.view_mut(), head),
                _ => Ok(()),
            },
            || {
                for_each_concurrent(jobs, hints.latency_bound, &|(source, part)| {
                    source.read_into(region, part)
                })
            },
        );
        a.and(b)?;
        for part in &parts {
            combine(&mut out, part.view());
        }
        return Ok(());
    }
    if let (Some(first), Some(head)) = (first, head) {
        first(out.view_mut(), head)?;
    }
    let mut part = zeroed::<D::Elem>(out.shape().to_vec())?;
    for source in rest {
        source.read_into(region, part.view_mut())?;
        combine(&mut out, part.view());
    }
    Ok(())
}

/// Rows (positions of output axis 0) per block when a read of `region` of
/// `source` into an output of `out_elem`-byte elements is worth cutting
/// into blocks on the source's chunk boundaries
/// ([`chunk_rows`](crate::blocks::chunk_rows)): storage with chunks, not
/// waiting on a remote service (whose chunks are read side by side in one
/// piece), and more than one block.
pub(crate) fn chunk_block_rows<D: Dataset>(
    source: &D,
    region: &crate::region::Region,
    out_elem: usize,
) -> Option<usize> {
    if source.hints().latency_bound {
        return None;
    }
    let align = *source.chunk_grid()?.first()?;
    let shape = region.out_shape();
    let row: usize = shape.iter().skip(1).product();
    let rows = crate::blocks::chunk_rows(region, row.checked_mul(out_elem)?, align.max(1))?;
    (rows < *shape.first()?).then_some(rows)
}

/// Calls `f` on blocks of `region` of `view` (an element-wise view over
/// its sources) with the matching parts of `out`, in parallel (`elem_bytes`:
/// the bytes a block holds per element, output and temporaries): blocks cut
/// on the chunk boundaries of chunked storage ([`chunk_block_rows`]), else
/// blocks of at least the view's [`Hints::block`]. `Sum` and `BooleanOr`
/// combine their sources so: each block's sources combined while it is
/// in cache (three 5M `f64` h5py datasets summed, read whole: 93.8-97.5
/// ms against 95.8-100.5 ms in one block of the whole region).
pub(crate) fn for_each_view_block<V, T, F>(
    view: &V,
    region: &crate::region::Region,
    out: ndarray::ArrayViewMutD<'_, T>,
    elem_bytes: usize,
    f: &F,
) -> Result<()>
where
    V: Dataset,
    T: Send,
    F: Fn(&crate::region::Region, ndarray::ArrayViewMutD<'_, T>) -> Result<()> + Sync,
{
    use crate::blocks::{for_each_block, for_each_chunk_block, BLOCK_ELEMS};
    if let Some(rows) = chunk_block_rows(view, region, elem_bytes) {
        return for_each_chunk_block(region, out, rows, f);
    }
    for_each_block(region, out, view.hints().block.max(BLOCK_ELEMS), f)
}

/// Reads `region` of `source` into `out` converted element by element
/// (`convert(&mut o, x)`), through temporaries of the source's type, block
/// by block in parallel: chunked storage in blocks cut on its chunk
/// boundaries ([`chunk_block_rows`]) into a temporary the thread keeps,
/// converted while it is in cache; other sources in blocks of at least
/// their [`Hints::block`]. `Scaled` to another type, `Cast` and `Decoded`
/// read so (three 5M h5py datasets of `int16` counts in 19,532-element
/// chunks, stacked and scaled to `f64`, read whole: 38.7-39.6 ms in chunk
/// blocks against 48.7-50.1 ms through one temporary of the whole region;
/// `convert` is a type parameter: called through `&dyn Fn` it was not
/// inlined, and the blocks took 50-51 ms).
pub(crate) fn read_converted<D, T, C>(
    source: &D,
    region: &crate::region::Region,
    out: ndarray::ArrayViewMutD<'_, T>,
    convert: &C,
) -> Result<()>
where
    D: Dataset,
    T: crate::element::Element,
    C: Fn(&mut T, D::Elem) + Sync,
{
    use crate::blocks::{for_each_block, for_each_chunk_block, BLOCK_ELEMS};
    use crate::ext::DatasetExt;
    let through = |region: &crate::region::Region,
                   mut out: ndarray::ArrayViewMutD<'_, T>,
                   raw: ndarray::ArrayViewMutD<'_, D::Elem>|
     -> Result<()> {
        let mut raw = raw;
        source.read_into(region, raw.view_mut())?;
        ndarray::Zip::from(&mut out)
            .and(&raw)
            .for_each(|o, &x| convert(o, x));
        Ok(())
    };
    let elem_bytes = std::mem::size_of::<T>().max(std::mem::size_of::<D::Elem>());
    if let Some(rows) = chunk_block_rows(source, region, elem_bytes) {
        return for_each_chunk_block(region, out, rows, &|region, out| {
            crate::alloc::with_scratch::<D::Elem, _>(out.len(), |tmp| {
                let raw = ndarray::ArrayViewMutD::from_shape(out.raw_dim(), tmp)
                    .map_err(|e| Error::internal(format!("a block's temporary: {e}")))?;
                through(region, out, raw)
            })
        });
    }
    let block = source.hints().block.max(BLOCK_ELEMS);
    for_each_block(region, out, block, &|region, out| {
        let mut raw = crate::alloc::zeroed::<D::Elem>(out.shape().to_vec())?;
        through(region, out, raw.view_mut())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::{AxisSelection, Region};
    use crate::testing::Logged;

    /// A sum and an OR of chunked storage read in blocks of whole chunks
    /// (1 MiB of `i64` output: 131,000 rows), each source asked for each
    /// block once; values against sums and ORs computed element by element.
    #[test]
    fn sums_and_ors_of_chunked_storage_go_in_chunk_blocks() {
        use crate::ext::DatasetExt;
        let n = 600_000;
        let make = |k: i64| {
            let data = ndarray::Array1::from_shape_fn(n, |i| (i as i64 % 7) * k - 3).into_dyn();
            Logged::new(data, Some(vec![1000]))
        };
        let (lo, hi) = (999, 555_555);
        let region = Region::new(vec![n], vec![AxisSelection::range(lo, 1, hi - lo)]).unwrap();
        let sources = [make(1), make(2), make(5)];
        let sum = crate::Sum::new(sources.iter().collect()).unwrap();
        let mut out = ndarray::Array1::<i64>::zeros(hi - lo).into_dyn();
        sum.read_into(&region, out.view_mut()).unwrap();
        for (k, &v) in out.iter().enumerate() {
            assert_eq!(v, ((lo + k) as i64 % 7) * 8 - 9, "at {}", lo + k);
        }
        for s in &sources {
            let spans = s.row_spans();
            assert_eq!(spans.len(), (hi - 1) / 131_000 + 1);
            assert_eq!((spans[0].0, spans[spans.len() - 1].1), (lo, hi - 1));
            for w in spans.windows(2) {
                assert_eq!(w[1].0, w[0].1 + 1);
                assert_eq!(w[1].0 % 131_000, 0);
            }
        }
        // An OR's blocks are counted in its sources' elements (its
        // temporaries): the same blocks.
        let sources = [make(1), make(2), make(5)];
        let or = crate::BooleanOr::new(sources.iter().collect()).unwrap();
        let mut flags = ndarray::Array1::<bool>::from_elem(hi - lo, false).into_dyn();
        or.read_into(&region, flags.view_mut()).unwrap();
        for (k, &f) in flags.iter().enumerate() {
            let i = (lo + k) as i64 % 7;
            assert_eq!(f, [1, 2, 5].iter().any(|m| i * m - 3 != 0), "at {}", lo + k);
        }
        for s in &sources {
            assert_eq!(s.row_spans().len(), (hi - 1) / 131_000 + 1);
        }
    }

    /// `int16` storage read converted to `f64`: with chunks of 1,000 rows in
    /// blocks of whole chunks (1 MiB of `f64` output is 131,072 rows:
    /// 131,000), each read once; without chunks in one piece. Values
    /// against the conversion computed element by element.
    #[test]
    fn converted_reads_of_chunked_storage_go_in_chunk_blocks() {
        let n = 1_000_000;
        let data = ndarray::Array1::from_shape_fn(n, |i| (i % 30_000) as i16 - 15_000).into_dyn();
        let (lo, hi) = (2_500, 987_654);
        let region = Region::new(vec![n], vec![AxisSelection::range(lo, 1, hi - lo)]).unwrap();
        for chunk in [Some(vec![1000]), None] {
            let source = Logged::new(data.clone(), chunk.clone());
            let mut out = ndarray::Array1::<f64>::zeros(hi - lo).into_dyn();
            read_converted(&source, &region, out.view_mut(), &|o, x| {
                *o = f64::from(x) * 0.5
            })
            .unwrap();
            for (k, &v) in out.iter().enumerate() {
                let i = lo + k;
                assert_eq!(v, ((i % 30_000) as f64 - 15_000.0) * 0.5, "at {i}");
            }
            let spans = source.row_spans();
            assert_eq!(spans.first().map(|s| s.0), Some(lo));
            assert_eq!(spans.last().map(|s| s.1), Some(hi - 1));
            if chunk.is_some() {
                assert_eq!(spans.len(), (hi - 1) / 131_000 + 1);
                for w in spans.windows(2) {
                    assert_eq!(w[1].0, w[0].1 + 1);
                    assert_eq!(w[1].0 % 131_000, 0);
                }
            } else {
                assert_eq!(spans.len(), 1);
            }
        }
    }
}
