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
