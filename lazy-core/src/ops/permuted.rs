//! [`Permuted`]: a dataset with its axes reordered, as NumPy's
//! `np.transpose(source, axes)`, and [`Transposed`], its constructor for
//! `.T`; read and write.
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

use crate::dataset::{Dataset, DatasetMut, Hints};
use crate::error::{Error, Result};
use crate::ops::parts::{parted_methods, Parted, Parts};
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

    /// `source` with all its axes reversed, NumPy's `source.T` (also
    /// [`Transposed::new`]).
    ///
    /// ```
    /// use lazy_core::{DatasetExt, Permuted};
    /// use ndarray::array;
    ///
    /// let a = array![[1, 2, 3], [4, 5, 6]];
    /// let t = Permuted::transposed(&a);
    /// assert_eq!(t.axes(), &[1, 0]);
    /// assert_eq!(t.read_all().unwrap(), array![[1, 4], [2, 5], [3, 6]]);
    /// ```
    pub fn transposed(source: D) -> Self {
        let axes = (0..source.shape().len()).rev().collect();
        Self::of_permutation(source, axes)
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

impl<D: Dataset> Parted for Permuted<D> {
    type Source = D;

    fn sources(&self) -> &[D] {
        self.view.sources()
    }

    fn sources_mut(&mut self) -> &mut [D] {
        self.view.sources_mut()
    }

    /// The permuted region of the source (the view's part).
    fn parts(&self, region: &Region) -> Result<Parts> {
        self.view.parts(region)
    }
}

impl<D: Dataset> Dataset for Permuted<D> {
    type Elem = D::Elem;
    type Rank = D::Rank;

    fn shape(&self) -> &[usize] {
        self.view.shape()
    }

    fn hints(&self) -> Hints {
        self.view.hints()
    }

    parted_methods!(read);
}

impl<D: DatasetMut> DatasetMut for Permuted<D> {
    parted_methods!(write);
}

crate::backend::dataset_methods!(Permuted<D: Dataset>);

/// NumPy's `source.T`: [`Transposed::new(source)`](Transposed::new) is a
/// [`Permuted`] view with all axes reversed (`rank - 1, …, 1, 0`), the
/// same as [`Permuted::transposed`]. Read and write.
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
#[derive(Debug, Clone, Copy)]
pub struct Transposed;

impl Transposed {
    /// `source` with its axes reversed: a [`Permuted`] view.
    #[allow(clippy::new_ret_no_self)]
    pub fn new<D: Dataset>(source: D) -> Permuted<D> {
        Permuted::transposed(source)
    }
}
