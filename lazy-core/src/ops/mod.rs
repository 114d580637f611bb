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
