//! [`BooleanOr`]: the element-wise logical OR of N same-shape datasets; read-only.
//!
//! ```
//! use lazy_core::{BooleanOr, DatasetExt};
//! use ndarray::array;
//!
//! let saturated = array![0u8, 1, 0, 0];
//! let dropout = array![0u8, 0, 3, 0];
//! let bad = BooleanOr::new(vec![&saturated, &dropout]).unwrap();
//! assert_eq!(bad.read_all().unwrap(), array![false, true, true, false]);
//! ```

use ndarray::{ArrayViewMutD, Zip};

use crate::dataset::{CheckedRegion, Dataset, Hints};
use crate::element::Element;
use crate::error::Result;
use crate::ops::{common_shape, for_each_view_block, read_all_sources};
use crate::region::Region;

/// The element-wise logical OR of N datasets of one shape: an element is
/// `true` where any source is non-zero (NaN counts as non-zero, as in NumPy).
/// Output `bool`; read-only: it has no `DatasetMut` impl.
///
/// ```
/// use lazy_core::{BooleanOr, DatasetExt, ErrorKind};
/// use ndarray::array;
///
/// let (a, b) = (array![0.0, f64::NAN], array![-0.0, 0.0]);
/// assert_eq!(BooleanOr::new(vec![&a, &b]).unwrap().read_all().unwrap(), array![false, true]);
/// let c = array![1.0];
/// assert_eq!(BooleanOr::new(vec![&a, &c]).unwrap_err().kind(), ErrorKind::Shape);
/// ```
#[derive(Debug, Clone)]
pub struct BooleanOr<D> {
    sources: Vec<D>,
    shape: Vec<usize>,
}

impl<D: Dataset> BooleanOr<D> {
    /// ORs `sources`: an empty list is a [`Value`](crate::ErrorKind::Value)
    /// error, different shapes a [`Shape`](crate::ErrorKind::Shape) error.
    pub fn new(sources: Vec<D>) -> Result<Self> {
        let shape = common_shape(&sources, "BooleanOr")?;
        Ok(BooleanOr { sources, shape })
    }

    /// The OR'ed datasets.
    pub fn sources(&self) -> &[D] {
        &self.sources
    }
}

impl<D: Dataset> Dataset for BooleanOr<D> {
    type Elem = bool;
    type Rank = D::Rank;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, bool>) -> Result<()> {
        for_each_view_block(
            self,
            &region,
            out,
            std::mem::size_of::<D::Elem>(),
            &|region, mut out| {
                out.fill(false);
                read_all_sources(&self.sources, region, None, out, |out, part| {
                    Zip::from(out)
                        .and(&part)
                        .for_each(|o, &x| *o = *o || x.is_nonzero())
                })
            },
        )
    }

    fn hints(&self) -> Hints {
        Hints::of_all(&self.sources)
    }

    /// The sources' common chunk grid: this view reads element for element.
    fn chunk_grid(&self) -> Option<Vec<usize>> {
        crate::ops::common_grid(&self.sources)
    }

    fn in_memory(&self, region: &Region) -> bool {
        self.sources.iter().all(|s| s.in_memory(region))
    }
}

crate::backend::dataset_methods!(BooleanOr<D>);
