//! [`Sum`]: the element-wise sum of N same-shape datasets; read-only.
//!
//! ```
//! use lazy_core::{DatasetExt, Sum};
//! use ndarray::array;
//!
//! let (a, b) = (array![1, 2, 3], array![10, 20, 30]);
//! assert_eq!(Sum::new(vec![&a, &b]).unwrap().read_all().unwrap(), array![11, 22, 33]);
//! ```

use ndarray::{ArrayViewMutD, Zip};

use crate::dataset::{CheckedRegion, Dataset, Hints};
use crate::element::Element;
use crate::error::Result;
use crate::ext::DatasetExt;
use crate::ops::{common_shape, for_each_view_block, read_all_sources};
use crate::region::Region;

/// An element type that can be summed: integers (wrapping on overflow, as
/// NumPy's fixed-width integers do) and floats. Not `bool`.
#[diagnostic::on_unimplemented(
    message = "`Sum` cannot add `{Self}` elements",
    label = "`{Self}` is not numeric",
    note = "`Sum` needs integers or floats; to combine flag datasets use `BooleanOr`"
)]
pub trait Summable: Element {
    /// `self + rhs`, wrapping for integers.
    fn add_elem(self, rhs: Self) -> Self;
}

macro_rules! summable_ints {
    ($($t:ty),*) => {$(
        impl Summable for $t {
            #[inline]
            fn add_elem(self, rhs: Self) -> Self {
                self.wrapping_add(rhs)
            }
        }
    )*};
}

summable_ints!(i8, i16, i32, i64, u8, u16, u32, u64);

impl Summable for f32 {
    #[inline]
    fn add_elem(self, rhs: Self) -> Self {
        self + rhs
    }
}

impl Summable for f64 {
    #[inline]
    fn add_elem(self, rhs: Self) -> Self {
        self + rhs
    }
}

/// The element-wise sum of N datasets of one shape, in the sources' element
/// type (NumPy's `np.sum` would widen small integers to `int64`; here integer
/// sums wrap in their own type). Read-only: it has no `DatasetMut` impl.
///
/// ```
/// use lazy_core::{DatasetExt, ErrorKind, Sum};
/// use ndarray::array;
///
/// let (a, b) = (array![250u8, 1], array![10u8, 1]);
/// assert_eq!(Sum::new(vec![&a, &b]).unwrap().read_all().unwrap(), array![4u8, 2]);
/// let empty: Vec<&ndarray::Array1<u8>> = vec![];
/// assert_eq!(Sum::new(empty).unwrap_err().kind(), ErrorKind::Value);
/// ```
#[derive(Debug, Clone)]
pub struct Sum<D> {
    sources: Vec<D>,
    shape: Vec<usize>,
}

impl<D> Sum<D>
where
    D: Dataset,
    D::Elem: Summable,
{
    /// Sums `sources`: an empty list is a [`Value`](crate::ErrorKind::Value)
    /// error, different shapes a [`Shape`](crate::ErrorKind::Shape) error.
    /// Summing `bool` datasets does not compile (use [`BooleanOr`](crate::BooleanOr)).
    pub fn new(sources: Vec<D>) -> Result<Self> {
        let shape = common_shape(&sources, "Sum")?;
        Ok(Sum { sources, shape })
    }

    /// The summed datasets.
    pub fn sources(&self) -> &[D] {
        &self.sources
    }
}

impl<D> Dataset for Sum<D>
where
    D: Dataset,
    D::Elem: Summable,
{
    type Elem = D::Elem;
    type Rank = D::Rank;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn read_region(
        &self,
        region: CheckedRegion<'_>,
        out: ArrayViewMutD<'_, D::Elem>,
    ) -> Result<()> {
        for_each_view_block(
            self,
            &region,
            out,
            std::mem::size_of::<D::Elem>(),
            &|region, out| {
                read_all_sources(
                    &self.sources,
                    region,
                    Some(&|out: ArrayViewMutD<'_, D::Elem>, first: &D| {
                        first.read_into(region, out)
                    }),
                    out,
                    |out, part| {
                        Zip::from(out)
                            .and(&part)
                            .for_each(|o, &x| *o = o.add_elem(x))
                    },
                )
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

crate::backend::dataset_methods!(Sum<D>);
