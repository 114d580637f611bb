//! The `Dataset` and `DatasetMut` traits: anything with a shape, an element
//! type and on-demand reads (and writes) of a [`Region`].
//!
//! The traits are small and object-safe so that heterogeneous sources can sit in
//! one stack (`Box<dyn Dataset<Elem = f64, Rank = U1>>`). The ergonomic, typed
//! methods (`read`, `write`, `view`, …) live in [`DatasetExt`](crate::DatasetExt)
//! and [`DatasetMutExt`](crate::DatasetMutExt), implemented for every dataset.
//!
//! ```
//! use lazy_core::{Dataset, DatasetExt, Stacked};
//! use ndarray::{array, Array1};
//! use typenum::U1;
//!
//! let a = array![1.0, 2.0];
//! let b = array![3.0, 4.0];
//! let sources: Vec<Box<dyn Dataset<Elem = f64, Rank = U1>>> = vec![Box::new(a), Box::new(b)];
//! let stacked = Stacked::new(sources, 0).unwrap();
//! assert_eq!(stacked.read_all().unwrap(), array![[1.0, 2.0], [3.0, 4.0]]);
//! ```

use std::sync::Arc;

use ndarray::{ArrayViewD, ArrayViewMutD};

use crate::element::Element;
use crate::error::Result;
use crate::rank::Rank;
use crate::region::Region;

/// A dataset: a shape, an element type, and reads of any [`Region`] on demand.
///
/// Datasets are `Sync`: reads take `&self`, and views read their sources from
/// several threads at once (feature `parallel`). A dataset with interior
/// mutability uses a lock or atomics.
pub trait Dataset: Sync {
    /// The element type.
    type Elem: Element;
    /// The rank, as a type (`U2`, or `Dyn` when known only at run time).
    type Rank: Rank;

    /// The shape; its length is the rank.
    fn shape(&self) -> &[usize];

    /// Reads `region` straight into `out`, which has the region's output shape.
    ///
    /// Implementations check that `region` was resolved against this dataset's
    /// shape ([`Region::check_shape`]) and that `out` has its output shape
    /// ([`Region::check_out`]), and return an error otherwise.
    fn read_into(&self, region: &Region, out: ArrayViewMutD<'_, Self::Elem>) -> Result<()>;

    /// How many elements this dataset would like to be asked for at once.
    ///
    /// Views that work in cache-sized blocks use blocks at least this large:
    /// in-memory data says 0 (any size is cheap), while storage where each
    /// read has a fixed cost keeps the default, `usize::MAX` (read each region
    /// whole).
    fn block_hint(&self) -> usize {
        usize::MAX
    }
}

/// A dataset that can be written through.
///
/// Read-only views (`Sum`, `BooleanOr`) do not implement it, so writing to
/// them does not compile.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be written to",
    label = "this dataset is read-only",
    note = "`Sum` and `BooleanOr` have no inverse, so they are read-only; write to their sources instead"
)]
pub trait DatasetMut: Dataset {
    /// Writes `src`, which has the region's output shape, into `region`.
    ///
    /// Implementations check shapes as [`Dataset::read_into`] does, and run
    /// [`validate_write`](DatasetMut::validate_write) first so that a write that
    /// fails validation changes nothing.
    fn write_from(&mut self, region: &Region, src: ArrayViewD<'_, Self::Elem>) -> Result<()>;

    /// Checks, without writing, that a write to `region` would be accepted
    /// (the region fits, the storage is writable, a scale factor is invertible).
    ///
    /// Views that write to several sources call it on every target before
    /// writing to any, so a failed validation leaves every source unchanged.
    fn validate_write(&self, region: &Region) -> Result<()> {
        region.check_shape(self.shape())
    }
}

macro_rules! forward_dataset {
    ($($ty:ty $(: $bound:ident)?),*) => {$(
        impl<D: Dataset + ?Sized $(+ $bound)?> Dataset for $ty {
            type Elem = D::Elem;
            type Rank = D::Rank;
            fn shape(&self) -> &[usize] {
                (**self).shape()
            }
            fn read_into(&self, region: &Region, out: ArrayViewMutD<'_, Self::Elem>) -> Result<()> {
                (**self).read_into(region, out)
            }
            fn block_hint(&self) -> usize {
                (**self).block_hint()
            }
        }
    )*};
}

// `Arc<D>` is `Sync` only when `D` is also `Send`.
forward_dataset!(&D, &mut D, Box<D>, Arc<D>: Send);

macro_rules! forward_dataset_mut {
    ($($ty:ty),*) => {$(
        impl<D: DatasetMut + ?Sized> DatasetMut for $ty {
            fn write_from(&mut self, region: &Region, src: ArrayViewD<'_, Self::Elem>) -> Result<()> {
                (**self).write_from(region, src)
            }
            fn validate_write(&self, region: &Region) -> Result<()> {
                (**self).validate_write(region)
            }
        }
    )*};
}

forward_dataset_mut!(&mut D, Box<D>);

/// Adds the inherent methods every dataset type of this project has: `shape()`,
/// `ndim()`, `len()`, `is_empty()` and `view(sel)`.
///
/// They are inherent rather than trait methods so that ndarray arrays, which
/// are datasets too, keep their own `len()` and `view()`. Backend crates call
/// this for their dataset types.
///
/// ```
/// use lazy_core::{DatasetExt, DynSelection, SelElem, Stacked};
/// use ndarray::array;
///
/// let (a, b) = (array![1, 2, 3], array![4, 5, 6]);
/// let s = Stacked::new(vec![&a, &b], 0).unwrap();
/// assert_eq!(s.len(), 2);
/// let row = s.view(DynSelection::from(vec![SelElem::Index(1)])).unwrap();
/// assert_eq!(row.read_all().unwrap(), array![4, 5, 6].into_dyn());
/// ```
#[macro_export]
macro_rules! dataset_methods {
    ($name:ident < $($gen:ident),* >) => {
        impl<$($gen),*> $name<$($gen),*>
        where
            Self: $crate::Dataset,
        {
            /// The shape; its length is the rank.
            pub fn shape(&self) -> &[usize] {
                $crate::Dataset::shape(self)
            }

            /// The number of axes.
            pub fn ndim(&self) -> usize {
                $crate::Dataset::shape(self).len()
            }

            /// The length of the first axis, as Python's `len()` of a dataset
            /// (0 for a rank-0 dataset, where Python raises `TypeError`).
            pub fn len(&self) -> usize {
                $crate::Dataset::shape(self).first().copied().unwrap_or(0)
            }

            /// Whether the dataset holds no elements.
            pub fn is_empty(&self) -> bool {
                $crate::DatasetExt::is_empty(self)
            }

            /// A lazy view of a selection, itself a dataset: nothing is read
            /// until the view is (see [`DatasetExt::sliced`]($crate::DatasetExt::sliced)).
            pub fn view<S>(self, sel: S) -> $crate::Result<$crate::Sliced<Self, S::Out>>
            where
                S: $crate::Selection<<Self as $crate::Dataset>::Rank>,
            {
                $crate::DatasetExt::sliced(self, sel)
            }
        }
    };
}
