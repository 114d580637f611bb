//! [`Permuted`] and [`Transposed`]: a dataset with its axes reordered, as
//! NumPy's `np.transpose(source, axes)` and `.T`; read and write.
//!
//! ```
//! use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, Permuted, SelectionItem as S, Transposed};
//! use ndarray::{arr0, array, Array3};
//!
//! let a = array![[1, 2, 3], [4, 5, 6]];
//! assert_eq!(Transposed::new(&a).read_all().unwrap(), array![[1, 4], [2, 5], [3, 6]]);
//! let mut b = Array3::<i32>::zeros((2, 3, 4));
//! let mut p = Permuted::new(&mut b, &[2, 0, 1]).unwrap(); // shape (4, 2, 3)
//! let key = DynSelection::from(vec![S::Index(3), S::Index(1), S::Index(2)]);
//! p.write_dyn(&key, arr0(7).into_dyn().view()).unwrap();
//! assert_eq!(b[[1, 2, 3]], 7);
//! ```

use ndarray::{ArrayViewD, ArrayViewMutD};

use crate::dataset::{CheckedRegion, Dataset, DatasetMut, Hints};
use crate::error::{Error, Result};
use crate::ops::Sliced;
use crate::region::Region;

/// `source` with its axes in the order `axes`: output axis `i` is source
/// axis `axes[i]` (NumPy's `np.transpose(source, axes)`). Rank and element
/// type unchanged; reads and writes compose into one region of the source,
/// so a permuted view of a file reads only the selected elements. Writable
/// when the source is.
///
/// ```
/// use lazy_core::{DatasetExt, ErrorKind, Permuted};
/// use ndarray::Array3;
///
/// let a = Array3::from_shape_fn((2, 3, 4), |(i, j, k)| (100 * i + 10 * j + k) as i64);
/// let p = Permuted::new(&a, &[1, 2, 0]).unwrap();
/// assert_eq!(p.shape(), &[3, 4, 2]);
/// assert_eq!(p.read_all().unwrap(), a.view().permuted_axes([1, 2, 0]));
/// assert_eq!(Permuted::new(&a, &[0, 0, 1]).unwrap_err().kind(), ErrorKind::Value);
/// ```
#[derive(Debug, Clone)]
pub struct Permuted<D: Dataset> {
    /// The source seen through a region whose output axes are permuted.
    view: Sliced<D, D::Rank>,
    axes: Vec<usize>,
}

impl<D: Dataset> Permuted<D> {
    /// `source` with its axes in the order `axes`; anything but a
    /// permutation of `0..rank` is a [`Value`](crate::ErrorKind::Value) error.
    pub fn new(source: D, axes: &[usize]) -> Result<Self> {
        let shape = source.shape();
        let mut seen = vec![false; shape.len()];
        let is_permutation = axes.len() == shape.len()
            && axes
                .iter()
                .all(|&a| seen.get_mut(a).is_some_and(|s| !std::mem::replace(s, true)));
        if !is_permutation {
            return Err(Error::value(format!(
                "the axes {axes:?} are not a permutation of the {} axes of a dataset of shape {shape:?}",
                shape.len()
            )));
        }
        Ok(Self::of_permutation(source, axes.to_vec()))
    }

    /// `source` with its axes in the order `axes`, known to be a permutation.
    fn of_permutation(source: D, axes: Vec<usize>) -> Self {
        let region = Region::permuted(source.shape(), &axes);
        Permuted {
            view: Sliced::from_parts(source, region),
            axes,
        }
    }

    /// The permuted dataset.
    pub fn source(&self) -> &D {
        self.view.source()
    }

    /// The source axis of each output axis.
    pub fn axes(&self) -> &[usize] {
        &self.axes
    }

    /// Gives the permuted dataset back.
    pub fn into_source(self) -> D {
        self.view.into_source()
    }
}

impl<D: Dataset> Dataset for Permuted<D> {
    type Elem = D::Elem;
    type Rank = D::Rank;

    fn shape(&self) -> &[usize] {
        self.view.shape()
    }

    fn read_region(
        &self,
        region: CheckedRegion<'_>,
        out: ArrayViewMutD<'_, D::Elem>,
    ) -> Result<()> {
        self.view.read_region(region, out)
    }

    fn hints(&self) -> Hints {
        self.view.hints()
    }

    fn in_memory(&self, region: &Region) -> bool {
        self.view.in_memory(region)
    }
}

impl<D: DatasetMut> DatasetMut for Permuted<D> {
    fn write_region(
        &mut self,
        region: CheckedRegion<'_>,
        src: ArrayViewD<'_, D::Elem>,
    ) -> Result<()> {
        self.view.write_region(region, src)
    }

    fn check_write(&self, region: CheckedRegion<'_>) -> Result<()> {
        self.view.check_write(region)
    }

    fn check_values(&self, region: CheckedRegion<'_>, src: ArrayViewD<'_, D::Elem>) -> Result<()> {
        self.view.check_values(region, src)
    }
}

crate::backend::dataset_methods!(Permuted<D: Dataset>);

/// `source` with all its axes reversed, NumPy's `source.T`: a [`Permuted`]
/// view with the axes `rank - 1, …, 1, 0`. Read and write.
///
/// ```
/// use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, SelectionItem as S, Transposed};
/// use ndarray::array;
///
/// let mut a = array![[1, 2, 3], [4, 5, 6]];
/// let mut t = Transposed::new(&mut a);
/// assert_eq!(t.shape(), &[3, 2]);
/// let key = DynSelection::from(vec![S::Index(2), S::FULL]);
/// t.write_dyn(&key, array![30, 60].into_dyn().view()).unwrap();
/// assert_eq!(a, array![[1, 2, 30], [4, 5, 60]]);
/// ```
#[derive(Debug, Clone)]
pub struct Transposed<D: Dataset>(Permuted<D>);

impl<D: Dataset> Transposed<D> {
    /// `source` with its axes reversed.
    pub fn new(source: D) -> Self {
        let axes = (0..source.shape().len()).rev().collect();
        Transposed(Permuted::of_permutation(source, axes))
    }

    /// The transposed dataset.
    pub fn source(&self) -> &D {
        self.0.source()
    }

    /// Gives the transposed dataset back.
    pub fn into_source(self) -> D {
        self.0.into_source()
    }
}

impl<D: Dataset> Dataset for Transposed<D> {
    type Elem = D::Elem;
    type Rank = D::Rank;

    fn shape(&self) -> &[usize] {
        self.0.shape()
    }

    fn read_region(
        &self,
        region: CheckedRegion<'_>,
        out: ArrayViewMutD<'_, D::Elem>,
    ) -> Result<()> {
        self.0.read_region(region, out)
    }

    fn hints(&self) -> Hints {
        self.0.hints()
    }

    fn in_memory(&self, region: &Region) -> bool {
        self.0.in_memory(region)
    }
}

impl<D: DatasetMut> DatasetMut for Transposed<D> {
    fn write_region(
        &mut self,
        region: CheckedRegion<'_>,
        src: ArrayViewD<'_, D::Elem>,
    ) -> Result<()> {
        self.0.write_region(region, src)
    }

    fn check_write(&self, region: CheckedRegion<'_>) -> Result<()> {
        self.0.check_write(region)
    }

    fn check_values(&self, region: CheckedRegion<'_>, src: ArrayViewD<'_, D::Elem>) -> Result<()> {
        self.0.check_values(region, src)
    }
}

crate::backend::dataset_methods!(Transposed<D: Dataset>);
