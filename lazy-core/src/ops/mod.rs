//! Views over datasets: each one a lazy dataset that maps a region of itself
//! to regions of its sources and reads (or writes) only those.
//!
//! - [`Stacked`]: N same-shape datasets along a new axis; read and write.
//! - [`Scaled`]: `source * factor`; read, and write with the inverse.
//! - [`Sum`]: element-wise sum; read-only.
//! - [`BooleanOr`]: element-wise logical OR; read-only.
//! - [`Sliced`]: a lazy selection of a dataset; read and write.

mod boolean_or;
mod scaled;
mod sliced;
mod stacked;
mod sum;

pub use boolean_or::BooleanOr;
pub use scaled::Scaled;
pub use sliced::Sliced;
pub use stacked::Stacked;
pub use sum::{Sum, Summable};

use crate::dataset::Dataset;
use crate::error::{Error, Result};

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
            "{view} needs datasets of one shape: dataset 0 has shape {first:?}, dataset {i} has shape {:?}",
            d.shape()
        )));
    }
    Ok(first.to_vec())
}

/// The largest [`block_hint`](Dataset::block_hint) of `sources`.
pub(crate) fn max_hint<D: Dataset>(sources: &[D]) -> usize {
    sources.iter().map(Dataset::block_hint).max().unwrap_or(0)
}

/// The most bytes of temporaries an element-wise view over storage reads
/// its sources into at once, to read them concurrently: 64 MiB. Larger
/// regions read one source after another (each storage read is parallel by
/// itself then).
const CONCURRENT_BYTES: usize = 64 << 20;

/// Reads `region` of every source but the first into a temporary each,
/// concurrently when the sources are storage (a large block hint) and the
/// temporaries fit [`CONCURRENT_BYTES`], and hands them to `combine` in
/// order; the first source is read into `out` itself. Element-wise views
/// (`Sum`, `BooleanOr`) combine their sources with it.
pub(crate) fn read_all_sources<D, T>(
    sources: &[D],
    region: &crate::region::Region,
    first: impl FnOnce(ndarray::ArrayViewMutD<'_, T>, &D) -> Result<()> + Send,
    out: ndarray::ArrayViewMutD<'_, T>,
    mut combine: impl FnMut(&mut ndarray::ArrayViewMutD<'_, T>, ndarray::ArrayViewD<'_, D::Elem>),
) -> Result<()>
where
    D: Dataset,
    T: Send,
{
    use crate::alloc::zeroed;
    use crate::blocks::for_each_parallel;
    use crate::ext::DatasetExt;
    let mut out = out;
    let Some((head, rest)) = sources.split_first() else {
        return Ok(());
    };
    let bytes = out
        .len()
        .saturating_mul(std::mem::size_of::<D::Elem>())
        .saturating_mul(rest.len());
    if max_hint(sources) > crate::blocks::BLOCK_ELEMS
        && bytes <= CONCURRENT_BYTES
        && !rest.is_empty()
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
            || first(out.view_mut(), head),
            || for_each_parallel(jobs, &|(source, part)| source.read_into(region, part)),
        );
        a.and(b)?;
        for part in &parts {
            combine(&mut out, part.view());
        }
        return Ok(());
    }
    first(out.view_mut(), head)?;
    let mut part = zeroed::<D::Elem>(out.shape().to_vec())?;
    for source in rest {
        source.read_into(region, part.view_mut())?;
        combine(&mut out, part.view());
    }
    Ok(())
}
